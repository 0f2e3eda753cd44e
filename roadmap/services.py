"""Writes of the strategy studio: ratings, roadmaps and horizons, placing items, planning and publishing."""

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone

from members.history import attribute_change
from members.models import Source, User
from roadmap.models import (
    DEFAULT_ROADMAP_MONTHS,
    Criterion,
    Horizon,
    ItemStatus,
    Opportunity,
    OpportunityStatus,
    PrioritisationModel,
    Rating,
    Roadmap,
    RoadmapItem,
    RoadmapRevision,
)
from roadmap.ranking import rank_opportunities
from roadmap.validation import horizon_for_month, validate_horizon_spans, validate_item_placement

DEFAULT_HORIZONS = (
    ("Now", "Foundations: what members need first"),
    ("Next", "Scale what works across sectors"),
    ("Later", "Bets for the network's future"),
)
DEFAULT_CAPACITY_WEEKS = Decimal(60)
# Planning assumes a delivery team of two: about eight person-weeks of work per calendar month.
PERSON_WEEKS_PER_MONTH = 8


def _origin(by: User | None) -> Source:
    """Staff plan the roadmap; a call without a person is the system's (a task, an import, the demo)."""
    return Source.ADMIN if by is not None else Source.SYSTEM


@transaction.atomic
def rating_set(*, opportunity: Opportunity, criterion: Criterion, value: Decimal, by: User | None) -> Rating:
    rating = Rating.objects.filter(opportunity=opportunity, criterion=criterion).first() or Rating(
        opportunity=opportunity, criterion=criterion
    )
    rating.value = value
    rating.rated_by = by
    rating.full_clean()
    attribute_change(rating, by=by, origin=_origin(by))
    rating.save()
    return rating


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
        raise ValidationError({"first_month": "A roadmap starts on the first day of a month."})
    roadmap = Roadmap(title=title, first_month=first_month, months=months, created_by=by)
    roadmap.full_clean()
    attribute_change(roadmap, by=by, origin=_origin(by))
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
        attribute_change(horizon, by=by, origin=_origin(by))
        horizon.save()
        horizons.append(horizon)
        start = end + 1
    return horizons


def _lock(roadmap: Roadmap) -> Roadmap:
    """Serialises every change to one roadmap's horizons and items."""
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
    roadmap = _lock(horizon.roadmap)
    locked = Horizon.objects.select_for_update().get(pk=horizon.pk)
    locked.roadmap = roadmap
    if name is not None:
        locked.name = name
    if theme is not None:
        locked.theme = theme
    if capacity_weeks is not None:
        if capacity_weeks < 0:
            raise ValidationError({"capacity_weeks": "Capacity cannot be negative."})
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


def _place(
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
        raise ValidationError(f"“{opportunity}” is already on this roadmap.")
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
    attribute_change(item, by=by, origin=_origin(by))
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
    return _place(
        roadmap=_lock(roadmap),
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
    roadmap = _lock(item.roadmap)
    locked = RoadmapItem.objects.select_for_update().select_related("opportunity").get(pk=item.pk)
    dependencies = list(locked.dependencies.select_related("opportunity"))
    validate_item_placement(
        roadmap=roadmap, start_month=start_month, end_month=end_month, dependencies=dependencies, item=locked
    )
    locked.start_month, locked.end_month = start_month, end_month
    locked.horizon = horizon_for_month(roadmap.horizons.all(), start_month)
    locked.save()
    return locked


def horizon_load(roadmap: Roadmap) -> dict[int, Decimal]:
    """Planned effort (person-weeks) per horizon; dropped items free their capacity."""
    rows = (
        RoadmapItem.objects.filter(roadmap=roadmap)
        .exclude(status=ItemStatus.DROPPED)
        .values("horizon_id")
        .annotate(effort=Sum("opportunity__effort_weeks"))
    )
    return {row["horizon_id"]: row["effort"] or Decimal(0) for row in rows}


@dataclass(frozen=True)
class ProposedItem:
    opportunity_id: int
    title: str
    rank: int
    score: float
    effort_weeks: str
    start_month: int
    end_month: int
    horizon_id: int
    horizon_name: str
    depends_on: tuple[int, ...]


@dataclass(frozen=True)
class SkippedOpportunity:
    opportunity_id: int
    title: str
    reason: str


@dataclass(frozen=True)
class Proposal:
    """A placement proposed by `plan_from_priorities`; nothing is saved until `plan_accept`."""

    roadmap_id: int
    model_id: int
    items: tuple[ProposedItem, ...]
    skipped: tuple[SkippedOpportunity, ...]

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> "Proposal":
        data: dict[str, Any] = json.loads(text)
        return cls(
            roadmap_id=data["roadmap_id"],
            model_id=data["model_id"],
            items=tuple(ProposedItem(**{**i, "depends_on": tuple(i["depends_on"])}) for i in data["items"]),
            skipped=tuple(SkippedOpportunity(**s) for s in data["skipped"]),
        )


def plan_from_priorities(*, roadmap: Roadmap, model: PrioritisationModel) -> Proposal:
    """Proposes where the shortlisted opportunities go: by rank, each into the earliest horizon with enough
    capacity left that starts after what it depends on ends. Reads only; nothing is saved."""
    ranking = rank_opportunities(model=model, statuses=[OpportunityStatus.SHORTLISTED])
    horizons = list(roadmap.horizons.order_by("start_month"))
    used = {h.pk: Decimal(0) for h in horizons} | horizon_load(roadmap)
    ends = dict(RoadmapItem.objects.filter(roadmap=roadmap).values_list("opportunity_id", "end_month"))
    candidates = [row for row in ranking.rows if row.pk not in ends]
    depends_on: dict[int, list[int]] = {}
    for source, target in Opportunity.depends_on.through.objects.filter(
        from_opportunity_id__in=[row.pk for row in candidates]
    ).values_list("from_opportunity_id", "to_opportunity_id"):
        depends_on.setdefault(source, []).append(target)
    titles = dict(
        Opportunity.objects.filter(pk__in={t for targets in depends_on.values() for t in targets}).values_list(
            "pk", "title"
        )
    )
    placed: list[ProposedItem] = []
    skipped = [
        SkippedOpportunity(row.pk, row.title, f"Unrated: {row.missing} criterion value(s) missing.")
        for row in candidates
        if not row.is_rated
    ]
    pending = [row for row in candidates if row.is_rated]
    pending_ids = {row.pk for row in pending}
    progress = True
    while pending and progress:
        progress = False
        for row in list(pending):
            dependencies = depends_on.get(row.pk, [])
            if any(pk in pending_ids for pk in dependencies):
                continue  # a dependency is still to be placed; come back to it in the next pass
            pending.remove(row)
            pending_ids.discard(row.pk)
            progress = True
            unplaced = [titles[pk] for pk in dependencies if pk not in ends]
            if unplaced:
                reason = f"Depends on {', '.join(f'“{t}”' for t in unplaced)}, which is not on the roadmap."
                skipped.append(SkippedOpportunity(row.pk, row.title, reason))
                continue
            earliest = max([1, *(ends[pk] + 1 for pk in dependencies)])
            duration = max(1, math.ceil(row.effort_weeks / PERSON_WEEKS_PER_MONTH))
            for horizon in horizons:
                if horizon.end_month < earliest or horizon.capacity_weeks - used[horizon.pk] < row.effort_weeks:
                    continue
                start = max(horizon.start_month, earliest)
                end = min(start + duration - 1, roadmap.months)
                used[horizon.pk] += row.effort_weeks
                ends[row.pk] = end
                placed.append(
                    ProposedItem(
                        opportunity_id=row.pk,
                        title=row.title,
                        rank=row.rank or 0,
                        score=round(row.score or 0.0, 2),
                        effort_weeks=str(row.effort_weeks),
                        start_month=start,
                        end_month=end,
                        horizon_id=horizon.pk,
                        horizon_name=horizon.name,
                        depends_on=tuple(dependencies),
                    )
                )
                break
            else:
                reason = f"No horizon has {row.effort_weeks:g} person-weeks left from month {earliest}."
                skipped.append(SkippedOpportunity(row.pk, row.title, reason))
    skipped += [SkippedOpportunity(row.pk, row.title, "Its dependencies form a cycle.") for row in pending]
    return Proposal(roadmap_id=roadmap.pk, model_id=model.pk, items=tuple(placed), skipped=tuple(skipped))


@transaction.atomic
def plan_accept(*, roadmap: Roadmap, proposal: Proposal, by: User | None) -> list[RoadmapItem]:
    """Places every proposed item under the usual rules; if the roadmap changed meanwhile, nothing is placed."""
    if proposal.roadmap_id != roadmap.pk:
        raise ValidationError("This proposal was made for another roadmap.")
    locked = _lock(roadmap)
    opportunities = Opportunity.objects.in_bulk([item.opportunity_id for item in proposal.items])
    items_by_opportunity = {item.opportunity_id: item for item in locked.items.all()}
    created = []
    for proposed in proposal.items:
        opportunity = opportunities.get(proposed.opportunity_id)
        if opportunity is None:
            raise ValidationError(f"“{proposed.title}” no longer exists; plan again.")
        try:
            item = _place(
                roadmap=locked,
                opportunity=opportunity,
                start_month=proposed.start_month,
                end_month=proposed.end_month,
                owner=opportunity.owner,
                status=ItemStatus.PLANNED,
                dependencies=[items_by_opportunity[pk] for pk in proposed.depends_on],
                by=by,
            )
        except (ValidationError, KeyError) as error:
            raise ValidationError(
                f"The roadmap changed since this proposal (“{proposed.title}”); plan again."
            ) from error
        items_by_opportunity[opportunity.pk] = item
        created.append(item)
    return created


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
    locked = _lock(roadmap)
    if not locked.items.exists():
        raise ValidationError("Place at least one item before publishing the roadmap.")
    number = (locked.revisions.aggregate(last=Max("number"))["last"] or 0) + 1
    now = timezone.now()
    revision = RoadmapRevision.objects.create(
        roadmap=locked, number=number, snapshot=roadmap_snapshot(locked), published_by=by, published_at=now, note=note
    )
    locked.published_at = now
    attribute_change(locked, by=by, origin=_origin(by))
    locked.save(update_fields=["published_at"])
    return revision


@dataclass(frozen=True)
class ItemMove:
    title: str
    from_months: tuple[int, int]
    to_months: tuple[int, int]


@dataclass(frozen=True)
class StatusChange:
    title: str
    from_status: str
    to_status: str


@dataclass(frozen=True)
class RevisionDiff:
    added: list[str]
    removed: list[str]
    moved: list[ItemMove]
    status_changes: list[StatusChange]

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.moved or self.status_changes)


def revision_diff(*, old: RoadmapRevision, new: RoadmapRevision) -> RevisionDiff:
    """Items added, removed, moved (from which months to which) and status changes between two revisions."""
    before = _items_of(old.snapshot["items"])
    after = _items_of(new.snapshot["items"])
    labels = dict(ItemStatus.choices)
    moved, changed = [], []
    for key in sorted(before.keys() & after.keys(), key=lambda k: after[k]["title"]):
        was, now = before[key], after[key]
        if (was["start_month"], was["end_month"]) != (now["start_month"], now["end_month"]):
            moved.append(
                ItemMove(now["title"], (was["start_month"], was["end_month"]), (now["start_month"], now["end_month"]))
            )
        if was["status"] != now["status"]:
            changed.append(
                StatusChange(
                    now["title"], labels.get(was["status"], was["status"]), labels.get(now["status"], now["status"])
                )
            )
    return RevisionDiff(
        added=sorted(after[k]["title"] for k in after.keys() - before.keys()),
        removed=sorted(before[k]["title"] for k in before.keys() - after.keys()),
        moved=moved,
        status_changes=changed,
    )


def _items_of(items: Iterable[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    return {item["opportunity_id"]: item for item in items}
