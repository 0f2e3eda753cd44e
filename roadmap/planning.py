"""Prioritisation into a plan: staff's ratings, and the placement proposed from a model's ranking (reads only)
that staff accept into the roadmap under the usual placement rules."""

import json
import math
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from members.history import attribute_change
from members.models import User
from roadmap.models import (
    Criterion,
    ItemStatus,
    Opportunity,
    OpportunityStatus,
    PrioritisationModel,
    Rating,
    Roadmap,
    RoadmapItem,
)
from roadmap.ranking import rank_opportunities
from roadmap.services import lock_roadmap, origin_of, place_item

# Planning assumes a delivery team of two: about eight person-weeks of work per calendar month.
PERSON_WEEKS_PER_MONTH = 8


@transaction.atomic
def rating_set(*, opportunity: Opportunity, criterion: Criterion, value: Decimal, by: User | None) -> Rating:
    rating = Rating.objects.filter(opportunity=opportunity, criterion=criterion).first() or Rating(
        opportunity=opportunity, criterion=criterion
    )
    rating.value = value
    rating.rated_by = by
    rating.full_clean()
    attribute_change(rating, by=by, origin=origin_of(by))
    rating.save()
    return rating


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
        SkippedOpportunity(
            row.pk, row.title, _("Unrated: %(missing)s criterion value(s) missing.") % {"missing": row.missing}
        )
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
                reason = _("Depends on %(unplaced)s, which is not on the roadmap.") % {
                    "unplaced": ", ".join(f"“{t}”" for t in unplaced)
                }
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
                reason = _("No horizon has %(weeks)s person-weeks left from month %(earliest)s.") % {
                    "weeks": format(row.effort_weeks, "g"),
                    "earliest": earliest,
                }
                skipped.append(SkippedOpportunity(row.pk, row.title, reason))
    skipped += [SkippedOpportunity(row.pk, row.title, _("Its dependencies form a cycle.")) for row in pending]
    return Proposal(roadmap_id=roadmap.pk, model_id=model.pk, items=tuple(placed), skipped=tuple(skipped))


@transaction.atomic
def plan_accept(*, roadmap: Roadmap, proposal: Proposal, by: User | None) -> list[RoadmapItem]:
    """Places every proposed item under the usual rules; if the roadmap changed meanwhile, nothing is placed."""
    if proposal.roadmap_id != roadmap.pk:
        raise ValidationError(_("This proposal was made for another roadmap."))
    locked = lock_roadmap(roadmap)
    opportunities = Opportunity.objects.in_bulk([item.opportunity_id for item in proposal.items])
    items_by_opportunity = {item.opportunity_id: item for item in locked.items.all()}
    created = []
    for proposed in proposal.items:
        opportunity = opportunities.get(proposed.opportunity_id)
        if opportunity is None:
            raise ValidationError(_("“%(proposed)s” no longer exists; plan again.") % {"proposed": proposed.title})
        try:
            item = place_item(
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
                _("The roadmap changed since this proposal (“%(proposed)s”); plan again.")
                % {"proposed": proposed.title}
            ) from error
        items_by_opportunity[opportunity.pk] = item
        created.append(item)
    return created
