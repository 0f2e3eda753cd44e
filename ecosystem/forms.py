from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ecosystem.filters import StageChoiceField
from ecosystem.models import RedFlag, ReviewState, Stage, SuggestionKind

RATING_CHOICES = [(5, "5 — very useful"), (4, "4"), (3, "3"), (2, "2"), (1, "1 — not useful")]


class RatingForm(forms.Form):
    usefulness = forms.TypedChoiceField(
        label=gettext_lazy("How useful is this red flag to you?"), choices=RATING_CHOICES, coerce=int
    )


class RedFlagChoiceField(forms.ModelChoiceField[RedFlag]):
    def label_from_instance(self, obj: RedFlag) -> str:
        return f"#{obj.pk} {obj.indicator[:90]}"


class SuggestionForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("I suggest"), choices=SuggestionKind.choices, widget=forms.RadioSelect)
    stage = StageChoiceField(
        label=gettext_lazy("Stage where the new red flag shows"),
        queryset=Stage.objects.select_related("category").order_by("category__order", "order"),
        required=False,
        help_text=gettext_lazy("For a new red flag."),
    )
    red_flag = RedFlagChoiceField(
        label=gettext_lazy("Red flag to change"),
        queryset=RedFlag.objects.filter(review_state=ReviewState.PUBLISHED).order_by("id"),
        required=False,
        help_text=gettext_lazy("For a change to a published red flag."),
    )
    text = forms.CharField(
        label=gettext_lazy("Your suggestion"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text=gettext_lazy("The indicator as a compliance analyst would look for it, or the change and why."),
    )
    evidence = forms.CharField(
        label=gettext_lazy("Evidence you can share"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        required=False,
        help_text=gettext_lazy(
            "Typologies, public cases or sources. Never share customer data or anything under SAR "
            "confidentiality. Only you and Knoble staff can see your suggestion."
        ),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == SuggestionKind.NEW and not data.get("stage"):
            self.add_error("stage", _("Choose the stage where the new red flag shows."))
        if data.get("kind") == SuggestionKind.CHANGE and not data.get("red_flag"):
            self.add_error("red_flag", _("Choose the red flag you suggest changing."))
        return data
