"""The member's digest choice (shown on the profile page through the `email_digest` extension point)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from campaigns.models import DigestFrequency


class DigestPreferenceForm(forms.Form):
    frequency = forms.ChoiceField(
        label=_("E-mail digest"),
        choices=DigestFrequency.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "One e-mail gathering what happened in your working-group spaces, feedback on your organisation's "
            "outcome reports and changes to roadmap items you follow. Only what you may still see when it is sent."
        ),
    )
