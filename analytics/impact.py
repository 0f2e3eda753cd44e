"""Roadmap impact, rebuilt in the nightly roll-up: for each roadmap item, horizon and roadmap, the initiatives launched
from it, who took part, what they contributed, the engagement lift against a matched comparison group, the jobs its
opportunity serves before and after it was done, the votes and ideas it answered, and its red-flag outcomes.

The lift. A participant is a member who joined (`Participation.joined_at`) an initiative launched from the item; their
window opens on the Monday of the week they first joined one and lasts `WINDOW_DAYS`. A member "moved up" when their
next change of lifecycle stage after the window opened went to a higher stage and came inside the window. The
comparison group is every other approved member with the same persona, sector and stage when the same window opened
(a matched cell); the comparison rate weights each cell's rate by its participants (direct standardisation), so the
two groups have the same mix. Participants in cells with no comparison member are left out of both. Under
`MIN_GROUP` members on either side the lift is empty: "not enough data", never a misleading number.

Every query here is set-based or one `values()` read per kind of row, whatever the number of items and members.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.backends.utils import CursorWrapper
from django.db.models import Count, Min, Q

from analytics.models import (
    ImpactCohort,
    ImpactInitiative,
    ImpactJob,
    ImpactOutcome,
    ImpactReach,
    ImpactScope,
    ReachDimension,
    RoadmapImpact,
)
from ecosystem.models import IndicatorSetFlag
from engagement import sql
from engagement.models import LifecycleStage, StageTransition
from initiatives.models import Initiative, Participation
from members.models import Activity, Member, MemberStatus, Organisation, Origin, Verb
from outcomes.models import OutcomeReport
from outcomes.selectors import MIN_ORGANISATIONS
from roadmap.models import ItemStatus, Opportunity, RoadmapItem
from voice.models import Idea, SurveyAnswer, Vote
from voice.scores import estimate, to_ten

WINDOW_DAYS = 90
MIN_GROUP = 10  # members on each side of the comparison, below which the lift reads "not enough data"
# A stage's rank: a move to a higher rank is a move up (dormant is where a lapsed member sits: the bottom).
STAGE_RANK = {
    LifecycleStage.PENDING.value: 0,
    LifecycleStage.DORMANT.value: 0,
    LifecycleStage.ACTIVATED.value: 1,
    LifecycleStage.ENGAGED.value: 2,
    LifecycleStage.COLLABORATING.value: 3,
}
CONTRIBUTION_VERBS = {
    Verb.SPACE_POSTED.value: "posts",
    Verb.SPACE_DOCUMENT_UPLOADED.value: "documents",
    Verb.SESSION_ATTENDED.value: "sessions_attended",
}

ScopeKey = tuple[str, int]  # (scope, the item's, horizon's or roadmap's id)


@dataclass
class _Participant:
    joined_at: datetime
    persona_id: int | None
    organisation_id: int | None
    sector: str
    country: str


@dataclass
class _Scope:
    row: RoadmapImpact
    initiative_ids: set[int] = field(default_factory=set)
    opportunity_ids: set[int] = field(default_factory=set)
    participants: dict[int, _Participant] = field(default_factory=dict)


def _rank_sql(column: str) -> str:
    cases = " ".join(f"WHEN '{stage}' THEN {rank}" for stage, rank in STAGE_RANK.items())
    return f"(CASE {column} {cases} ELSE 0 END)"


def _monday(moment: datetime) -> date:
    day = moment.astimezone(UTC).date()
    return day - timedelta(days=day.weekday())


def _scopes(now: datetime) -> dict[ScopeKey, _Scope]:
    """A row for every item, horizon and roadmap, with the item's status and the day it was marked done (3 queries)."""
    items = list(RoadmapItem.objects.values_list("id", "roadmap_id", "horizon_id", "status", "opportunity_id"))
    done = dict(
        RoadmapItem.history.model.objects.filter(status=ItemStatus.DONE)
        .values("id")
        .annotate(first=Min("history_date"))
        .values_list("id", "first")
    )
    scopes: dict[ScopeKey, _Scope] = {}
    for roadmap_id in {roadmap for _item, roadmap, *_rest in items}:
        scopes["roadmap", roadmap_id] = _Scope(RoadmapImpact(scope=ImpactScope.ROADMAP, roadmap_id=roadmap_id))
    for item_id, roadmap_id, horizon_id, status, opportunity_id in items:
        done_at = done.get(item_id) if status == ItemStatus.DONE else None
        if status == ItemStatus.DONE and done_at is None:
            done_at = now  # done before its history was kept: the best we know is "by now"
        scopes["item", item_id] = _Scope(
            RoadmapImpact(
                scope=ImpactScope.ITEM,
                roadmap_id=roadmap_id,
                horizon_id=horizon_id,
                item_id=item_id,
                done_on=done_at.astimezone(UTC).date() if done_at else None,
            ),
            opportunity_ids={opportunity_id},
        )
        horizon = scopes.setdefault(
            ("horizon", horizon_id),
            _Scope(RoadmapImpact(scope=ImpactScope.HORIZON, roadmap_id=roadmap_id, horizon_id=horizon_id)),
        )
        horizon.opportunity_ids.add(opportunity_id)
        scopes["roadmap", roadmap_id].opportunity_ids.add(opportunity_id)
    return scopes


def _item_parents(scopes: dict[ScopeKey, _Scope], item_id: int) -> list[_Scope]:
    item = scopes["item", item_id]
    return [item, scopes["horizon", item.row.horizon_id or 0], scopes["roadmap", item.row.roadmap_id]]


def _participation(scopes: dict[ScopeKey, _Scope]) -> dict[int, int]:
    """Initiatives and participants of every scope (2 queries); returns each launched initiative's item."""
    launched = dict(
        Initiative.objects.filter(roadmap_item__isnull=False).values_list("id", "roadmap_item_id").order_by()
    )
    for initiative_id, item_id in launched.items():
        for scope in _item_parents(scopes, item_id):
            scope.initiative_ids.add(initiative_id)
    rows = (
        Participation.objects.filter(
            initiative__roadmap_item__isnull=False,
            joined_at__isnull=False,
            member__status=MemberStatus.APPROVED,
        )
        .order_by()
        .values_list(
            "initiative_id",
            "member_id",
            "joined_at",
            "member__persona_id",
            "member__organisation_id",
            "member__organisation__sector",
            "member__organisation__country",
        )
    )
    for initiative_id, member_id, joined_at, persona_id, organisation_id, sector, country in rows:
        assert joined_at is not None  # filtered above  # noqa: S101
        for scope in _item_parents(scopes, launched[initiative_id]):
            known = scope.participants.get(member_id)
            if known is None or joined_at < known.joined_at:
                scope.participants[member_id] = _Participant(
                    joined_at, persona_id, organisation_id, sector or "", str(country or "")
                )
    return launched


def _reach(scopes: dict[ScopeKey, _Scope]) -> list[ImpactReach]:
    rows: list[ImpactReach] = []
    for scope in scopes.values():
        people = scope.participants.values()
        scope.row.members = len(scope.participants)
        scope.row.organisations = len({p.organisation_id for p in people if p.organisation_id})
        scope.row.initiatives = len(scope.initiative_ids)
        for dimension, attribute in (
            (ReachDimension.PERSONA, "persona_id"),
            (ReachDimension.SECTOR, "sector"),
            (ReachDimension.COUNTRY, "country"),
        ):
            members: dict[str, int] = defaultdict(int)
            organisations: dict[str, set[int]] = defaultdict(set)
            for person in people:
                value = getattr(person, attribute)
                key = "" if value is None else str(value)
                members[key] += 1
                if person.organisation_id:
                    organisations[key].add(person.organisation_id)
            rows.extend(
                ImpactReach(
                    impact=scope.row,
                    dimension=dimension,
                    value=key,
                    members=count,
                    organisations=len(organisations[key]),
                )
                for key, count in members.items()
            )
    return rows


def _contributions(scopes: dict[ScopeKey, _Scope], launched: dict[int, int]) -> list[ImpactInitiative]:
    """Posts, documents and sessions attended per launched initiative (one grouped read of activity), plus each
    initiative's participants."""
    counts: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(CONTRIBUTION_VERBS.values(), 0))
    if launched:
        content_type = ContentType.objects.get_for_model(Initiative)
        grouped = (
            Activity.objects.filter(
                subject_type=content_type,
                subject_id__in=list(launched),
                verb__in=list(CONTRIBUTION_VERBS),
                origin=Origin.MEMBER,
            )
            .order_by()
            .values_list("subject_id", "verb")
            .annotate(count=Count("id"))
        )
        for initiative_id, verb, count in grouped:
            counts[int(initiative_id)][CONTRIBUTION_VERBS[verb]] = count
    members: dict[int, set[int]] = defaultdict(set)
    organisations: dict[int, set[int]] = defaultdict(set)
    for initiative_id, member_id, organisation_id in (
        Participation.objects.filter(initiative_id__in=list(launched), joined_at__isnull=False)
        .order_by()
        .values_list("initiative_id", "member_id", "member__organisation_id")
    ):
        members[initiative_id].add(member_id)
        if organisation_id:
            organisations[initiative_id].add(organisation_id)
    rows = []
    for initiative_id, item_id in launched.items():
        figures = counts[initiative_id]
        for scope in _item_parents(scopes, item_id):
            scope.row.contributions += sum(figures.values())
        rows.append(
            ImpactInitiative(
                impact=scopes["item", item_id].row,
                initiative_id=initiative_id,
                members=len(members[initiative_id]),
                organisations=len(organisations[initiative_id]),
                **figures,
            )
        )
    return rows


Cell = tuple[date, int, str, str]  # (window's Monday, persona id or 0, sector, stage at the start)


def _segments_and_weeks(cursor: CursorWrapper, weeks: Iterable[date]) -> None:
    """Temp tables: `impact_weeks`, each window's Monday with the moments it opens and closes; `impact_segments`,
    each approved member's stretches of one stage (a first stretch of "pending" before their first transition) with
    the stage that ended it."""
    cursor.execute("DROP TABLE IF EXISTS impact_weeks")
    moment_type = "timestamptz" if sql.is_postgres() else "timestamp"
    cursor.execute(f"CREATE TEMP TABLE impact_weeks (week date, opens {moment_type}, closes {moment_type})")
    cursor.executemany(
        "INSERT INTO impact_weeks (week, opens, closes) VALUES (%s, %s, %s)",
        [
            (
                sql.day(week),
                sql.moment(datetime.combine(week, datetime.min.time(), tzinfo=UTC)),
                sql.moment(datetime.combine(week + timedelta(days=WINDOW_DAYS), datetime.min.time(), tzinfo=UTC)),
            )
            for week in sorted(set(weeks))
        ],
    )
    cursor.execute("DROP TABLE IF EXISTS impact_segments")
    cursor.execute(
        f"""
        CREATE TEMP TABLE impact_segments AS
        WITH seq AS (
            SELECT t.member_id, t.to_stage, t.at,
                   lead(t.at) OVER w AS next_at, lead(t.to_stage) OVER w AS next_stage,
                   row_number() OVER w AS position
            FROM {StageTransition._meta.db_table} t
            WINDOW w AS (PARTITION BY t.member_id ORDER BY t.at, t.id)
        )
        SELECT member_id, to_stage AS stage, at AS since, next_at, next_stage FROM seq
        UNION ALL
        SELECT member_id, %(pending)s, NULL, at, to_stage FROM seq WHERE position = 1
        """,
        {"pending": LifecycleStage.PENDING.value},
    )
    _analyse(cursor, "impact_weeks", "impact_segments")


def _analyse(cursor: CursorWrapper, *tables: str) -> None:
    # Unanalysed, a temporary table of a million rows looks like a few to PostgreSQL's planner, which then joins
    # it in nested loops: the lift took minutes on 100,000 members instead of seconds.
    if sql.is_postgres():
        for table in tables:
            cursor.execute(f"ANALYZE {table}")


# A member's stage when a window opened, and whether their next change of stage went up inside it (1) or not (0).
MOVED = (
    f"CASE WHEN s.next_at IS NOT NULL AND s.next_at < w.closes"
    f" AND {_rank_sql('s.next_stage')} > {_rank_sql('s.stage')} THEN 1 ELSE 0 END"
)
SEGMENT_AT_OPENING = "(s.since IS NULL OR s.since <= w.opens) AND (s.next_at IS NULL OR s.next_at > w.opens)"
MEMBERS = f"{Member._meta.db_table} m"
THEIR_ORGANISATIONS = f"JOIN {Organisation._meta.db_table} o ON o.id = m.organisation_id"


def _participant_windows(cursor: CursorWrapper) -> None:
    """Temp table `impact_states`: every participant's cell and outcome in each window (members without a stage
    transition are pending and did not move)."""
    cursor.execute("DROP TABLE IF EXISTS impact_states")
    cursor.execute(
        f"""
        CREATE TEMP TABLE impact_states AS
        SELECT w.week, m.id AS member_id, coalesce(m.persona_id, 0) AS persona, o.sector,
               coalesce(s.stage, %(pending)s) AS stage, coalesce({MOVED}, 0) AS moved
        FROM impact_weeks w
        CROSS JOIN {MEMBERS} {THEIR_ORGANISATIONS}
        LEFT JOIN impact_segments s ON s.member_id = m.id AND {SEGMENT_AT_OPENING}
        WHERE m.status = %(approved)s AND m.id IN (SELECT member_id FROM impact_participants)
        """,
        {"pending": LifecycleStage.PENDING.value, "approved": MemberStatus.APPROVED.value},
    )
    _analyse(cursor, "impact_states")


def _everybody(cursor: CursorWrapper) -> dict[Cell, tuple[int, int]]:
    """Every approved member in each cell and how many moved up, aggregated without a row per member (two
    statements: members with stage transitions by their segments, the others pending in every window)."""
    params = {"pending": LifecycleStage.PENDING.value, "approved": MemberStatus.APPROVED.value}
    cursor.execute(
        f"""
        SELECT w.week, coalesce(m.persona_id, 0), o.sector, s.stage, count(*), sum({MOVED})
        FROM impact_weeks w
        JOIN impact_segments s ON {SEGMENT_AT_OPENING}
        JOIN {MEMBERS} ON m.id = s.member_id {THEIR_ORGANISATIONS}
        WHERE m.status = %(approved)s
        GROUP BY w.week, coalesce(m.persona_id, 0), o.sector, s.stage
        """,
        params,
    )
    everybody = {(sql_day(w), p, se, st): (n, int(moved)) for w, p, se, st, n, moved in cursor.fetchall()}
    cursor.execute(
        f"""
        SELECT coalesce(m.persona_id, 0), o.sector, count(*) FROM {MEMBERS} {THEIR_ORGANISATIONS}
        WHERE m.status = %(approved)s
          AND NOT EXISTS (SELECT 1 FROM {StageTransition._meta.db_table} t WHERE t.member_id = m.id)
        GROUP BY coalesce(m.persona_id, 0), o.sector
        """,
        params,
    )
    never_moved = cursor.fetchall()
    cursor.execute("SELECT week FROM impact_weeks")
    for (week,) in cursor.fetchall():
        for persona, sector, count in never_moved:
            key = (sql_day(week), persona, sector, LifecycleStage.PENDING.value)
            total, moved = everybody.get(key, (0, 0))
            everybody[key] = (total + count, moved)
    return everybody


def _lift(cursor: CursorWrapper, scopes: dict[ScopeKey, _Scope]) -> list[ImpactCohort]:
    """The matched comparison of every scope, set-based over the temp tables (five statements in all)."""
    keys = list(scopes)
    index = {key: position for position, key in enumerate(keys)}
    windows = [
        (index[key], member_id, _monday(person.joined_at))
        for key, scope in scopes.items()
        for member_id, person in scope.participants.items()
    ]
    if not windows:
        return []
    _segments_and_weeks(cursor, (week for _scope, _member, week in windows))
    cursor.execute("DROP TABLE IF EXISTS impact_participants")
    cursor.execute("CREATE TEMP TABLE impact_participants (scope integer, member_id integer, week date)")
    cursor.executemany(
        "INSERT INTO impact_participants (scope, member_id, week) VALUES (%s, %s, %s)",
        [(scope, member_id, sql.day(week)) for scope, member_id, week in windows],
    )
    _participant_windows(cursor)
    if sql.is_postgres():
        cursor.execute("CREATE INDEX impact_participants_scope_week ON impact_participants (scope, week)")
        cursor.execute("ANALYZE impact_participants")
    cell = "s.week, s.persona, s.sector, s.stage"
    # Participants in the cell of their own window.
    cursor.execute(
        f"""SELECT p.scope, {cell}, count(*), sum(s.moved) FROM impact_participants p
            JOIN impact_states s ON s.member_id = p.member_id AND s.week = p.week GROUP BY p.scope, {cell}"""
    )
    participants: dict[int, dict[Cell, tuple[int, int]]] = defaultdict(dict)
    for scope, week, persona, sector, stage, count, moved in cursor.fetchall():
        participants[scope][sql_day(week), persona, sector, stage] = (count, int(moved))
    # Everybody in each cell, and a scope's own participants (whatever their own week) to take out of it.
    everybody = _everybody(cursor)
    cursor.execute(
        f"""SELECT p.scope, {cell}, count(*), sum(s.moved)
            FROM (SELECT DISTINCT scope, member_id FROM impact_participants) p
            JOIN impact_states s ON s.member_id = p.member_id
            WHERE EXISTS (SELECT 1 FROM impact_participants q WHERE q.scope = p.scope AND q.week = s.week)
            GROUP BY p.scope, {cell}"""
    )
    own: dict[tuple[int, Cell], tuple[int, int]] = {
        (scope, (sql_day(w), p, se, st)): (n, int(m)) for scope, w, p, se, st, n, m in cursor.fetchall()
    }
    for table in ("impact_participants", "impact_states", "impact_segments", "impact_weeks"):
        cursor.execute(f"DROP TABLE {table}")
    cohorts: list[ImpactCohort] = []
    for position, cells in participants.items():
        scope = scopes[keys[position]]
        matched = moved = comparison = 0
        expected = 0.0
        evidence: dict[tuple[int, str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        for key, (count, count_moved) in cells.items():
            total, total_moved = everybody.get(key, (0, 0))
            out, out_moved = own.get((position, key), (0, 0))
            others, others_moved = total - out, total_moved - out_moved
            row = evidence[key[1], key[2], key[3]]
            row[0] += count
            row[1] += count_moved
            row[2] += others
            row[3] += others_moved
            if others == 0:
                continue
            matched += count
            moved += count_moved
            comparison += others
            expected += count * others_moved / others
        scope.row.participants = matched
        scope.row.comparison_members = comparison
        if matched:
            scope.row.participant_rate = round(100 * moved / matched, 1)
            scope.row.comparison_rate = round(100 * expected / matched, 1)
            if matched >= MIN_GROUP and comparison >= MIN_GROUP:
                scope.row.lift = round(scope.row.participant_rate - scope.row.comparison_rate, 1)
        cohorts.extend(
            ImpactCohort(
                impact=scope.row,
                persona_id=persona or None,
                sector=sector,
                stage=stage,
                participants=figures[0],
                participants_moved=figures[1],
                comparison=figures[2],
                comparison_moved=figures[3],
            )
            for (persona, sector, stage), figures in evidence.items()
        )
    return cohorts


def sql_day(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _jobs(scopes: dict[ScopeKey, _Scope]) -> list[ImpactJob]:
    """Each item's jobs with the latest survey's scores before and after the item was done (two queries)."""
    item_jobs: dict[int, list[int]] = defaultdict(list)
    opportunity_items: dict[int, list[_Scope]] = defaultdict(list)
    for (kind, _id), scope in scopes.items():
        if kind == "item":
            opportunity_items[next(iter(scope.opportunity_ids))].append(scope)
    for opportunity_id, job_id in Opportunity.jobs.through.objects.filter(
        opportunity_id__in=list(opportunity_items)
    ).values_list("opportunity_id", "jobtobedone_id"):
        item_jobs[opportunity_id].append(job_id)
    answers: dict[int, dict[int, list[tuple[Any, ...]]]] = defaultdict(lambda: defaultdict(list))
    all_jobs = {job for jobs in item_jobs.values() for job in jobs}
    for job_id, survey_id, scale, submitted_at, importance, satisfaction in SurveyAnswer.objects.filter(
        job_id__in=all_jobs
    ).values_list("job_id", "response__survey_id", "response__survey__scale", "response__submitted_at",
                  "importance", "satisfaction"):  # fmt: skip
        answers[job_id][survey_id].append((scale, submitted_at, importance, satisfaction))
    rows = []
    for opportunity_id, items in opportunity_items.items():
        for scope in items:
            changes = []
            for job_id in item_jobs.get(opportunity_id, []):
                row = ImpactJob(impact=scope.row, job_id=job_id)
                before, after = _surveys_around(answers[job_id], scope.row.done_on)
                if before:
                    row.importance_before, row.satisfaction_before, row.answers_before, row.surveyed_before = before
                if after:
                    row.importance_after, row.satisfaction_after, row.answers_after, row.surveyed_after = after
                if row.satisfaction_before is not None and row.satisfaction_after is not None:
                    changes.append(float(row.satisfaction_after - row.satisfaction_before))
                rows.append(row)
            scope.row.jobs = len(item_jobs.get(opportunity_id, []))
            scope.row.satisfaction_change = round(sum(changes) / len(changes), 1) if changes else None
    return rows


Scores = tuple[Decimal | None, Decimal | None, int, date]


def _surveys_around(surveys: dict[int, list[tuple[Any, ...]]], done_on: date | None) -> tuple[Scores | None, ...]:
    """The scores of the latest survey answered wholly before `done_on` and of the latest answered after it; with no
    day done, the latest survey so far is "before" and there is no "after"."""
    before: tuple[date, Scores] | None = None
    after: tuple[date, Scores] | None = None
    for rows in surveys.values():
        first = min(row[1] for row in rows).astimezone(UTC).date()
        last = max(row[1] for row in rows).astimezone(UTC).date()
        importance = estimate(to_ten(i, scale=s) if i is not None else None for s, _at, i, _v in rows)
        satisfaction = estimate(to_ten(v, scale=s) if v is not None else None for s, _at, _i, v in rows)
        scores: Scores = (importance.mean, satisfaction.mean, len(rows), last)
        if done_on is None or last < done_on:
            if before is None or last > before[0]:
                before = (last, scores)
        elif first > done_on and (after is None or last > after[0]):
            after = (last, scores)
    return (before[1] if before else None, after[1] if after else None)


def _voice(scopes: dict[ScopeKey, _Scope]) -> None:
    """Votes on the opportunity each item places, and the ideas taken into it (two grouped queries)."""
    opportunity_ids = {o for scope in scopes.values() for o in scope.opportunity_ids}
    votes = dict(
        Vote.objects.filter(opportunity_id__in=opportunity_ids)
        .order_by()
        .values("opportunity_id")
        .annotate(n=Count("id"))
        .values_list("opportunity_id", "n")
    )
    ideas = dict(
        Idea.objects.filter(opportunity_id__in=opportunity_ids)
        .order_by()
        .values("opportunity_id")
        .annotate(n=Count("id"))
        .values_list("opportunity_id", "n")
    )
    for scope in scopes.values():
        scope.row.votes = sum(votes.get(o, 0) for o in scope.opportunity_ids)
        scope.row.ideas = sum(ideas.get(o, 0) for o in scope.opportunity_ids)


def _outcomes(scopes: dict[ScopeKey, _Scope]) -> list[ImpactOutcome]:
    """Red flags the launched initiatives work on and the indicator sets built on them, with the outcome reports of
    those reported by at least MIN_ORGANISATIONS organisations (three queries)."""
    flags_of: dict[int, set[int]] = defaultdict(set)
    for initiative_id, red_flag_id in Initiative.red_flags.through.objects.filter(
        initiative__roadmap_item__isnull=False
    ).values_list("initiative_id", "redflag_id"):
        flags_of[initiative_id].add(red_flag_id)
    all_flags = {flag for flags in flags_of.values() for flag in flags}
    sets_of_flag: dict[int, set[int]] = defaultdict(set)
    for set_id, flag_id in IndicatorSetFlag.objects.filter(red_flag_id__in=all_flags).values_list(
        "indicator_set_id", "red_flag_id"
    ):
        sets_of_flag[flag_id].add(set_id)
    all_sets = {s for sets in sets_of_flag.values() for s in sets}
    reports: dict[tuple[str, int], list[tuple[int, int]]] = defaultdict(list)
    for red_flag_id, set_id, organisation_id, filed in (
        OutcomeReport.objects.filter(Q(red_flag_id__in=all_flags) | Q(indicator_set_id__in=all_sets))
        .order_by()
        .values_list("red_flag_id", "indicator_set_id", "organisation_id", "reports_filed")
    ):
        reports["flag" if red_flag_id else "set", red_flag_id or set_id].append((organisation_id, filed or 0))
    rows = []
    for scope in scopes.values():
        flags = {flag for initiative in scope.initiative_ids for flag in flags_of.get(initiative, ())}
        subjects = [("flag", f) for f in sorted(flags)]
        subjects += [("set", s) for s in sorted({s for f in flags for s in sets_of_flag.get(f, ())})]
        for kind, subject_id in subjects:
            filed = reports.get((kind, subject_id), [])
            organisations = len({organisation for organisation, _filed in filed})
            if organisations < MIN_ORGANISATIONS:
                continue
            scope.row.outcome_subjects += 1
            scope.row.outcome_reports += len(filed)
            rows.append(
                ImpactOutcome(
                    impact=scope.row,
                    red_flag_id=subject_id if kind == "flag" else None,
                    indicator_set_id=subject_id if kind == "set" else None,
                    organisations=organisations,
                    reports=len(filed),
                    reports_filed=sum(count for _organisation, count in filed),
                )
            )
    return rows


def impact_refresh(cursor: CursorWrapper, now: datetime) -> None:
    """Replaces the impact tables (the caller holds the roll-up's transaction and has emptied them)."""
    scopes = _scopes(now)
    launched = _participation(scopes)
    reach = _reach(scopes)
    initiatives = _contributions(scopes, launched)
    cohorts = _lift(cursor, scopes)
    jobs = _jobs(scopes)
    _voice(scopes)
    outcomes = _outcomes(scopes)
    # Horizons and roadmaps: their items' jobs, and the mean change over those surveyed before and after.
    changes: dict[ScopeKey, list[float]] = defaultdict(list)
    for job in jobs:
        if job.satisfaction_before is not None and job.satisfaction_after is not None:
            change = float(job.satisfaction_after - job.satisfaction_before)
            changes["horizon", job.impact.horizon_id or 0].append(change)
            changes["roadmap", job.impact.roadmap_id].append(change)
    for (kind, _id), scope in list(scopes.items()):
        if kind == "item":
            scopes["horizon", scope.row.horizon_id or 0].row.jobs += scope.row.jobs
            scopes["roadmap", scope.row.roadmap_id].row.jobs += scope.row.jobs
    for key, values in changes.items():
        scopes[key].row.satisfaction_change = round(sum(values) / len(values), 1)
    RoadmapImpact.objects.bulk_create([scope.row for scope in scopes.values()])
    for rows in (reach, initiatives, cohorts, jobs, outcomes):
        for row in rows:
            row.impact_id = row.impact.pk
    ImpactReach.objects.bulk_create(reach, batch_size=2000)
    ImpactInitiative.objects.bulk_create(initiatives, batch_size=2000)
    ImpactCohort.objects.bulk_create(cohorts, batch_size=2000)
    ImpactJob.objects.bulk_create(jobs, batch_size=2000)
    ImpactOutcome.objects.bulk_create(outcomes, batch_size=2000)


IMPACT_TABLES = tuple(
    model._meta.db_table
    for model in (ImpactReach, ImpactInitiative, ImpactCohort, ImpactJob, ImpactOutcome, RoadmapImpact)
)
