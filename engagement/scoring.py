"""The nightly engagement job: every approved member's score and lifecycle stage, in a few set-based statements.

Only member-caused activity counts (`Activity.origin`): messages the portal sends, promotions from a waitlist
and what staff do on a member's behalf stay in the timeline but earn nothing and wake no one.

Score: the sum over a member's own activity of points(verb) × 0.5^(age in days / half-life), where at most
`daily_cap` activities of a verb count per day. Age is counted in whole days from the activity's UTC day.
Stage, first match wins: pending (not onboarded: profile complete, persona chosen, an initiative joined),
dormant (no act of their own within `dormant_after_days`), collaborating (a contribution, a verb marked so, to
an initiative they take part in within `collaborating_window_days`), engaged (score at or above
`engaged_score`, or `engaged_actions` meaningful actions within `engaged_window_days`), else activated.

Nightly the job is incremental (issue 25: the log grows, the job must not): since 0.5^(age / half-life)
multiplies, yesterday's score times the decay of the days between plus what the night's new activity adds is
today's score. Only the (member, verb, day) keys new activity touches are counted again, old and new count,
each capped, through the member's index; a late row for an old day or a row that committed after the last run
(`members.activity_marks`) is counted like a new one. The stage windows read only their own days of activity.
Members without a stored score (new, or approved again) are summed over their history. A run in full reads
every member's whole history: see `engagement_recompute` for when.
"""

import time as time_module
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.utils import timezone

from engagement import sql
from engagement.models import (
    EngagementRun,
    EngagementSettings,
    LifecycleStage,
    MemberEngagement,
    StageTransition,
    VerbScore,
)
from initiatives.models import Initiative, Participation, ParticipationStatus
from members.activity_marks import activity_mark
from members.models import VERB_ORIGINS, Activity, Member, MemberStatus, Origin, User, Verb

# (points, daily cap, meaningful, contribution); verbs not listed earn nothing (sign-up, decisions, leaving …),
# nor do verbs no member causes (messages sent, promotions from a waitlist: `members.models.VERB_ORIGINS`).
DEFAULT_VERB_SCORES: dict[str, tuple[float, int, bool, bool]] = {
    Verb.LOGGED_IN: (1, 1, False, False),
    Verb.PROFILE_UPDATED: (1, 1, False, False),
    Verb.ONBOARDING_STEP: (2, 3, False, False),
    Verb.INITIATIVE_VIEWED: (1, 3, False, False),
    Verb.INITIATIVE_JOINED: (5, 2, True, False),
    # Mail clients fetch the tracking pixel on their own (prefetching): an open says little about the member.
    Verb.MESSAGE_OPENED: (0, 1, False, False),
    Verb.LINK_CLICKED: (1, 3, True, False),
    Verb.RESOURCE_VIEWED: (2, 5, True, False),
    Verb.RED_FLAG_RATED: (3, 5, True, False),
    Verb.RED_FLAG_SUGGESTED: (5, 2, True, False),
    Verb.SESSION_ATTENDED: (5, 2, True, True),
    Verb.SPACE_POSTED: (3, 5, True, True),
    Verb.SPACE_DOCUMENT_UPLOADED: (3, 3, True, True),
    # A contribution to the library (issue 21); its subject is a red flag, not an initiative, so on its own it never
    # makes a member collaborating.
    Verb.OUTCOME_REPORTED: (5, 3, True, True),
    Verb.IDEA_SUBMITTED: (3, 2, True, False),
    Verb.IDEA_VOTED: (1, 5, False, False),
    Verb.SURVEY_ANSWERED: (3, 1, True, False),
    # The directory (issue 23): asking is a touch, an accepted introduction a contribution to the network.
    Verb.INTRODUCTION_REQUESTED: (1, 3, False, False),
    Verb.INTRODUCTION_ACCEPTED: (3, 3, True, True),
    Verb.MEMBER_INVITED: (2, 3, True, False),
}


def engagement_settings() -> EngagementSettings:
    """The settings row, created with the defaults (and the default verb scores) the first time."""
    settings, created = EngagementSettings.objects.get_or_create(id=1)
    if created and not VerbScore.objects.exists():
        VerbScore.objects.bulk_create(
            [
                VerbScore(verb=verb, points=points, daily_cap=cap, meaningful=meaningful, contribution=contribution)
                for verb, (points, cap, meaningful, contribution) in DEFAULT_VERB_SCORES.items()
            ],
            ignore_conflicts=True,
        )
    return settings


def serialise_engagement_jobs() -> None:
    """Holds the settings row until the transaction ends, so two runs (a redelivered task, a click in the
    admin) never interleave and no transition is recorded twice."""
    EngagementSettings.objects.select_for_update().get(id=1)


# Every statement of a run reads the same activity: committed under the run's mark and not among its gaps. A row
# that commits while the run goes on is left to the next run, which reads the gaps again; counting it now too
# would count it twice.
VISIBLE = "a.id <= %(mark)s AND a.id NOT IN (SELECT id FROM engagement_unseen)"


def _daily_counts(*, member_filter: str = "", since: str = "") -> str:
    """The member's own activity per member, verb and UTC day up to :now: the unit the daily cap applies to."""
    return f"""
        SELECT a.member_id, a.verb, {sql.day_of("a.occurred_at")} AS day, count(*) AS n
        FROM {Activity._meta.db_table} a
        WHERE a.occurred_at <= %(now)s AND a.origin = %(member_origin)s {member_filter} {since}
        GROUP BY a.member_id, a.verb, {sql.day_of("a.occurred_at")}
    """


def _decay(day: str) -> str:
    # Floating point throughout: PostgreSQL's numeric power() would make the job several times slower.
    age = f"CAST({sql.days_between('%(today)s', day)} AS double precision)"
    return f"power(CAST(0.5 AS double precision), {age} / CAST(%(half_life)s AS double precision))"


def _capped_points() -> str:
    return f"{sql.least('d.n', 'r.daily_cap')} * r.points * {_decay('d.day')}"


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def _params(*, now: datetime, settings: EngagementSettings) -> dict[str, sql.Param]:
    today = now.astimezone(UTC).date()
    return {
        "now": sql.moment(now),
        "today": sql.day(today),
        "engaged_from": sql.moment(_midnight(today - timedelta(days=settings.engaged_window_days - 1))),
        "dormant_from": sql.moment(_midnight(today - timedelta(days=settings.dormant_after_days - 1))),
        "collaborating_since": sql.moment(now - timedelta(days=settings.collaborating_window_days)),
        "half_life": float(settings.half_life_days),
        "engaged_score": settings.engaged_score,
        "engaged_actions": settings.engaged_actions,
        "initiative_type": ContentType.objects.get_for_model(Initiative).pk,
        "pending": LifecycleStage.PENDING.value,
        "activated": LifecycleStage.ACTIVATED.value,
        "engaged": LifecycleStage.ENGAGED.value,
        "collaborating": LifecycleStage.COLLABORATING.value,
        "dormant": LifecycleStage.DORMANT.value,
        "approved_member": MemberStatus.APPROVED.value,
        "active_participation": ParticipationStatus.ACTIVE.value,
        "member_origin": Origin.MEMBER.value,
    }


APPROVED_AS_OF_NOW = (
    "m.status = %(approved_member)s AND (m.status_changed_at IS NULL OR m.status_changed_at <= %(now)s)"
)


def _next_state_sql(*, carried: bool) -> str:
    """One row per approved member as of :now: score and the stage the rules give.

    Scores: carried, the stored score decayed by the days since the last run (:carry) plus what the touched
    (member, verb, day) keys gained (`engagement_touched`); for members without a stored score (and all of them
    in a full run) the sum over their whole history. Stages read only their windows of activity.
    """
    activity = Activity._meta.db_table
    participation = Participation._meta.db_table
    newcomers = "AND a.member_id IN (SELECT member_id FROM engagement_newcomers)" if carried else ""
    carried_scores = f"""
        gained AS (
            SELECT t.member_id,
                   sum(({sql.least("t.total", "r.daily_cap")} - {sql.least("t.total - t.fresh", "r.daily_cap")})
                       * r.points * {_decay("t.day")}) AS score
            FROM engagement_touched t JOIN engagement_verbscore r ON r.verb = t.verb
            GROUP BY t.member_id
        ),
    """
    score = (
        "CASE WHEN e.member_id IS NULL THEN coalesce(h.score, 0) ELSE e.score * %(carry)s + coalesce(g.score, 0) END"
        if carried
        else "coalesce(h.score, 0)"
    )
    carried_joins = (
        "LEFT JOIN engagement_memberengagement e ON e.member_id = a.member_id "
        "LEFT JOIN gained g ON g.member_id = a.member_id"
        if carried
        else ""
    )
    return f"""
        WITH history AS (
            SELECT d.member_id, sum({_capped_points()}) AS score
            FROM ({_daily_counts(member_filter=f"AND {VISIBLE} {newcomers}")}) d
            JOIN engagement_verbscore r ON r.verb = d.verb
            GROUP BY d.member_id
        ),
        {carried_scores if carried else ""}
        recent AS (
            SELECT d.member_id, sum({sql.least("d.n", "r.daily_cap")}) AS meaningful_actions
            FROM ({_daily_counts(member_filter=f"AND {VISIBLE}", since="AND a.occurred_at >= %(engaged_from)s")}) d
            JOIN engagement_verbscore r ON r.verb = d.verb AND r.meaningful
            GROUP BY d.member_id
        ),
        approved AS (
            SELECT m.id AS member_id,
                   (u.first_name <> '' AND u.last_name <> '' AND m.job_title <> '' AND m.persona_id IS NOT NULL
                    AND EXISTS (SELECT 1 FROM {participation} p
                                WHERE p.member_id = m.id AND p.joined_at <= %(now)s)) AS onboarded,
                   EXISTS (SELECT 1 FROM {activity} a
                           WHERE a.member_id = m.id AND a.origin = %(member_origin)s AND {VISIBLE}
                             AND a.occurred_at >= %(dormant_from)s AND a.occurred_at <= %(now)s) AS awake,
                   EXISTS (
                       SELECT 1 FROM {participation} p
                       WHERE p.member_id = m.id AND p.joined_at <= %(now)s
                         AND (p.status = %(active_participation)s OR p.left_at > %(now)s)
                         AND EXISTS (SELECT 1 FROM {activity} a
                                     JOIN engagement_verbscore c ON c.verb = a.verb AND c.contribution
                                     WHERE a.member_id = m.id AND a.subject_type_id = %(initiative_type)s
                                       AND a.subject_id = p.initiative_id AND a.origin = %(member_origin)s
                                       AND {VISIBLE}
                                       AND a.occurred_at > %(collaborating_since)s AND a.occurred_at <= %(now)s)
                   ) AS collaborating
            FROM {Member._meta.db_table} m JOIN {User._meta.db_table} u ON u.id = m.user_id
            WHERE {APPROVED_AS_OF_NOW}
        ),
        scored AS (
            SELECT a.member_id, a.onboarded, a.awake, a.collaborating, {score} AS score,
                   coalesce(w.meaningful_actions, 0) AS meaningful_actions
            FROM approved a LEFT JOIN history h ON h.member_id = a.member_id
                 LEFT JOIN recent w ON w.member_id = a.member_id
                 {carried_joins}
        )
        SELECT s.member_id, s.score,
               CASE WHEN NOT s.onboarded THEN %(pending)s
                    WHEN NOT s.awake THEN %(dormant)s
                    WHEN s.collaborating THEN %(collaborating)s
                    WHEN s.score >= %(engaged_score)s OR s.meaningful_actions >= %(engaged_actions)s THEN %(engaged)s
                    ELSE %(activated)s END AS stage
        FROM scored s
    """


def _rules(settings: EngagementSettings) -> dict[str, object]:
    """What the stored scores and stages were computed with, as the run records it."""
    return {
        "settings": [
            settings.half_life_days,
            settings.engaged_score,
            settings.engaged_actions,
            settings.engaged_window_days,
            settings.collaborating_window_days,
            settings.dormant_after_days,
        ],
        "verbs": [
            [row.verb, row.points, row.daily_cap, row.meaningful, row.contribution]
            for row in VerbScore.objects.order_by("verb")
        ],
    }


def _temporary_ids(cursor: CursorWrapper, table: str, ids: list[int]) -> None:
    cursor.execute(f"DROP TABLE IF EXISTS {table}")
    cursor.execute(f"CREATE TEMP TABLE {table} (id bigint PRIMARY KEY)")
    cursor.executemany(f"INSERT INTO {table} (id) VALUES (%s)", [(number,) for number in ids])
    _analyse(cursor, table)


def _analyse(cursor: CursorWrapper, table: str) -> None:
    # PostgreSQL plans a join with a temporary table blind until it has statistics: the joins with these must
    # read the activity through its indexes, not scan the log.
    if sql.is_postgres():
        cursor.execute(f"ANALYZE {table}")


def _touched(cursor: CursorWrapper, params: dict[str, sql.Param]) -> None:
    """`engagement_touched`: every scored (member, verb, day) key with activity the last run did not count —
    past its mark, filling its gaps (`engagement_late`), or dated after its moment — with how many such rows
    (`fresh`) and how many the key holds now (`total`), counted through the member's index."""
    activity = Activity._meta.db_table
    day = sql.day_of("a.occurred_at")
    counted_now = f"a.occurred_at <= %(now)s AND a.origin = %(member_origin)s AND {VISIBLE}"
    cursor.execute("DROP TABLE IF EXISTS engagement_fresh")
    # Three selects rather than one with ORs, so that each reads through its own index; UNION drops a row that
    # two of them find.
    cursor.execute(
        f"""
        CREATE TEMP TABLE engagement_fresh AS
        SELECT a.id, a.member_id, a.verb, {day} AS day FROM {activity} a
        WHERE a.id > %(previous_mark)s AND {counted_now}
        UNION
        SELECT a.id, a.member_id, a.verb, {day} AS day FROM {activity} a
        WHERE a.id IN (SELECT id FROM engagement_late) AND {counted_now}
        UNION
        SELECT a.id, a.member_id, a.verb, {day} AS day FROM {activity} a
        WHERE a.occurred_at > %(previous)s AND {counted_now}
        """,
        params,
    )
    cursor.execute("DROP TABLE IF EXISTS engagement_touched")
    cursor.execute(
        f"""
        CREATE TEMP TABLE engagement_touched AS
        SELECT f.member_id, f.verb, f.day, count(*) AS fresh,
               (SELECT count(*) FROM {activity} a
                WHERE a.member_id = f.member_id AND a.verb = f.verb
                  AND a.occurred_at >= {sql.midnight("f.day")} AND a.occurred_at < {sql.midnight("f.day", days_later=1)}
                  AND {counted_now}) AS total
        FROM engagement_fresh f
        WHERE f.verb IN (SELECT verb FROM engagement_verbscore)
        GROUP BY f.member_id, f.verb, f.day
        """,
        params,
    )
    cursor.execute("DROP TABLE engagement_fresh")
    _analyse(cursor, "engagement_touched")


@dataclass(frozen=True)
class ScoreRun:
    members: int
    transitions: int
    full: bool


def engagement_recompute(*, now: datetime | None = None, full: bool = False) -> ScoreRun:
    """Recomputes every approved member's score and stage as of `now` and records each stage change.

    Idempotent: running it twice for the same moment changes nothing the second time. `now` in the past
    replays history (seed_demo uses it week by week), counting only what had happened by then.

    Incremental after a run with the same rules that is not later than `now`: the stored scores decay by the
    days between and gain what new, late or gap-filling activity adds to its (member, verb, day) keys; stages
    read only their windows. Full (every member's whole history) on the first run, for `full`, after a change
    of the settings or verb scores, and for a `now` earlier than the last run's. Deleted activity (the log is
    append-only; only a deliberate bypass deletes) needs `full`.
    """
    now = now or timezone.now()
    started = time_module.perf_counter()
    engagement_settings()
    reached = {
        "activated_at": (
            LifecycleStage.ACTIVATED,
            LifecycleStage.ENGAGED,
            LifecycleStage.COLLABORATING,
            LifecycleStage.DORMANT,
        ),
        "engaged_at": (LifecycleStage.ENGAGED, LifecycleStage.COLLABORATING),
        "collaborating_at": (LifecycleStage.COLLABORATING,),
    }
    first_reached = ", ".join(
        f"CASE WHEN n.stage IN ({', '.join(repr(str(s.value)) for s in stages)}) THEN %(now)s END"
        for stages in reached.values()
    )
    keep_first = ", ".join(
        f"{column} = coalesce(engagement_memberengagement.{column}, excluded.{column})" for column in reached
    )
    with transaction.atomic(), connection.cursor() as cursor:
        serialise_engagement_jobs()
        settings = EngagementSettings.objects.get(id=1)  # as of the lock: no rule changes under the run
        rules = _rules(settings)
        params = _params(now=now, settings=settings)
        sql.allow_bulk_memory(cursor)
        seen = activity_mark(cursor)
        params["mark"] = seen.mark
        _temporary_ids(cursor, "engagement_unseen", seen.gaps)
        previous = EngagementRun.objects.order_by("-id").first()
        carried = not full and previous is not None and previous.rules == rules and previous.as_of <= now
        if carried and previous is not None:
            previous_day = previous.as_of.astimezone(UTC).date()
            days = (now.astimezone(UTC).date() - previous_day).days
            params |= {
                "previous": sql.moment(previous.as_of),
                "previous_mark": previous.activity_mark,
                "carry": 0.5 ** (days / settings.half_life_days),
            }
            _temporary_ids(cursor, "engagement_late", [int(number) for number in previous.activity_gaps])
            _touched(cursor, params)
            cursor.execute("DROP TABLE IF EXISTS engagement_newcomers")
            cursor.execute(
                f"""
                CREATE TEMP TABLE engagement_newcomers AS
                SELECT m.id AS member_id FROM {Member._meta.db_table} m
                WHERE {APPROVED_AS_OF_NOW}
                  AND NOT EXISTS (SELECT 1 FROM engagement_memberengagement e WHERE e.member_id = m.id)
                """,
                params,
            )
            _analyse(cursor, "engagement_newcomers")
        cursor.execute("DROP TABLE IF EXISTS engagement_next")
        cursor.execute(f"CREATE TEMP TABLE engagement_next AS {_next_state_sql(carried=carried)}", params)
        cursor.execute(
            """
            INSERT INTO engagement_stagetransition (member_id, from_stage, to_stage, at)
            SELECT n.member_id, coalesce(e.stage, ''), n.stage, %(now)s
            FROM engagement_next n LEFT JOIN engagement_memberengagement e ON e.member_id = n.member_id
            WHERE e.stage IS NULL OR e.stage <> n.stage
            """,
            params,
        )
        transitions = cursor.rowcount
        cursor.execute(
            f"""
            INSERT INTO engagement_memberengagement
                (member_id, score, stage, stage_since, activated_at, engaged_at, collaborating_at, computed_at)
            SELECT n.member_id, n.score, n.stage, %(now)s, {first_reached}, %(now)s
            FROM engagement_next n WHERE true
            ON CONFLICT (member_id) DO UPDATE SET
                score = excluded.score,
                stage = excluded.stage,
                stage_since = CASE WHEN engagement_memberengagement.stage = excluded.stage
                                   THEN engagement_memberengagement.stage_since ELSE excluded.stage_since END,
                {keep_first},
                computed_at = excluded.computed_at
            """,
            params,
        )
        members = cursor.rowcount
        # Members who left or were suspended drop out of the current figures; their transitions stay.
        cursor.execute(
            "DELETE FROM engagement_memberengagement WHERE member_id NOT IN (SELECT member_id FROM engagement_next)"
        )
        for table in ("engagement_next", "engagement_unseen", "engagement_late", "engagement_touched",
                      "engagement_newcomers"):  # fmt: skip
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
        EngagementRun.objects.all().delete()
        EngagementRun.objects.create(
            as_of=now,
            full=not carried,
            seconds=time_module.perf_counter() - started,
            activity_mark=seen.mark,
            activity_gaps=seen.gaps,
            rules=rules,
        )
    return ScoreRun(members=members, transitions=transitions, full=not carried)


# As far back as the dashboards' trends reach (analytics.rollups.HISTORY_WEEKS), which this app may not import.
REPLAY_WEEKS = 80


def engagement_replay(
    *,
    weeks: int = REPLAY_WEEKS,
    every_weeks: int = 1,
    now: datetime | None = None,
    progress: Callable[[datetime, ScoreRun], None] | None = None,
) -> int:
    """Rewrites the stage history with the rules in force: forgets every transition and current stage, then runs
    the nightly job as of 02:00 UTC on every `every_weeks`-th Monday of the last `weeks` weeks and finally as
    of `now`, so trends and cohorts show no step on the day a rule changed. Each run is the set-based job;
    `progress` hears of each. One transaction: the dashboards never see half a history. Returns the runs."""
    now = now or timezone.now()
    today = now.astimezone(UTC).date()
    monday = today - timedelta(days=today.weekday())
    moments = [
        datetime.combine(monday - timedelta(weeks=back), time(2), tzinfo=UTC) for back in range(weeks, 0, -every_weeks)
    ]
    engagement_settings()
    with transaction.atomic():
        serialise_engagement_jobs()
        StageTransition.objects.all().delete()
        MemberEngagement.objects.all().delete()
        for step, moment in enumerate([*moments, now]):
            run = engagement_recompute(now=moment, full=step == 0)
            if progress is not None:
                progress(moment, run)
    return len(moments) + 1


@dataclass(frozen=True)
class VerbBreakdown:
    verb: str
    label: str
    activities: int
    counted: int
    points: float


def score_breakdown(*, member: Member, now: datetime | None = None) -> list[VerbBreakdown]:
    """Where a member's score comes from, verb by verb (the same arithmetic as the nightly job)."""
    now = now or timezone.now()
    settings = engagement_settings()
    params = _params(now=now, settings=settings) | {"member": member.pk}
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT d.verb, sum(d.n), sum({sql.least("d.n", "r.daily_cap")}), sum({_capped_points()})
            FROM ({_daily_counts(member_filter="AND a.member_id = %(member)s")}) d
            JOIN engagement_verbscore r ON r.verb = d.verb
            GROUP BY d.verb
            ORDER BY 4 DESC, d.verb
            """,
            params,
        )
        rows = cursor.fetchall()
    return [
        VerbBreakdown(verb=verb, label=str(Verb(verb).label), activities=n, counted=counted, points=float(points))
        for verb, n, counted, points in rows
    ]


@dataclass(frozen=True)
class VerbRule:
    verb: str
    label: str
    origins: list[str]
    points: float
    daily_cap: int
    meaningful: bool
    contribution: bool

    @property
    def earns(self) -> bool:
        """Whether a member's own act of this kind can count at all."""
        return Origin.MEMBER in VERB_ORIGINS[self.verb] and (self.points > 0 or self.meaningful or self.contribution)


@dataclass(frozen=True)
class ScoringRules:
    settings: EngagementSettings
    verbs: list[VerbRule]


def scoring_rules() -> ScoringRules:
    """The live rules, every verb included (those without a row earn nothing): for the page that explains them."""
    settings = engagement_settings()
    rows = {row.verb: row for row in VerbScore.objects.all()}
    verbs = []
    for verb in Verb:
        row = rows.get(verb.value)
        verbs.append(
            VerbRule(
                verb=verb.value,
                label=str(verb.label),
                origins=[str(origin.label) for origin in VERB_ORIGINS[verb.value]],
                points=row.points if row else 0,
                daily_cap=row.daily_cap if row else 0,
                meaningful=bool(row and row.meaningful),
                contribution=bool(row and row.contribution),
            )
        )
    verbs.sort(key=lambda rule: (not rule.earns, -rule.points, rule.label))
    return ScoringRules(settings=settings, verbs=verbs)
