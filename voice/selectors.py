"""Reads of the voice, scoped: members see ideas, counts and their own votes, never staff notes nor anyone's
survey answers; staff see the tallies by sector and persona."""

import re
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from members.models import Member
from personas.models import Sector
from personas.selectors import reads_research
from roadmap.models import ItemStatus, Opportunity
from roadmap.selectors import latest_published_revision
from voice.models import Follow, Highlight, Idea, IdeaStatus, Survey, SurveyAnswer, SurveyResponse, SurveyStatus, Vote
from voice.scores import Estimate, estimate, to_ten
from voice.scores import opportunity as opportunity_score

SIMILAR_LIMIT = 5
MIN_WORD = 3


def ideas_visible_to(*, member: Member | None) -> QuerySet[Idea]:
    """Every member reads the ideas portal; a declined idea stays visible to its author only. Annotated with the
    vote count and, for `member`, whether they voted for and follow each idea."""
    ideas = Idea.objects.select_related("author__organisation", "merged_into", "opportunity").annotate(
        vote_count=Count("votes", distinct=True)
    )
    if member is None:
        return ideas.exclude(status=IdeaStatus.DECLINED).annotate(voted=Q(pk=None), following=Q(pk=None))
    return ideas.filter(~Q(status=IdeaStatus.DECLINED) | Q(author=member)).annotate(
        voted=Exists(Vote.objects.filter(idea=OuterRef("pk"), member=member)),
        following=Exists(Follow.objects.filter(idea=OuterRef("pk"), member=member)),
    )


def _words(text: str) -> list[str]:
    return sorted({word.lower() for word in re.findall(r"\w+", text) if len(word) >= MIN_WORD})[:20]


def similar_ideas(*, text: str, member: Member | None, limit: int = SIMILAR_LIMIT) -> list[Idea]:
    """Ideas like `text`, best first: PostgreSQL's full-text search (any of the words, ranked), or on SQLite any
    word found in the title or the problem. Merged ideas are left out: their votes live on the idea they joined."""
    words = _words(text)
    if not words:
        return []
    ideas = ideas_visible_to(member=member).exclude(status=IdeaStatus.MERGED)
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        vector = SearchVector("title", weight="A", config="english") + SearchVector(
            "problem", weight="B", config="english"
        )
        query = SearchQuery(words[0], config="english")
        for word in words[1:]:
            query |= SearchQuery(word, config="english")
        ranked = ideas.annotate(rank=SearchRank(vector, query)).filter(rank__gt=0)
        return list(ranked.order_by("-rank", "-created_at")[:limit])
    condition = Q()
    for word in words:
        condition |= Q(title__icontains=word) | Q(problem__icontains=word)
    return list(ideas.filter(condition)[:limit])


def _supporting_votes(opportunity: Opportunity) -> QuerySet[Vote]:
    return Vote.objects.filter(Q(opportunity=opportunity) | Q(idea__opportunity=opportunity))


def supporter_ids(*, opportunity: Opportunity) -> set[int]:
    """The members who voted for the opportunity or for an idea taken into it: each once."""
    return set(_supporting_votes(opportunity).values_list("member_id", flat=True))


def audience_ids(*, opportunity_ids: list[int]) -> dict[int, set[int]]:
    """For each opportunity, the members who voted for or follow it, or an idea taken into it (each once)."""
    audience: dict[int, set[int]] = {pk: set() for pk in opportunity_ids}
    for model in (Vote, Follow):
        rows = model.objects.filter(
            Q(opportunity_id__in=opportunity_ids) | Q(idea__opportunity_id__in=opportunity_ids)
        ).values_list("member_id", "opportunity_id", "idea__opportunity_id")
        for member_id, direct, via_idea in rows:
            audience[direct or via_idea].add(member_id)
    return audience


@dataclass(frozen=True)
class Tally:
    total: int
    by_sector: list[tuple[str, int]]
    by_persona: list[tuple[str, int]]
    by_importance: list[tuple[str, int]]


def vote_tally(*, opportunity: Opportunity) -> Tally:
    """The opportunity's support for staff: distinct members, by their organisation's sector and their persona.
    One query; a member who voted twice (the item and an idea) counts once, with their highest importance."""
    rows = _supporting_votes(opportunity).values_list(
        "member_id", "member__organisation__sector", "member__persona__name", "importance"
    )
    rank = {"": 0, "nice": 1, "important": 2, "critical": 3}
    members: dict[int, tuple[str, str, str]] = {}
    for member_id, sector, persona, importance in rows:
        seen = members.get(member_id)
        if seen is None or rank[importance] > rank[seen[2]]:
            members[member_id] = (sector or "", persona or "", importance)
    sectors = Counter(sector for sector, _persona, _importance in members.values())
    personas = Counter(persona for _sector, persona, _importance in members.values())
    importances = Counter(importance for _sector, _persona, importance in members.values())
    sector_labels = dict(Sector.choices)
    return Tally(
        total=len(members),
        by_sector=sorted(
            ((str(sector_labels.get(sector, sector)), n) for sector, n in sectors.items()),
            key=lambda kv: (-kv[1], kv[0]),
        ),
        by_persona=sorted(personas.items(), key=lambda kv: (-kv[1], kv[0])),
        by_importance=sorted(importances.items(), key=lambda kv: (-kv[1], kv[0])),
    )


def published_items(*, member: Member | None) -> tuple[Any, list[dict[str, Any]]]:
    """The items of the latest published revision (what members may see), each with its vote count and whether
    `member` voted for and follows it: three queries whatever the size."""
    revision = latest_published_revision()
    if revision is None:
        return None, []
    items = [dict(item) for item in revision.snapshot["items"]]
    labels = dict(ItemStatus.choices)
    ids = [item["opportunity_id"] for item in items]
    counts = dict(
        Vote.objects.filter(opportunity_id__in=ids)
        .values("opportunity_id")
        .annotate(n=Count("member_id", distinct=True))
        .values_list("opportunity_id", "n")
    )
    mine_voted: set[int] = set()
    mine_followed: set[int] = set()
    if member is not None:
        mine_voted = set(
            Vote.objects.filter(member=member, opportunity_id__in=ids).values_list("opportunity_id", flat=True)
        )
        mine_followed = set(
            Follow.objects.filter(member=member, opportunity_id__in=ids).values_list("opportunity_id", flat=True)
        )
    for item in items:
        pk = item["opportunity_id"]
        item |= {
            "status_label": labels.get(item["status"], item["status"]),
            "votes": counts.get(pk, 0),
            "voted": pk in mine_voted,
            "following": pk in mine_followed,
        }
    return revision, items


def planned_opportunities() -> dict[int, dict[str, Any]]:
    """The opportunities on the latest published roadmap, with their published item."""
    revision = latest_published_revision()
    if revision is None:
        return {}
    return {item["opportunity_id"]: item for item in revision.snapshot["items"]}


def my_ideas(*, member: Member) -> list[tuple[Idea, dict[str, Any] | None]]:
    """The member's own ideas, each with the published roadmap item it became ("you asked, we planned")."""
    planned = planned_opportunities()
    ideas = ideas_visible_to(member=member).filter(author=member)
    result = []
    for idea in ideas:
        target = idea.opportunity_id or (idea.merged_into.opportunity_id if idea.merged_into else None)
        result.append((idea, planned.get(target) if target else None))
    return result


def is_published_opportunity(opportunity_id: int) -> bool:
    return opportunity_id in planned_opportunities()


# Surveys


def open_surveys_for(*, member: Member) -> QuerySet[Survey]:
    """Open surveys on the member's persona, with whether they answered each. Never anyone's answers."""
    surveys = Survey.objects.filter(status=SurveyStatus.OPEN).select_related("persona")
    if member.persona_id is not None:
        surveys = surveys.filter(persona_id=member.persona_id)
    return surveys.annotate(answered=Exists(SurveyResponse.objects.filter(survey=OuterRef("pk"), member=member)))


def my_answers(*, member: Member, survey: Survey) -> dict[int, tuple[int | None, int | None]]:
    """The member's own answers to a survey (job id → importance, satisfaction): nobody else's, ever."""
    rows = SurveyAnswer.objects.filter(response__survey=survey, response__member=member)
    return {row.job_id: (row.importance, row.satisfaction) for row in rows}


@dataclass(frozen=True)
class JobResult:
    job: Any
    importance: Estimate
    satisfaction: Estimate

    @property
    def opportunity(self) -> Decimal | None:
        if self.importance.mean is None or self.satisfaction.mean is None:
            return None
        return opportunity_score(self.importance.mean, self.satisfaction.mean)


def _results(rows: list[tuple[int, int | None, int | None, int]]) -> dict[int, tuple[Estimate, Estimate]]:
    by_job: dict[int, tuple[list[float | None], list[float | None]]] = {}
    for job_id, importance, satisfaction, scale in rows:
        imp, sat = by_job.setdefault(job_id, ([], []))
        imp.append(to_ten(importance, scale=scale) if importance is not None else None)
        sat.append(to_ten(satisfaction, scale=scale) if satisfaction is not None else None)
    return {job_id: (estimate(imp), estimate(sat)) for job_id, (imp, sat) in by_job.items()}


@dataclass(frozen=True)
class SurveyResults:
    survey: Survey
    responses: int
    jobs: list[JobResult]
    by_sector: dict[str, list[JobResult]]
    by_persona: dict[str, list[JobResult]]


def survey_results(*, survey: Survey) -> SurveyResults:
    """Staff only: each job's scores from this survey's responses, overall and by sector and persona. Two queries."""
    jobs = list(survey.jobs.all())
    rows = list(
        SurveyAnswer.objects.filter(response__survey=survey).values_list(
            "job_id", "importance", "satisfaction", "response__sector", "response__persona__name"
        )
    )
    empty = Estimate(mean=None, margin=None, sample=0)

    def results_of(selected: list[tuple[Any, ...]]) -> list[JobResult]:
        computed = _results([(job_id, imp, sat, survey.scale) for job_id, imp, sat, *_rest in selected])
        return [JobResult(job, *computed.get(job.pk, (empty, empty))) for job in jobs]

    sector_labels = dict(Sector.choices)
    sectors = sorted({row[3] for row in rows})
    personas = sorted({row[4] or "" for row in rows})
    return SurveyResults(
        survey=survey,
        responses=survey.responses.count(),
        jobs=results_of(rows),
        by_sector={str(sector_labels.get(s, s or "—")): results_of([r for r in rows if r[3] == s]) for s in sectors},
        by_persona={p or "—": results_of([r for r in rows if (r[4] or "") == p]) for p in personas},
    )


@dataclass(frozen=True)
class TrendPoint:
    survey: Survey
    result: JobResult


def job_trend(*, job: Any) -> list[TrendPoint]:
    """How a job's scores moved from one survey to the next (oldest first). Two queries."""
    surveys = list(job.surveys.order_by("opened_at", "created_at", "pk"))
    rows = list(
        SurveyAnswer.objects.filter(job=job).values_list(
            "response__survey_id", "importance", "satisfaction", "response__survey__scale"
        )
    )
    points = []
    for survey in surveys:
        mine = [(job.pk, imp, sat, scale) for survey_id, imp, sat, scale in rows if survey_id == survey.pk]
        importance, satisfaction = _results(mine).get(job.pk, (estimate([]), estimate([])))
        points.append(TrendPoint(survey=survey, result=JobResult(job, importance, satisfaction)))
    return points


# Research


@dataclass(frozen=True)
class Evidence:
    count: int
    sectors: list[str]
    latest: Any  # a date, or None


NO_EVIDENCE = Evidence(count=0, sectors=[], latest=None)


def evidence_by(*, field: str, ids: list[int]) -> dict[int, Evidence]:
    """For each job, opportunity, persona or red flag (`field`: "jobs", "opportunities", …), its research highlights:
    how many, from which sectors, how recent. One query whatever the number of ids; never a name."""
    rows = Highlight.objects.filter(**{f"{field}__in": ids}).values_list(f"{field}", "sector", "observed_on")
    grouped: dict[int, tuple[int, set[str], Any]] = {}
    for pk, sector, observed in rows:
        count, sectors, latest = grouped.get(pk, (0, set(), None))
        grouped[pk] = (
            count + 1,
            sectors | {sector} if sector else sectors,
            max(latest, observed) if latest else observed,
        )
    labels = dict(Sector.choices)
    return {
        pk: Evidence(count=count, sectors=sorted(str(labels.get(s, s)) for s in sectors), latest=latest)
        for pk, (count, sectors, latest) in grouped.items()
    }


def reads_highlights(user: Any) -> bool:
    return reads_research(user) or user.has_perm("voice.view_highlight")


def highlights_visible_to(*, user: Any) -> QuerySet[Highlight]:
    """Staff and leadership read the highlights: the passage, the sector, the date and the tags — never the
    participant (the note and its participant stay in the staff admin)."""
    if not reads_highlights(user):
        return Highlight.objects.none()
    return Highlight.objects.only("pk", "passage", "sector", "observed_on").prefetch_related(
        "jobs", "personas", "opportunities"
    )
