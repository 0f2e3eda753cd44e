import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django_filters.fields import ModelChoiceField

from initiatives.models import Initiative, InitiativeKind, InitiativeStatus
from personas.models import Sector
from roadmap.models import Horizon


class HorizonChoiceField(ModelChoiceField):
    """Names the roadmap too: every roadmap has its own "Now", "Next" and "Later"."""

    def label_from_instance(self, obj: Horizon) -> str:
        return gettext("%(obj)s, months %(start_month)s–%(end_month)s (%(roadmap)s)") % {
            "obj": obj.name,
            "start_month": obj.start_month,
            "end_month": obj.end_month,
            "roadmap": obj.roadmap.title,
        }


class HorizonFilter(django_filters.ModelChoiceFilter):
    field_class = HorizonChoiceField


MEMBER_STATUSES = [(value, label) for value, label in InitiativeStatus.choices if value != InitiativeStatus.DRAFT]


class InitiativeFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=gettext_lazy("Search"), method="search")
    kind = django_filters.ChoiceFilter(
        label=gettext_lazy("Kind"),
        choices=InitiativeKind.choices,
        empty_label=gettext_lazy("Any kind"),
    )
    sector = django_filters.ChoiceFilter(
        label=gettext_lazy("Open to sector"),
        choices=Sector.choices,
        empty_label=gettext_lazy("Any sector"),
        method="open_to_sector",
    )
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("Status"), choices=MEMBER_STATUSES, empty_label=gettext_lazy("Any status")
    )
    horizon = HorizonFilter(
        label=gettext_lazy("Horizon of its roadmap item"),
        field_name="roadmap_item__horizon",
        # Horizons of published roadmaps only: members never see a draft roadmap.
        queryset=Horizon.objects.filter(roadmap__published_at__isnull=False)
        .select_related("roadmap")
        .order_by("-roadmap__first_month", "roadmap_id", "start_month"),
        empty_label=gettext_lazy("Any horizon"),
    )
    open_now = django_filters.BooleanFilter(
        label=gettext_lazy("Taking sign-ups now"),
        method="taking_signups",
        widget=forms.CheckboxInput,
    )

    class Meta:
        model = Initiative
        fields = ["q", "kind", "sector", "status", "horizon", "open_now"]

    def search(self, queryset: QuerySet[Initiative], name: str, value: str) -> QuerySet[Initiative]:
        for word in value.split()[:8]:
            queryset = queryset.filter(
                Q(title__icontains=word) | Q(summary__icontains=word) | Q(description__icontains=word)
            )
        return queryset

    def open_to_sector(self, queryset: QuerySet[Initiative], name: str, value: str) -> QuerySet[Initiative]:
        return queryset.eligible_for_sector(value)  # type: ignore[attr-defined]

    def taking_signups(self, queryset: QuerySet[Initiative], name: str, value: bool | None) -> QuerySet[Initiative]:
        if not value:
            return queryset
        return queryset.signup_open_at(timezone.now())  # type: ignore[attr-defined]
