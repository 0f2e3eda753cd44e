from typing import Any

from django import forms
from django.forms.models import BaseModelFormSet
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from directory.models import WORKING_LANGUAGES, CoverageTarget, DirectoryProfile, Expertise, LiaisonRole
from personas.models import Sector


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or organisation"), required=False, max_length=100)
    expertise = forms.ModelChoiceField(
        label=_("Expertise"), queryset=Expertise.objects.order_by("name"), required=False
    )
    sector = forms.ChoiceField(label=_("Sector"), choices=[("", _("Any")), *list(Sector.choices)], required=False)
    country = forms.ChoiceField(label=_("Country"), choices=[("", _("Any"))], required=False)
    jurisdiction = forms.ChoiceField(label=_("Jurisdiction covered"), choices=[("", _("Any"))], required=False)
    language = forms.ChoiceField(label=_("Language"), choices=[("", _("Any")), *WORKING_LANGUAGES], required=False)
    liaison_role = forms.ChoiceField(
        label=_("Role in liaison"),
        choices=[("", _("Any")), *[c for c in LiaisonRole.choices if c[0]]],
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        country_choices = [("", _("Any")), *list(countries)]
        for name in ("country", "jurisdiction"):
            field = self.fields[name]
            if isinstance(field, forms.ChoiceField):
                field.choices = country_choices


class DirectoryProfileForm(forms.ModelForm[DirectoryProfile]):
    """The member's directory entry: its own form and page, apart from the account profile."""

    jurisdiction_codes = forms.MultipleChoiceField(
        label=_("Jurisdictions covered"),
        choices=list(countries),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    language_codes = forms.MultipleChoiceField(
        label=_("Languages you work in"),
        choices=WORKING_LANGUAGES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = DirectoryProfile
        fields = [
            "listed",
            "name_visibility",
            "organisation_visibility",
            "sector_visibility",
            "expertise",
            "expertise_visibility",
            "jurisdictions_visibility",
            "languages_visibility",
            "liaison_role",
            "liaison_role_visibility",
            "phone",
        ]
        labels = {
            "name_visibility": _("Who sees your name"),
            "organisation_visibility": _("Who sees your organisation and country"),
            "sector_visibility": _("Who sees your sector"),
            "expertise_visibility": _("Who sees your expertise"),
            "jurisdictions_visibility": _("Who sees your jurisdictions"),
            "languages_visibility": _("Who sees your languages"),
            "liaison_role_visibility": _("Who sees your role in liaison"),
        }
        widgets = {"expertise": forms.CheckboxSelectMultiple}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["jurisdiction_codes"].initial = [str(j.country.code) for j in self.instance.jurisdictions.all()]
            self.fields["language_codes"].initial = [lang.language for lang in self.instance.languages.all()]


class IntroductionRequestForm(forms.Form):
    member = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Why you would like to be introduced"),
        max_length=600,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "They see your name, organisation and this reason; contact details are shared only if they accept."
        ),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Their work e-mail address"))
    bind_organisation = forms.BooleanField(
        label=_("They work at my organisation"),
        required=False,
        help_text=_("Staff still check their organisation when they approve them."),
    )
    note = forms.CharField(
        label=_("A note to them (optional)"), max_length=600, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


# Leadership's targets, one row per sector and country; an empty row adds one, a ticked row is removed.
CoverageTargetFormSet: type[BaseModelFormSet[CoverageTarget, forms.ModelForm[CoverageTarget]]] = (
    forms.modelformset_factory(
        CoverageTarget,
        fields=["sector", "country", "organisations", "active_members"],
        extra=1,
        can_delete=True,
    )
)
