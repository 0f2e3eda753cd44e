from typing import Any
from zoneinfo import available_timezones

from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms

from members.models import Member, User


class SignupForm(AllauthSignupForm):
    first_name = forms.CharField(max_length=150, label="First name")
    last_name = forms.CharField(max_length=150, label="Last name")
    job_title = forms.CharField(max_length=200, label="Job title", required=False)

    field_order = ["first_name", "last_name", "email", "job_title", "password1", "password2"]


class UserNameForm(forms.ModelForm[User]):
    class Meta:
        model = User
        fields = ["first_name", "last_name"]


class MemberProfileForm(forms.ModelForm[Member]):
    timezone = forms.ChoiceField(choices=[(tz, tz) for tz in sorted(available_timezones())])

    class Meta:
        model = Member
        fields = ["job_title", "persona", "timezone", "consent_email"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        persona = self.fields["persona"]
        persona.queryset = persona.queryset.filter(is_active=True)  # type: ignore[attr-defined]
        persona.label = "The persona that fits your work best"
        persona.help_text = "It decides which initiatives are recommended to you."
        self.fields["consent_email"].help_text = "Campaign and digest e-mail. In-app notices continue either way."
