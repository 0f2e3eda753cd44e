from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import available_timezones

from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from members.consent import consent_is_unrecorded, email_consent_wording
from members.models import Member, User
from personas.models import Persona
from translations.selectors import translated_text, translations_attach


class SignupForm(AllauthSignupForm):
    first_name = forms.CharField(max_length=150, label=gettext_lazy("First name"))
    last_name = forms.CharField(max_length=150, label=gettext_lazy("Last name"))
    job_title = forms.CharField(max_length=200, label=gettext_lazy("Job title"), required=False)

    # Opt-in: the box starts unticked, and leaving it so gives no consent.
    consent_email = forms.BooleanField(
        required=False,
        help_text=gettext_lazy(
            "Messages about your account (verifying your address, your membership, security) are sent either way."
        ),
    )

    field_order = ["first_name", "last_name", "email", "job_title", "password1", "password2", "consent_email"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["consent_email"].label = email_consent_wording()
        email = self.fields["email"]
        email.label = _("Work e-mail address")
        email.help_text = _("Its domain tells us your organisation: use the address your employer gave you.")
        email.widget.attrs.pop("placeholder", None)
        for name in ("password1", "password2"):
            self.fields[name].widget.attrs.pop("placeholder", None)

    def consent_wording(self) -> str:
        """The text beside the box when the person ticked it, or "" when they did not."""
        return str(self.fields["consent_email"].label) if self.cleaned_data.get("consent_email") else ""


class UserNameForm(forms.ModelForm[User]):
    class Meta:
        model = User
        fields = ["first_name", "last_name"]


TIME_ZONES = sorted(available_timezones())


class _TranslatedChoiceIterator(forms.models.ModelChoiceIterator):
    """The choices with their translations loaded in one query (translations), not one per choice."""

    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        objects = list(self.queryset)
        translations_attach(objects)
        for obj in objects:
            yield self.choice(obj)


class PersonaChoiceField(forms.ModelChoiceField[Persona]):
    """Personas as radio buttons, in the reader's language; the profile page prints each one's summary under its
    name."""

    widget = forms.RadioSelect
    iterator = _TranslatedChoiceIterator

    def label_from_instance(self, obj: Any) -> str:
        return str(translated_text(obj, "name"))


class MemberProfileForm(forms.ModelForm[Member]):
    # A text box that suggests as you type (the page's <datalist>) and this device's zone (site.js); only a
    # real IANA name is accepted.
    timezone = forms.CharField(
        label=gettext_lazy("Time zone"),
        max_length=64,
        widget=forms.TextInput(attrs={"list": "time-zones", "autocomplete": "off", "spellcheck": "false"}),
        help_text=gettext_lazy("Type a city, such as London or New York, and choose from the list."),
    )
    persona = PersonaChoiceField(queryset=Persona.objects.none(), required=False)
    language = forms.ChoiceField(
        label=gettext_lazy("Language"),
        required=False,
        choices=[("", gettext_lazy("Your browser's language")), *settings.LANGUAGES],
        help_text=gettext_lazy("The portal's pages and the e-mail we send you."),
    )

    time_zones = TIME_ZONES

    class Meta:
        model = Member
        fields = ["job_title", "persona", "timezone", "language", "consent_email"]
        labels = {"job_title": gettext_lazy("Job title")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        persona = self.fields["persona"]
        if isinstance(persona, forms.ModelChoiceField):
            # Active personas, plus the member's current one so a retired persona never blocks saving.
            persona.queryset = Persona.objects.filter(Q(is_active=True) | Q(pk=self.instance.persona_id))
            persona.label = _("The persona closest to your work")
            persona.empty_label = _("None of these, or I'd rather not say")
            persona.help_text = _(
                "Optional. It decides which initiatives are recommended to you and helps us plan for people like you."
            )
        consent = self.fields["consent_email"]
        consent.label = email_consent_wording()
        consent.help_text = _(
            "Messages about your account (verifying your address, your membership, security) are sent either way, "
            "and the portal's inbox keeps every message."
        )
        if self.instance.pk and consent_is_unrecorded(member=self.instance):
            # Consent carried over from before it was recorded is not shown as given: the member chooses anew.
            consent.initial = False
            self.initial["consent_email"] = False
            consent.help_text = _("We have no record of when you agreed: tick the box to keep receiving e-mail. ") + (
                consent.help_text
            )

    def consent_wording(self) -> str:
        return str(self.fields["consent_email"].label)

    def clean_timezone(self) -> str:
        value = self.cleaned_data["timezone"].strip()
        if value not in available_timezones():
            raise forms.ValidationError(
                _("“%(zone)s” is not a time zone we know: choose one from the list, such as Europe/London."),
                params={"zone": value},
            )
        return value

    def plain_fields(self) -> list[forms.BoundField]:
        """The fields before the persona choice and the time zone, which the page lays out itself."""
        return [self[name] for name in self.fields if name == "job_title"]

    def closing_fields(self) -> list[forms.BoundField]:
        """The fields after them: e-mail consent, last."""
        return [self[name] for name in self.fields if name not in ("job_title", "persona", "timezone")]


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        label=gettext_lazy("Name"),
        help_text=gettext_lazy("What will use it, such as “case system sync”."),
    )
    expires_on = forms.DateField(
        label=gettext_lazy("Expires on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("Optional. The token stops working at the start of this day (UTC)."),
    )

    def clean_expires_on(self) -> date | None:
        expires_on: date | None = self.cleaned_data["expires_on"]
        if expires_on is not None and expires_on <= timezone.now().date():
            raise forms.ValidationError(_("Choose a day after today."))
        return expires_on

    def expires_at(self) -> datetime | None:
        expires_on = self.cleaned_data["expires_on"]
        return datetime.combine(expires_on, time.min, tzinfo=UTC) if expires_on else None
