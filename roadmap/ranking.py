"""Scores and ranks every opportunity in the database, in one query per view.

Each criterion's value is an aggregate over the opportunity's ratings (or, for the criterion fed from the
jobs, over the jobs it serves), so all opportunities are scored at once. A missing value makes the whole
score NULL: an opportunity that is not fully rated is shown as unrated, never scored as zero.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Expression, F, FloatField, Max, Q, QuerySet, Value, Window
from django.db.models.functions import Cast, Greatest, NullIf, Rank
from django.utils.translation import gettext as _

from roadmap.criterion_feeds import criterion_feed
from roadmap.models import (
    Criterion,
    CriterionRole,
    CriterionSource,
    Direction,
    Formula,
    Opportunity,
    OpportunityStatus,
    PrioritisationModel,
)

WEIGHT_CHANGES = (Decimal("1.2"), Decimal("0.8"))
TOP = 10
RICE_ROLES = (CriterionRole.REACH, CriterionRole.IMPACT, CriterionRole.CONFIDENCE)
WSJF_ROLES = (CriterionRole.VALUE, CriterionRole.TIME_CRITICALITY, CriterionRole.RISK_REDUCTION)


@dataclass(frozen=True)
class RankedOpportunity:
    pk: int
    title: str
    status: str
    effort_weeks: Decimal
    score: float | None
    rank: int | None
    values: tuple[float | None, ...]

    @property
    def is_rated(self) -> bool:
        return self.score is not None

    @property
    def status_label(self) -> str:
        return str(OpportunityStatus(self.status).label)

    @property
    def missing(self) -> int:
        return sum(value is None for value in self.values)


@dataclass(frozen=True)
class Ranking:
    model: PrioritisationModel
    criteria: tuple[Criterion, ...]
    rows: tuple[RankedOpportunity, ...]


@dataclass(frozen=True)
class ComparedOpportunity:
    pk: int
    title: str
    status: str
    first_score: float | None
    first_rank: int | None
    second_score: float | None
    second_rank: int | None

    @property
    def change(self) -> int | None:
        """Places gained in the second model (positive: it ranks higher there)."""
        if self.first_rank is None or self.second_rank is None:
            return None
        return self.first_rank - self.second_rank


@dataclass(frozen=True)
class SensitivityRow:
    title: str
    rank: int
    change: int | None  # places gained against the model as it is; None: it was not in the top ten


@dataclass(frozen=True)
class SensitivityVariant:
    criterion: Criterion
    factor: Decimal
    top: tuple[SensitivityRow, ...]
    left_top: tuple[str, ...]


@dataclass(frozen=True)
class Sensitivity:
    model: PrioritisationModel
    base: tuple[SensitivityRow, ...]
    variants: tuple[SensitivityVariant, ...] = field(default_factory=tuple)


def criteria_of(model: PrioritisationModel) -> tuple[Criterion, ...]:
    return tuple(model.criteria.order_by("position", "pk"))


def _value_name(prefix: str, criterion: Criterion) -> str:
    return f"{prefix}c{criterion.pk}"


def _criterion_value(criterion: Criterion) -> Expression:
    """The opportunity's value on the criterion; NULL when missing. MAX is immune to the row fan-out of joins."""
    if criterion.source == CriterionSource.JOBS:
        importance, satisfaction = Cast("jobs__importance", FloatField()), Cast("jobs__satisfaction", FloatField())
        job_score = importance + Greatest(importance - satisfaction, Value(0.0))
        return Max(job_score, output_field=FloatField())
    if criterion.source != CriterionSource.RATED:
        # Fed by a higher app that registered how (`roadmap.criterion_feeds`); unrated (NULL) when none did.
        feed = criterion_feed(criterion.source)
        return feed(criterion) if feed is not None else Value(None, output_field=FloatField())
    return Cast(Max("ratings__value", filter=Q(ratings__criterion_id=criterion.pk)), FloatField())


def _normalised(prefix: str, criterion: Criterion) -> Any:
    low, high = float(criterion.scale_min), float(criterion.scale_max)
    return (F(_value_name(prefix, criterion)) - Value(low)) / Value(high - low)


def _weighted_part(prefix: str, group: list[tuple[Criterion, float]]) -> Any:
    total = sum(weight for _, weight in group)
    part: Any = None
    for criterion, weight in group:
        term = Value(weight / total) * _normalised(prefix, criterion)
        part = term if part is None else part + term
    return part


def _by_role(criteria: Iterable[Criterion]) -> dict[str, Criterion]:
    return {criterion.role: criterion for criterion in criteria if criterion.role}


def used_criteria(model: PrioritisationModel, criteria: Sequence[Criterion]) -> list[Criterion]:
    """The criteria the model's formula reads; only these must be rated."""
    if model.formula == Formula.WEIGHTED:
        return [criterion for criterion in criteria if criterion.weight > 0]
    roles = _by_role(criteria)
    wanted = (
        (*RICE_ROLES, CriterionRole.EFFORT) if model.formula == Formula.RICE else (*WSJF_ROLES, CriterionRole.JOB_SIZE)
    )
    return [roles[role] for role in wanted if role in roles]


def validate_model(model: PrioritisationModel, criteria: Sequence[Criterion]) -> None:
    roles = _by_role(criteria)
    if model.formula == Formula.WEIGHTED:
        if not any(criterion.weight > 0 for criterion in criteria):
            raise ValidationError(_("“%(kind)s” has no criterion with a weight above zero.") % {"kind": model})
        return
    needed = RICE_ROLES if model.formula == Formula.RICE else WSJF_ROLES
    missing = [CriterionRole(role).label for role in needed if role not in roles]
    if missing:
        raise ValidationError(
            _("“%(kind)s” uses %(formula)s but has no criterion for: %(missing)s.")
            % {
                "kind": model,
                "formula": model.get_formula_display(),
                "missing": ", ".join(str(name) for name in missing),
            }
        )


def score_expression(
    model: PrioritisationModel,
    criteria: Sequence[Criterion],
    *,
    prefix: str = "",
    weights: dict[int, float] | None = None,
) -> Any:
    """The score over the value annotations named with `prefix`; `weights` overrides criterion weights."""
    if model.formula == Formula.WEIGHTED:
        groups: dict[str, list[tuple[Criterion, float]]] = {Direction.BENEFIT: [], Direction.COST: []}
        for criterion in criteria:
            weight = (weights or {}).get(criterion.pk, float(criterion.weight))
            if weight > 0:
                groups[criterion.direction].append((criterion, weight))
        benefit = _weighted_part(prefix, groups[Direction.BENEFIT]) if groups[Direction.BENEFIT] else None
        cost = _weighted_part(prefix, groups[Direction.COST]) if groups[Direction.COST] else None
        if benefit is not None and cost is not None:
            return (benefit + (Value(1.0) - cost)) / Value(2.0) * Value(100.0)
        if benefit is not None:
            return benefit * Value(100.0)
        if cost is not None:
            return (Value(1.0) - cost) * Value(100.0)
        raise ValidationError(_("“%(kind)s” has no criterion with a weight above zero.") % {"kind": model})
    roles = _by_role(criteria)

    def term(role: str) -> Any:
        return F(_value_name(prefix, roles[role]))

    if model.formula == Formula.RICE:
        effort = term(CriterionRole.EFFORT) if CriterionRole.EFFORT in roles else Cast("effort_weeks", FloatField())
        confidence = _normalised(prefix, roles[CriterionRole.CONFIDENCE])
        return term(CriterionRole.REACH) * term(CriterionRole.IMPACT) * confidence / NullIf(effort, Value(0.0))
    size = term(CriterionRole.JOB_SIZE) if CriterionRole.JOB_SIZE in roles else Cast("effort_weeks", FloatField())
    value = term(CriterionRole.VALUE) + term(CriterionRole.TIME_CRITICALITY) + term(CriterionRole.RISK_REDUCTION)
    return value / NullIf(size, Value(0.0))


def _annotate_values(
    queryset: QuerySet[Opportunity], criteria: Sequence[Criterion], prefix: str
) -> QuerySet[Opportunity]:
    return queryset.annotate(**{_value_name(prefix, c): _criterion_value(c) for c in criteria})


def _opportunities(statuses: Iterable[str] | None) -> QuerySet[Opportunity]:
    queryset = Opportunity.objects.all()
    if statuses:
        queryset = queryset.filter(status__in=list(statuses))
    return queryset


def _rank_window(score_name: str) -> Window:
    return Window(expression=Rank(), order_by=F(score_name).desc(nulls_last=True))


def rank_opportunities(*, model: PrioritisationModel, statuses: Iterable[str] | None = None) -> Ranking:
    """Every opportunity (of the given statuses) with its values, score and rank: one query."""
    criteria = criteria_of(model)
    validate_model(model, criteria)
    used = used_criteria(model, criteria)
    queryset = _annotate_values(_opportunities(statuses), used, "")
    queryset = queryset.annotate(score=score_expression(model, used)).annotate(rank=_rank_window("score"))
    names = [_value_name("", c) for c in used]
    rows = tuple(
        RankedOpportunity(
            pk=row["pk"],
            title=row["title"],
            status=row["status"],
            effort_weeks=row["effort_weeks"],
            score=row["score"],
            rank=row["rank"] if row["score"] is not None else None,
            values=tuple(row[name] for name in names),
        )
        for row in queryset.order_by(F("score").desc(nulls_last=True), "title").values(
            "pk", "title", "status", "effort_weeks", "score", "rank", *names
        )
    )
    return Ranking(model=model, criteria=tuple(used), rows=rows)


def compare_models(
    *, first: PrioritisationModel, second: PrioritisationModel, statuses: Iterable[str] | None = None
) -> list[ComparedOpportunity]:
    """Rank of every opportunity in both models, side by side: one query."""
    first_criteria, second_criteria = criteria_of(first), criteria_of(second)
    validate_model(first, first_criteria)
    validate_model(second, second_criteria)
    first_used, second_used = used_criteria(first, first_criteria), used_criteria(second, second_criteria)
    queryset = _annotate_values(_opportunities(statuses), first_used, "a_")
    queryset = _annotate_values(queryset, second_used, "b_")
    queryset = queryset.annotate(
        first_score=score_expression(first, first_used, prefix="a_"),
        second_score=score_expression(second, second_used, prefix="b_"),
    ).annotate(first_rank=_rank_window("first_score"), second_rank=_rank_window("second_score"))
    ordered = queryset.order_by(
        F("first_score").desc(nulls_last=True), F("second_score").desc(nulls_last=True), "title"
    )
    return [
        ComparedOpportunity(
            pk=row["pk"],
            title=row["title"],
            status=row["status"],
            first_score=row["first_score"],
            first_rank=row["first_rank"] if row["first_score"] is not None else None,
            second_score=row["second_score"],
            second_rank=row["second_rank"] if row["second_score"] is not None else None,
        )
        for row in ordered.values("pk", "title", "status", "first_score", "first_rank", "second_score", "second_rank")
    ]


def _top(scores: dict[int, float | None], titles: dict[int, str], top: int) -> list[tuple[int, int]]:
    """(opportunity, competition rank) of the rated opportunities, best first, cut after `top` places."""
    rated = sorted(
        ((score, pk) for pk, score in scores.items() if score is not None), key=lambda p: (-p[0], titles[p[1]])
    )
    ranked: list[tuple[int, int]] = []
    previous: float | None = None
    rank = 0
    for position, (score, pk) in enumerate(rated, start=1):
        if score != previous:
            rank, previous = position, score
        if rank > top:
            break
        ranked.append((pk, rank))
    return ranked


def sensitivity(*, model: PrioritisationModel, statuses: Iterable[str] | None = None, top: int = TOP) -> Sensitivity:
    """How the top ten move when each weight is raised or lowered by 20%: every variant's scores in one query."""
    criteria = criteria_of(model)
    validate_model(model, criteria)
    if model.formula != Formula.WEIGHTED:
        raise ValidationError(
            _("Sensitivity to weights applies to weighted models; “%(kind)s” uses %(formula)s.")
            % {"kind": model, "formula": model.get_formula_display()}
        )
    weighted = [c for c in criteria if c.weight > 0]
    variants = [(c, factor) for c in weighted for factor in WEIGHT_CHANGES]
    queryset = _annotate_values(_opportunities(statuses), weighted, "").annotate(base=score_expression(model, weighted))
    for index, (criterion, factor) in enumerate(variants):
        weights = {criterion.pk: float(criterion.weight * factor)}
        queryset = queryset.annotate(**{f"v{index}": score_expression(model, weighted, weights=weights)})
    names = [f"v{index}" for index in range(len(variants))]
    rows = list(queryset.values("pk", "title", "base", *names))
    titles = {row["pk"]: row["title"] for row in rows}
    base = _top({row["pk"]: row["base"] for row in rows}, titles, top)
    base_rank = dict(base)
    results = []
    for index, (criterion, factor) in enumerate(variants):
        moved = _top({row["pk"]: row[f"v{index}"] for row in rows}, titles, top)
        inside = {pk for pk, _ in moved}
        results.append(
            SensitivityVariant(
                criterion=criterion,
                factor=factor,
                top=tuple(
                    SensitivityRow(
                        title=titles[pk], rank=rank, change=base_rank[pk] - rank if pk in base_rank else None
                    )
                    for pk, rank in moved
                ),
                left_top=tuple(titles[pk] for pk, _ in base if pk not in inside),
            )
        )
    return Sensitivity(
        model=model,
        base=tuple(SensitivityRow(title=titles[pk], rank=rank, change=0) for pk, rank in base),
        variants=tuple(results),
    )
