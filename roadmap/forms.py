from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from roadmap.models import Horizon, PrioritisationModel, Roadmap, RoadmapItem, RoadmapRevision
from roadmap.services import validate_horizon_change
from roadmap.validation import validate_item_placement


class RoadmapItemForm(forms.ModelForm[RoadmapItem]):
    """The admin's item form: the same placement rules as the services and the timeline."""

    class Meta:
        model = RoadmapItem
        fields = ["roadmap", "opportunity", "start_month", "end_month", "owner", "status", "dependencies"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        roadmap = cleaned.get("roadmap") or getattr(self.instance, "roadmap", None)
        start, end = cleaned.get("start_month"), cleaned.get("end_month")
        if roadmap is not None and start is not None and end is not None:
            validate_item_placement(
                roadmap=roadmap,
                start_month=start,
                end_month=end,
                dependencies=self._dependencies(cleaned),
                item=self.instance if self.instance.pk else None,
            )
        return cleaned

    def _dependencies(self, cleaned: dict[str, Any]) -> list[RoadmapItem]:
        """The dependencies chosen, or where the form does not show them (the roadmap page's table of items)
        the item's own, so that moving an item there still respects them."""
        if "dependencies" in self.fields:
            return list(cleaned.get("dependencies") or [])
        return list(self.instance.dependencies.all()) if self.instance.pk else []


class HorizonForm(forms.ModelForm[Horizon]):
    """Only the end month moves; the next horizon's start follows it, so horizons stay contiguous."""

    class Meta:
        model = Horizon
        fields = ["name", "theme", "capacity_weeks", "end_month"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        end = cleaned.get("end_month")
        if end is not None and self.instance.pk and end != self.instance.end_month:
            validate_horizon_change(horizon=self.instance, end_month=end)
        return cleaned


class MoveItemForm(forms.Form):
    start_month = forms.IntegerField(min_value=1, label=gettext_lazy("Start month"))
    end_month = forms.IntegerField(min_value=1, label=gettext_lazy("End month"))


class PublishForm(forms.Form):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, help_text=gettext_lazy("What changed, and why.")
    )


class PlanForm(forms.Form):
    model = forms.ModelChoiceField(
        queryset=PrioritisationModel.objects.all(), label=gettext_lazy("Prioritisation model")
    )


class CompareForm(forms.Form):
    first = forms.ModelChoiceField(queryset=PrioritisationModel.objects.all(), label=gettext_lazy("First model"))
    second = forms.ModelChoiceField(queryset=PrioritisationModel.objects.all(), label=gettext_lazy("Second model"))


class RevisionDiffForm(forms.Form):
    old = forms.ModelChoiceField(queryset=RoadmapRevision.objects.none(), label=gettext_lazy("From revision"))
    new = forms.ModelChoiceField(queryset=RoadmapRevision.objects.none(), label=gettext_lazy("To revision"))

    def __init__(self, *args: Any, roadmap: Roadmap, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        revisions = RoadmapRevision.objects.filter(roadmap=roadmap).order_by("-number")
        self.fields["old"].queryset = revisions  # type: ignore[attr-defined]
        self.fields["new"].queryset = revisions  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("old") and cleaned.get("old") == cleaned.get("new"):
            raise ValidationError(_("Choose two different revisions."))
        return cleaned
