from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ecosystem.models import IndicatorSet, RedFlag
from members.models import Organisation
from outcomes.models import OutcomeReport, ReviewRule
from outcomes.screening import personal_data_problems


class OutcomeReportForm(forms.ModelForm[OutcomeReport]):
    red_flag = forms.ModelChoiceField(queryset=RedFlag.objects.none(), label=_("Red flag"), required=False)
    indicator_set = forms.ModelChoiceField(
        queryset=IndicatorSet.objects.none(),
        label=_("or an indicator set"),
        required=False,
        help_text=_("Choose one red flag or one indicator set."),
    )

    class Meta:
        model = OutcomeReport
        fields = [
            "red_flag",
            "indicator_set",
            "period_start",
            "period_end",
            "alerts_reviewed",
            "escalated",
            "reports_filed",
            "referrals_to_law_enforcement",
            "investigations_opened",
            "prosecutions",
            "victims_identified",
            "false_positives",
            "note",
        ]
        widgets = {
            "period_start": forms.DateInput(attrs={"type": "date"}),
            "period_end": forms.DateInput(attrs={"type": "date"}),
            "note": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, red_flags: Any, indicator_sets: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["red_flag"].queryset = red_flags  # type: ignore[attr-defined]
        self.fields["indicator_set"].queryset = indicator_sets  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("red_flag")) == bool(data.get("indicator_set")):
            raise forms.ValidationError(_("Choose one red flag or one indicator set."))
        return data

    def clean_note(self) -> str:
        note: str = self.cleaned_data.get("note", "")
        if problems := personal_data_problems(note):
            raise forms.ValidationError(problems)
        return note

    def _post_clean(self) -> None:
        # The service validates the report as a whole (visibility, period, uniqueness); skip the model's own.
        pass


class ReviewDecisionForm(forms.Form):
    red_flag = forms.IntegerField(widget=forms.HiddenInput)
    rule = forms.ChoiceField(choices=ReviewRule.choices, widget=forms.HiddenInput)
    proposed_confidence = forms.CharField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(choices=[("accept", _("Accept")), ("dismiss", _("Dismiss"))])
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)


class ReferralFeedbackForm(forms.Form):
    referring_organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        label=_("Organisation that referred the case"),
        help_text=_("No case detail: its members are told only that a referral citing this red flag was useful."),
    )

    def __init__(self, *args: Any, exclude_organisation_id: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organisations = Organisation.objects.order_by("name")
        if exclude_organisation_id is not None:
            organisations = organisations.exclude(pk=exclude_organisation_id)
        self.fields["referring_organisation"].queryset = organisations  # type: ignore[attr-defined]
