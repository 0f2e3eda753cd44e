"""Writes of the roadmap: roadmaps and their horizons, placing and moving items, publishing a revision.

Ratings and the plan drawn from priorities are in `roadmap/planning.py`; comparing revisions in
`roadmap/revisions.py`."""

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from members.history import attribute_change
from members.models import Source, User
from roadmap.models import (
    DEFAULT_ROADMAP_MONTHS,
    Horizon,
    ItemStatus,
    Opportunity,
    OpportunityStatus,
    Roadmap,
    RoadmapItem,
    RoadmapRevision,
)
from roadmap.signals import revision_published
from roadmap.validation import horizon_for_month, validate_horizon_spans, validate_item_placement

DEFAULT_HORIZONS = (
    ("Now", "Foundations: what members need first"),
    ("Next", "Scale what works across sectors"),
    ("Later", "Bets for the network's future"),
)
DEFAULT_CAPACITY_WEEKS = Decimal(60)


def origin_of(by: User | None) -> Source:
    """Staff plan the roadmap; a call without a person is the system's (a task, an import, the demo)."""
    return Source.ADMIN if by is not None else Source.SYSTEM


@transaction.atomic
def roadmap_create(
    *,
    title: str,
    first_month: date,
    by: User | None,
    months: int = DEFAULT_ROADMAP_MONTHS,
    capacity_weeks: Decimal = DEFAULT_CAPACITY_WEEKS,
) -> Roadmap:
    """A roadmap with three horizons splitting its months into thirds (1–6, 7–12, 13–18 for 18 months)."""
    if first_month.day != 1:
        raise ValidationError({"first_month": _("A roadmap starts on the first day of a month.")})
    roadmap = Roadmap(title=title, first_month=first_month, months=months, created_by=by)
    roadmap.full_clean()
    attribute_change(roadmap, by=by, origin=origin_of(by))
    roadmap.save()
    create_default_horizons(roadmap=roadmap, capacity_weeks=capacity_weeks, by=by)
    return roadmap


def create_default_horizons(
    *, roadmap: Roadmap, capacity_weeks: Decimal = DEFAULT_CAPACITY_WEEKS, by: User | None
) -> list[Horizon]:
    """Three horizons splitting the roadmap's months into thirds; a remainder goes to the later ones."""
    size, extra = divmod(roadmap.months, len(DEFAULT_HORIZONS))
    horizons = []
    start = 1
    for index, (name, theme) in enumerate(DEFAULT_HORIZONS):
        end = start + size - 1 + (1 if index >= len(DEFAULT_HORIZONS) - extra else 0)
        horizon = Horizon(
            roadmap=roadmap, name=name, theme=theme, capacity_weeks=capacity_weeks, start_month=start, end_month=end
        )
        attribute_change(horizon, by=by, origin=origin_of(by))
        horizon.save()
        horizons.append(horizon)
        start = end + 1
    return horizons


def lock_roadmap(roadmap: Roadmap) -> Roadmap:
    """Serialises every change to one roadmap's horizons and items; `place_item` and `plan_accept` expect it held."""
    return Roadmap.objects.select_for_update().get(pk=roadmap.pk)


def horizon_spans_after_change(*, horizon: Horizon, end_month: int) -> list[tuple[Horizon, int, int]]:
    """Moving a horizon's end moves the next horizon's start with it, so the horizons stay contiguous."""
    horizons = list(Horizon.objects.filter(roadmap_id=horizon.roadmap_id).order_by("start_month"))
    spans = [(h, h.start_month, h.end_month) for h in horizons]
    for index, (current, start, _end) in enumerate(spans):
        if current.pk == horizon.pk:
            spans[index] = (current, start, end_month)
            if index + 1 < len(spans):
                following, _start, following_end = spans[index + 1]
                spans[index + 1] = (following, end_month + 1, following_end)
    return spans


def validate_horizon_change(*, horizon: Horizon, end_month: int) -> None:
    spans = horizon_spans_after_change(horizon=horizon, end_month=end_month)
    validate_horizon_spans(months=horizon.roadmap.months, spans=[(h.name, start, end) for h, start, end in spans])


@transaction.atomic
def horizon_update(
    *,
    horizon: Horizon,
    name: str | None = None,
    theme: str | None = None,
    capacity_weeks: Decimal | None = None,
    end_month: int | None = None,
) -> Horizon:
    """Edits a horizon; a new end month also moves the next horizon's start, and items follow their start month."""
    roadmap = lock_roadmap(horizon.roadmap)
    locked = Horizon.objects.select_for_update().get(pk=horizon.pk)
    locked.roadmap = roadmap
    if name is not None:
        locked.name = name
    if theme is not None:
        locked.theme = theme
    if capacity_weeks is not None:
        if capacity_weeks < 0:
            raise ValidationError({"capacity_weeks": _("Capacity cannot be negative.")})
        locked.capacity_weeks = capacity_weeks
    if end_month is not None and end_month != locked.end_month:
        spans = horizon_spans_after_change(horizon=locked, end_month=end_month)
        validate_horizon_spans(months=roadmap.months, spans=[(h.name, start, end) for h, start, end in spans])
        for other, start, end in spans:
            if other.pk != locked.pk and (other.start_month, other.end_month) != (start, end):
                other.start_month, other.end_month = start, end
                other.save(update_fields=["start_month", "end_month"])
        locked.end_month = end_month
    locked.save()
    _rehome_items(roadmap)
    return locked


def _rehome_items(roadmap: Roadmap) -> None:
    horizons = list(roadmap.horizons.all())
    moved = []
    for item in roadmap.items.only("pk", "start_month", "horizon_id"):
        horizon = horizon_for_month(horizons, item.start_month)
        if item.horizon_id != horizon.pk:
            item.horizon = horizon
            moved.append(item)
    RoadmapItem.objects.bulk_update(moved, ["horizon"])


def place_item(
    *,
    roadmap: Roadmap,
    opportunity: Opportunity,
    start_month: int,
    end_month: int,
    owner: User | None,
    status: str,
    dependencies: Sequence[RoadmapItem],
    by: User | None,
) -> RoadmapItem:
    if RoadmapItem.objects.filter(roadmap=roadmap, opportunity=opportunity).exists():
        raise ValidationError(_("“%(opportunity)s” is already on this roadmap.") % {"opportunity": opportunity})
    validate_item_placement(roadmap=roadmap, start_month=start_month, end_month=end_month, dependencies=dependencies)
    item = RoadmapItem(
        roadmap=roadmap,
        opportunity=opportunity,
        horizon=horizon_for_month(roadmap.horizons.all(), start_month),
        start_month=start_month,
        end_month=end_month,
        owner=owner,
        status=status,
    )
    attribute_change(item, by=by, origin=origin_of(by))
    item.save()
    item.dependencies.set(dependencies)
    if opportunity.status in (OpportunityStatus.IDEA, OpportunityStatus.SHORTLISTED):
        Opportunity.objects.filter(pk=opportunity.pk).update(status=OpportunityStatus.PLANNED)
    return item


@transaction.atomic
def roadmap_item_place(
    *,
    roadmap: Roadmap,
    opportunity: Opportunity,
    start_month: int,
    end_month: int,
    owner: User | None = None,
    status: str = ItemStatus.PLANNED,
    dependencies: Sequence[RoadmapItem] = (),
) -> RoadmapItem:
    return place_item(
        roadmap=lock_roadmap(roadmap),
        opportunity=opportunity,
        start_month=start_month,
        end_month=end_month,
        owner=owner,
        status=status,
        dependencies=dependencies,
        by=None,
    )


@transaction.atomic
def roadmap_item_move(*, item: RoadmapItem, start_month: int, end_month: int) -> RoadmapItem:
    """Moves an item to other months under the same rules as placing it; its horizon follows the start month."""
    roadmap = lock_roadmap(item.roadmap)
    locked = RoadmapItem.objects.select_for_update().select_related("opportunity").get(pk=item.pk)
    dependencies = list(locked.dependencies.select_related("opportunity"))
    validate_item_placement(
        roadmap=roadmap, start_month=start_month, end_month=end_month, dependencies=dependencies, item=locked
    )
    locked.start_month, locked.end_month = start_month, end_month
    locked.horizon = horizon_for_month(roadmap.horizons.all(), start_month)
    locked.save()
    return locked


def roadmap_item_rows(roadmap: Roadmap) -> list[dict[str, Any]]:
    """The roadmap's items as members may see them (the snapshot's items; staff read them live too)."""
    items = roadmap.items.select_related("opportunity", "horizon").prefetch_related("dependencies")
    return [
        {
            "opportunity_id": item.opportunity_id,
            "title": item.opportunity.title,
            "summary": item.opportunity.description,
            "start_month": item.start_month,
            "end_month": item.end_month,
            "status": item.status,
            "horizon": item.horizon.name,
            "depends_on": sorted(d.opportunity_id for d in item.dependencies.all()),
        }
        for item in items
    ]


def roadmap_snapshot(roadmap: Roadmap) -> dict[str, Any]:
    """What members may see of a roadmap: no ratings, scores, capacities or effort."""
    return {
        "title": roadmap.title,
        "first_month": roadmap.first_month.isoformat(),
        "months": roadmap.months,
        "horizons": [
            {"name": h.name, "theme": h.theme, "start_month": h.start_month, "end_month": h.end_month}
            for h in roadmap.horizons.order_by("start_month")
        ],
        "items": roadmap_item_rows(roadmap),
    }


@transaction.atomic
def roadmap_publish(*, roadmap: Roadmap, by: User | None, note: str = "") -> RoadmapRevision:
    locked = lock_roadmap(roadmap)
    if not locked.items.exists():
        raise ValidationError(_("Place at least one item before publishing the roadmap."))
    number = (locked.revisions.aggregate(last=Max("number"))["last"] or 0) + 1
    now = timezone.now()
    revision = RoadmapRevision.objects.create(
        roadmap=locked, number=number, snapshot=roadmap_snapshot(locked), published_by=by, published_at=now, note=note
    )
    locked.published_at = now
    attribute_change(locked, by=by, origin=origin_of(by))
    locked.save(update_fields=["published_at"])
    transaction.on_commit(lambda: revision_published.send(sender=RoadmapRevision, revision_id=revision.pk))
    return revision
