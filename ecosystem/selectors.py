"""Reads of the ecosystem map: what members may see (published red flags only) and whose suggestions."""

from collections import Counter
from collections.abc import Iterable

from django.db.models import Avg, Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from ecosystem.models import (
    Actor,
    Citation,
    FinancialFlow,
    RedFlag,
    RedFlagQuerySet,
    RedFlagRating,
    Stage,
    Suggestion,
    TraffickingCategory,
)
from members.models import Member, User


def categories_for_catalogue() -> QuerySet[TraffickingCategory]:
    published = Q(red_flags__review_state="published")
    return TraffickingCategory.objects.annotate(
        stage_count=Count("stages", distinct=True),
        red_flag_count=Count("red_flags", filter=published, distinct=True),
    )


def published_red_flags() -> RedFlagQuerySet:
    """Published red flags with everything a list shows, in map order: category, stage, then age."""
    ratings = RedFlagRating.objects.filter(red_flag=OuterRef("pk")).values("red_flag")
    return (
        RedFlag.objects.published()
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


def red_flag_counts(*, category: TraffickingCategory) -> dict[str, Counter[int]]:
    """How many published red flags each stage (including its actors and flows), actor and flow has."""
    counts: dict[str, Counter[int]] = {"stage": Counter(), "actor": Counter(), "flow": Counter()}
    rows = RedFlag.objects.published().filter(category=category)
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
    """Staff who review suggestions see them all; anyone else only their own."""
    suggestions = Suggestion.objects.select_related(
        "member__user", "stage__category", "red_flag__category", "resulting_red_flag"
    )
    if user.has_perm("ecosystem.view_suggestion"):
        return suggestions
    return suggestions.filter(member__user=user)
