"""Reads of the ecosystem map: what a viewer may see (published red flags under their label, suggestions under
theirs), every channel going through `sharing.selectors.scope`."""

from collections import Counter
from collections.abc import Iterable
from typing import Any

from django.db.models import Avg, Count, Exists, F, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from core.aggregates import joined_subquery, set_prefetched
from ecosystem.models import (
    Actor,
    ActorKind,
    Citation,
    FinancialFlow,
    IndicatorSet,
    IndicatorSetCitation,
    IndicatorSetQuerySet,
    RedFlag,
    RedFlagObserver,
    RedFlagQuerySet,
    RedFlagRating,
    Stage,
    Suggestion,
    TraffickingCategory,
    in_stage_q,
)
from members.models import Member, User
from sharing.selectors import Labelled, scope

# How the sharing app reads each labelled model: staff author red flags, so only the label and the named
# recipients decide; a suggestion belongs to its author and the author's organisation.
RED_FLAG_SHARING = Labelled()
INDICATOR_SET_SHARING = Labelled()
SUGGESTION_SHARING = Labelled(author="member__user", owner_organisation="member__organisation")


def visible_red_flags(*, user: User) -> RedFlagQuerySet:
    """The published red flags `user` may see under their labels: the base of every red-flag channel."""
    return scope(RedFlag.objects.published(), user=user, spec=RED_FLAG_SHARING)


def categories_for_catalogue(*, user: User) -> QuerySet[TraffickingCategory]:
    """Categories with their map's state and owner, and its coverage: stages, flows, red flags `user` may see
    and how many of those a second reviewer verified (one query)."""
    visible = visible_red_flags(user=user).filter(category=OuterRef("pk")).order_by().values("category")
    verified = visible.filter(verified_by__isnull=False)
    flows = FinancialFlow.objects.filter(category=OuterRef("pk")).order_by().values("category")
    return TraffickingCategory.objects.select_related("mapping__owner").annotate(
        stage_count=Count("stages", distinct=True),
        flow_count=Coalesce(Subquery(flows.annotate(n=Count("id")).values("n"), output_field=IntegerField()), 0),
        red_flag_count=Coalesce(Subquery(visible.annotate(n=Count("id")).values("n"), output_field=IntegerField()), 0),
        verified_count=Coalesce(Subquery(verified.annotate(n=Count("id")).values("n"), output_field=IntegerField()), 0),
    )


def published_red_flags(*, user: User) -> RedFlagQuerySet:
    """The red flags `user` may see, with everything a list shows, in map order: category, stage, then age."""
    ratings = RedFlagRating.objects.filter(red_flag=OuterRef("pk")).values("red_flag")
    return (
        visible_red_flags(user=user)
        .select_related("category", "stage", "actor__stage", "flow__from_actor", "flow__to_actor", "flow__stage")
        .prefetch_related("observers", "personas", Prefetch("citations", Citation.objects.select_related("source")))
        .annotate(
            stage_order=Coalesce("stage__order", "actor__stage__order", "flow__stage__order"),
            average_usefulness=Subquery(ratings.annotate(value=Avg("usefulness")).values("value")),
            rating_count=Coalesce(
                Subquery(ratings.annotate(value=Count("id")).values("value"), output_field=IntegerField()), 0
            ),
        )
        .order_by("category__order", "stage_order", "id")
    )


def for_the_library(red_flags: RedFlagQuerySet, *, member: Member | None) -> RedFlagQuerySet:
    """`published_red_flags` (filtered) as the library's page lists them: the observing sectors joined and the
    member's own rating in the page's query (`with_observers` then sets the sectors on the page's rows)."""
    mine = RedFlagRating.objects.filter(red_flag=OuterRef("pk"), member=member).values("usefulness")[:1]
    return (
        red_flags.prefetch_related(None)
        .prefetch_related("personas", Prefetch("citations", Citation.objects.select_related("source")))
        .annotate(
            observer_sectors=joined_subquery(
                RedFlagObserver.objects.filter(red_flag=OuterRef("pk")), F("sector"), _SECTOR_SEPARATOR
            ),
            my_rating=Subquery(mine, output_field=IntegerField())
            if member is not None
            else Value(None, output_field=IntegerField()),
        )
    )


# No sector code holds a comma.
_SECTOR_SEPARATOR = ","


def with_observers(red_flags: Iterable[RedFlag]) -> None:
    """`red_flag.observers.all()` from the sectors `for_the_library` joined: no query."""
    for red_flag in red_flags:
        codes = red_flag.observer_sectors or ""  # type: ignore[attr-defined]
        rows = [RedFlagObserver(red_flag=red_flag, sector=code) for code in sorted(codes.split(",")) if code]
        set_prefetched(red_flag, "observers", rows)


def ratings_by_member(*, member: Member | None, red_flags: Iterable[RedFlag]) -> dict[int, int]:
    """The member's own usefulness rating of each of these red flags, by red flag id."""
    ids = [red_flag.pk for red_flag in red_flags]
    if member is None or not ids:
        return {}
    return dict(
        RedFlagRating.objects.filter(member=member, red_flag_id__in=ids).values_list("red_flag_id", "usefulness")
    )


def category_parts(*, category: TraffickingCategory) -> tuple[list[Stage], list[Actor], list[FinancialFlow]]:
    """The stages, actors and flows of a category's map, in map order (three queries)."""
    stages = list(category.stages.order_by("order"))
    actors = list(category.actors.order_by("stage__order", "name"))
    flows = list(category.flows.select_related("from_actor", "to_actor", "stage").order_by("stage__order", "label"))
    return stages, actors, flows


def red_flag_counts(*, category: TraffickingCategory, user: User) -> dict[str, Counter[int]]:
    """How many red flags `user` may see each stage (including its actors and flows), actor and flow has."""
    counts: dict[str, Counter[int]] = {"stage": Counter(), "actor": Counter(), "flow": Counter()}
    rows = visible_red_flags(user=user).filter(category=category)
    for stage_id, actor_id, flow_id, actor_stage, flow_stage, flow_from, flow_to in rows.values_list(
        "stage_id",
        "actor_id",
        "flow_id",
        "actor__stage_id",
        "flow__stage_id",
        "flow__from_actor_id",
        "flow__to_actor_id",
    ):
        counts["stage"][stage_id or actor_stage or flow_stage] += 1
        if actor_id:
            counts["actor"][actor_id] += 1
        if flow_id:
            counts["flow"][flow_id] += 1
            counts["actor"][flow_from] += 1
            counts["actor"][flow_to] += 1
    return counts


def suggestions_visible_to(*, user: User) -> QuerySet[Suggestion]:
    """The suggestions `user` may see under their labels (by default the author's organisation and staff)."""
    suggestions = Suggestion.objects.select_related(
        "member__user", "member__organisation", "stage__category", "red_flag__category", "resulting_red_flag"
    )
    return scope(suggestions, user=user, spec=SUGGESTION_SHARING)


def visible_indicator_sets(*, user: User) -> IndicatorSetQuerySet:
    """The published indicator sets `user` may see under their labels: the base of every indicator-set channel."""
    return scope(IndicatorSet.objects.published(), user=user, spec=INDICATOR_SET_SHARING)


def indicator_sets_for(*, user: User) -> IndicatorSetQuerySet:
    """The indicator sets `user` may see, each with the red flags `user` may see of it (prefetched, map order) and
    its citations: a constant number of queries whatever the number of sets."""
    return (
        visible_indicator_sets(user=user)
        .select_related("category")
        .prefetch_related(
            Prefetch(
                "red_flags",
                published_red_flags(user=user),
                to_attr="visible_red_flags",
            ),
            Prefetch("citations", IndicatorSetCitation.objects.select_related("source")),
        )
        .order_by("category__order", "name", "id")
    )


def indicator_sets_in_stage(*, user: User, stage_id: int) -> IndicatorSetQuerySet:
    """The sets `user` may see with at least one red flag, visible to `user`, in the stage (its actors and flows
    included): what the map shows beside a stage."""
    in_stage = visible_red_flags(user=user).filter(in_stage_q(stage_id), indicator_sets=OuterRef("pk"))
    return indicator_sets_for(user=user).filter(Exists(in_stage))


def flow_pattern(flow: FinancialFlow) -> str:
    """What makes two categories' flows the same money pattern: the kind of actor the money goes to
    (advertising sites, recruiters, money services, front businesses), whoever pays and however."""
    return flow.to_actor.kind


def compare_maps(*, first: TraffickingCategory, second: TraffickingCategory, user: User) -> dict[str, Any]:
    """Two categories side by side: the kinds of actor both maps have, and the flow patterns both have with
    the red flags `user` may see on those flows (three queries)."""
    pair = (first.pk, second.pk)
    actors = list(Actor.objects.filter(category_id__in=pair).order_by("kind", "name"))
    flows = list(
        FinancialFlow.objects.filter(category_id__in=pair)
        .select_related("from_actor", "to_actor")
        .order_by("stage__order", "label")
    )
    kinds: dict[str, dict[int, list[Actor]]] = {}
    for actor in actors:
        kinds.setdefault(actor.kind, {first.pk: [], second.pk: []})[actor.category_id].append(actor)
    patterns: dict[str, dict[int, list[FinancialFlow]]] = {}
    for flow in flows:
        patterns.setdefault(flow_pattern(flow), {first.pk: [], second.pk: []})[flow.category_id].append(flow)
    shared_patterns = {key: sides for key, sides in patterns.items() if all(sides.values())}
    shared_flow_ids = [flow.pk for sides in shared_patterns.values() for side in sides.values() for flow in side]
    flags_by_flow: dict[int, list[RedFlag]] = {}
    for red_flag in visible_red_flags(user=user).filter(flow_id__in=shared_flow_ids).order_by("id"):
        if red_flag.flow_id is not None:
            flags_by_flow.setdefault(red_flag.flow_id, []).append(red_flag)
    return {
        "shared_actors": [
            {"kind": ActorKind(kind).label, "first": sides[first.pk], "second": sides[second.pk]}
            for kind, sides in kinds.items()
            if all(sides.values())
        ],
        "shared_patterns": [
            {
                "to_kind": ActorKind(key).label,
                "first": [(flow, flags_by_flow.get(flow.pk, [])) for flow in sides[first.pk]],
                "second": [(flow, flags_by_flow.get(flow.pk, [])) for flow in sides[second.pk]],
            }
            for key, sides in shared_patterns.items()
        ],
    }
