"""Read side of the roadmap: the staff timeline and the published roadmap members see."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, cast

from django.db.models import Field, Max, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from core.permissions import DASHBOARD_PERMISSION, ROADMAP_VIEW_PERMISSION
from roadmap.models import Horizon, ItemStatus, Roadmap, RoadmapItem, RoadmapRevision


def month_date(first_month: date, month: int) -> date:
    """The first day of the roadmap's `month` (1-based)."""
    index = first_month.year * 12 + first_month.month - 1 + month - 1
    return date(index // 12, index % 12 + 1, 1)


def month_labels(first_month: date, months: int) -> list[tuple[int, date]]:
    return [(month, month_date(first_month, month)) for month in range(1, months + 1)]


@dataclass(frozen=True)
class TimelineHorizon:
    horizon: Horizon
    items: list[RoadmapItem]
    load_weeks: Decimal

    @property
    def over_capacity(self) -> bool:
        return self.load_weeks > self.horizon.capacity_weeks


@dataclass(frozen=True)
class Timeline:
    roadmap: Roadmap
    months: list[tuple[int, date]]
    horizons: list[TimelineHorizon]


def roadmap_timeline(*, roadmap: Roadmap) -> Timeline:
    """Items grouped by horizon with each horizon's planned effort: three queries whatever the size."""
    horizons = list(roadmap.horizons.order_by("start_month"))
    items = list(
        roadmap.items.select_related("opportunity", "owner").prefetch_related(
            Prefetch("dependencies", queryset=RoadmapItem.objects.select_related("opportunity").order_by("pk"))
        )
    )
    groups = []
    for horizon in horizons:
        own = [item for item in items if item.horizon_id == horizon.pk]
        load = sum(
            (item.opportunity.effort_weeks for item in own if item.status != ItemStatus.DROPPED), start=Decimal(0)
        )
        groups.append(TimelineHorizon(horizon=horizon, items=own, load_weeks=load))
    return Timeline(roadmap=roadmap, months=month_labels(roadmap.first_month, roadmap.months), horizons=groups)


def latest_published_revision() -> RoadmapRevision | None:
    """The most recently published revision of any roadmap: what members see."""
    return RoadmapRevision.objects.select_related("roadmap").order_by("-published_at", "-pk").first()


@dataclass(frozen=True)
class PublishedHorizon:
    name: str
    theme: str
    start: date
    end: date
    items: list[dict[str, Any]]


def published_view(revision: RoadmapRevision) -> list[PublishedHorizon]:
    """The revision's snapshot shaped for the member page: horizons with their items and month names."""
    snapshot = revision.snapshot
    first = date.fromisoformat(snapshot["first_month"])
    labels = dict(ItemStatus.choices)
    horizons = []
    for horizon in snapshot["horizons"]:
        items = [
            {
                **item,
                "status_label": labels.get(item["status"], item["status"]),
                "starts": month_date(first, item["start_month"]),
                "ends": month_date(first, item["end_month"]),
            }
            for item in snapshot["items"]
            if item["horizon"] == horizon["name"]
        ]
        horizons.append(
            PublishedHorizon(
                name=horizon["name"],
                theme=horizon["theme"],
                start=month_date(first, horizon["start_month"]),
                end=month_date(first, horizon["end_month"]),
                items=items,
            )
        )
    return horizons


# Leadership and staff read the strategy studio; members see only what was published.
STUDIO_READERS = (DASHBOARD_PERMISSION, ROADMAP_VIEW_PERMISSION)


def reads_studio(user: Any) -> bool:
    return any(user.has_perm(name) for name in STUDIO_READERS)


# The roadmap's own fields that a revision's snapshot keeps: what members read instead of the live values.
PUBLISHED_FIELDS = ("title", "first_month", "months")


def roadmaps_visible_to(*, user: Any) -> QuerySet[Roadmap]:
    """Drafts (never published) only for leadership and staff. Members read each roadmap as last published:
    `published_title`, `published_first_month` and `published_months` come from the latest revision, so that
    edits made since (in the admin or the API) stay hidden until the next publication, as on the page."""
    roadmaps = Roadmap.objects.annotate(latest_revision=Max("revisions__number"))
    if reads_studio(user):
        return roadmaps
    latest = RoadmapRevision.objects.filter(roadmap=OuterRef("pk")).order_by("-number")
    return roadmaps.filter(published_at__isnull=False).annotate(
        **{f"published_{name}": Subquery(latest.values(value=_published(name))[:1]) for name in PUBLISHED_FIELDS}
    )


def _published(name: str) -> Cast:
    """The snapshot's value of the roadmap field `name`, typed as that field: SQLite extracts a JSON number as a
    bare number, which a JSON-typed value cannot decode, so the value is read as text and cast."""
    return Cast(KT(f"snapshot__{name}"), output_field=cast(Field[Any, Any], Roadmap._meta.get_field(name)))
