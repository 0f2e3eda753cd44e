import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _

from ecosystem import filter_choices
from ecosystem.models import (
    Citation,
    IndicatorSet,
    IndicatorSetCitation,
    ObservingSector,
    RedFlag,
    Stage,
    TraffickingCategory,
    applies_in_q,
    in_stage_q,
)
from ecosystem.selectors import visible_red_flags


class StageChoiceField(forms.ModelChoiceField[Stage]):
    def label_from_instance(self, obj: Stage) -> str:
        return f"{obj.category.name}: {obj.name}"


class StageChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = StageChoiceField


class RedFlagFilter(django_filters.FilterSet):
    """The red-flag library's search and filters; also used by the CSV export and the printable page. The choices
    come from the cache (ecosystem.filter_choices): showing the form costs no query."""

    q = django_filters.CharFilter(label=gettext_lazy("Search"), method="search")
    category = django_filters.ChoiceFilter(
        choices=filter_choices.category_choices,
        field_name="category__slug",
        label=gettext_lazy("Category"),
        empty_label=gettext_lazy("All categories"),
    )
    stage = django_filters.ChoiceFilter(
        choices=filter_choices.stage_choices,
        method="in_stage",
        label=gettext_lazy("Stage"),
        empty_label=gettext_lazy("All stages"),
    )
    sector = django_filters.ChoiceFilter(
        label=gettext_lazy("Observed by"),
        choices=ObservingSector.choices,
        field_name="observers__sector",
        empty_label=gettext_lazy("Anyone"),
    )
    jurisdiction = django_filters.ChoiceFilter(
        label=gettext_lazy("Applies in"),
        choices=filter_choices.jurisdiction_choices,
        method="applies_in",
        empty_label=gettext_lazy("Anywhere"),
    )
    persona = django_filters.ChoiceFilter(
        choices=filter_choices.persona_choices,
        field_name="personas",
        label=gettext_lazy("Persona"),
        empty_label=gettext_lazy("All personas"),
    )

    class Meta:
        model = RedFlag
        fields = ["q", "category", "stage", "sector", "jurisdiction", "persona"]

    def search(self, queryset: QuerySet[RedFlag], name: str, value: str) -> QuerySet[RedFlag]:
        terms = value.split()
        for term in terms:
            # Through a subquery, so that a flag citing several matching passages is listed once.
            cited = Citation.objects.filter(red_flag=OuterRef("pk")).filter(
                Q(quote__icontains=term) | Q(source__title__icontains=term) | Q(source__document_number__icontains=term)
            )
            queryset = queryset.filter(Q(indicator__icontains=term) | Q(detail__icontains=term) | Exists(cited))
        return queryset

    def applies_in(self, queryset: QuerySet[RedFlag], name: str, value: str) -> QuerySet[RedFlag]:
        """A country's flags and the global ones: a global flag applies everywhere."""
        return queryset.filter(applies_in_q(value))

    def in_stage(self, queryset: QuerySet[RedFlag], name: str, value: str) -> QuerySet[RedFlag]:
        return queryset.filter(in_stage_q(int(value)))


class IndicatorSetFilter(django_filters.FilterSet):
    """The indicator sets' search and filters, like the library's: a set matches a stage or a jurisdiction
    through its red flags."""

    q = django_filters.CharFilter(label=_("Search"), method="search")
    category = django_filters.ModelChoiceFilter(
        queryset=TraffickingCategory.objects.filter(stages__isnull=False).distinct(),
        to_field_name="slug",
        empty_label=_("All categories"),
    )
    stage = StageChoiceFilter(
        queryset=Stage.objects.select_related("category").order_by("category__order", "order"),
        method="in_stage",
        empty_label=_("All stages"),
    )
    jurisdiction = django_filters.ChoiceFilter(
        label=_("Applies in"),
        choices=filter_choices.jurisdiction_choices,
        method="applies_in",
        empty_label=_("Anywhere"),
    )

    class Meta:
        model = IndicatorSet
        fields = ["q", "category", "stage", "jurisdiction"]

    def search(self, queryset: QuerySet[IndicatorSet], name: str, value: str) -> QuerySet[IndicatorSet]:
        for term in value.split():
            cited = IndicatorSetCitation.objects.filter(indicator_set=OuterRef("pk"), quote__icontains=term)
            queryset = queryset.filter(Q(name__icontains=term) | Q(rationale__icontains=term) | Exists(cited))
        return queryset

    def _with_flags(self, queryset: QuerySet[IndicatorSet], condition: Q) -> QuerySet[IndicatorSet]:
        # Through the red flags the viewer may see: a flag out of sight never makes a set match.
        user = getattr(self.request, "user", None)
        visible = visible_red_flags(user=user) if user is not None else RedFlag.objects.none()
        flags = visible.filter(condition, indicator_sets=OuterRef("pk"))
        return queryset.filter(Exists(flags))

    def in_stage(self, queryset: QuerySet[IndicatorSet], name: str, value: Stage) -> QuerySet[IndicatorSet]:
        return self._with_flags(queryset, in_stage_q(value.pk))

    def applies_in(self, queryset: QuerySet[IndicatorSet], name: str, value: str) -> QuerySet[IndicatorSet]:
        return self._with_flags(queryset, applies_in_q(value))
