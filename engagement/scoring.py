"""The nightly engagement job: every approved member's score and lifecycle stage, in a few set-based statements.

Only member-caused activity counts (`Activity.origin`): messages the portal sends, promotions from a waitlist
and what staff do on a member's behalf stay in the timeline but earn nothing and wake no one.

Score: the sum over a member's own activity of points(verb) × 0.5^(age in days / half-life), where at most
`daily_cap` activities of a verb count per day. Age is counted in whole days from the activity's UTC day.
Stage, first match wins: pending (not onboarded: profile complete, persona chosen, an initiative joined),
dormant (no act of their own within `dormant_after_days`), collaborating (a contribution, a verb marked so, to
an initiative they take part in within `collaborating_window_days`), engaged (score at or above
`engaged_score`, or `engaged_actions` meaningful actions within `engaged_window_days`), else activated.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone

from engagement import sql
from engagement.models import EngagementSettings, LifecycleStage, MemberEngagement, StageTransition, VerbScore
from initiatives.models import Initiative, Participation, ParticipationStatus
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


def _daily_counts(*, member_filter: str = "") -> str:
    """The member's own activity per member, verb and UTC day up to :now: the unit the daily cap applies to."""
    return f"""
        SELECT a.member_id, a.verb, {sql.day_of("a.occurred_at")} AS day, count(*) AS n
        FROM {Activity._meta.db_table} a
        WHERE a.occurred_at <= %(now)s AND a.origin = %(member_origin)s {member_filter}
        GROUP BY a.member_id, a.verb, {sql.day_of("a.occurred_at")}
    """


def _capped_points() -> str:
    # Floating point throughout: PostgreSQL's numeric power() would make the job several times slower.
    age = f"CAST({sql.days_between('%(today)s', 'd.day')} AS double precision)"
    decay = f"power(CAST(0.5 AS double precision), {age} / CAST(%(half_life)s AS double precision))"
    return f"{sql.least('d.n', 'r.daily_cap')} * r.points * {decay}"


def _params(*, now: datetime, settings: EngagementSettings) -> dict[str, sql.Param]:
    today = now.astimezone(UTC).date()
    return {
        "now": sql.moment(now),
        "today": sql.day(today),
        "engaged_since": sql.day(today - timedelta(days=settings.engaged_window_days - 1)),
        "dormant_since": sql.day(today - timedelta(days=settings.dormant_after_days - 1)),
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


def _next_state_sql() -> str:
    """One row per approved member as of :now: score and the stage the rules give."""
    participation = Participation._meta.db_table
    return f"""
        WITH daily AS ({_daily_counts()}),
        per_member AS (
            SELECT d.member_id,
                   sum(CASE WHEN r.id IS NULL THEN 0 ELSE {_capped_points()} END) AS score,
                   sum(CASE WHEN r.meaningful AND d.day >= %(engaged_since)s
                            THEN {sql.least("d.n", "r.daily_cap")} ELSE 0 END) AS meaningful_actions,
                   max(d.day) AS last_day
            FROM daily d LEFT JOIN engagement_verbscore r ON r.verb = d.verb
            GROUP BY d.member_id
        ),
        approved AS (
            SELECT m.id AS member_id,
                   (u.first_name <> '' AND u.last_name <> '' AND m.job_title <> '' AND m.persona_id IS NOT NULL
                    AND EXISTS (SELECT 1 FROM {participation} p
                                WHERE p.member_id = m.id AND p.joined_at <= %(now)s)) AS onboarded,
                   EXISTS (
                       SELECT 1 FROM {participation} p
                       WHERE p.member_id = m.id AND p.joined_at <= %(now)s
                         AND (p.status = %(active_participation)s OR p.left_at > %(now)s)
                         AND EXISTS (SELECT 1 FROM {Activity._meta.db_table} a
                                     JOIN engagement_verbscore c ON c.verb = a.verb AND c.contribution
                                     WHERE a.member_id = m.id AND a.subject_type_id = %(initiative_type)s
                                       AND a.subject_id = p.initiative_id AND a.origin = %(member_origin)s
                                       AND a.occurred_at > %(collaborating_since)s AND a.occurred_at <= %(now)s)
                   ) AS collaborating
            FROM {Member._meta.db_table} m JOIN {User._meta.db_table} u ON u.id = m.user_id
            WHERE m.status = %(approved_member)s AND (m.status_changed_at IS NULL OR m.status_changed_at <= %(now)s)
        )
        SELECT a.member_id, coalesce(s.score, 0) AS score,
               CASE WHEN NOT a.onboarded THEN %(pending)s
                    WHEN s.last_day IS NULL OR s.last_day < %(dormant_since)s THEN %(dormant)s
                    WHEN a.collaborating THEN %(collaborating)s
                    WHEN s.score >= %(engaged_score)s OR s.meaningful_actions >= %(engaged_actions)s THEN %(engaged)s
                    ELSE %(activated)s END AS stage
        FROM approved a LEFT JOIN per_member s ON s.member_id = a.member_id
    """


@dataclass(frozen=True)
class ScoreRun:
    members: int
    transitions: int


def engagement_recompute(*, now: datetime | None = None) -> ScoreRun:
    """Recomputes every approved member's score and stage as of `now` and records each stage change.

    Idempotent: running it twice for the same moment changes nothing the second time. `now` in the past
    replays history (seed_demo uses it week by week), counting only what had happened by then.
    """
    now = now or timezone.now()
    settings = engagement_settings()
    params = _params(now=now, settings=settings)
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
        sql.allow_bulk_memory(cursor)
        cursor.execute("DROP TABLE IF EXISTS engagement_next")
        cursor.execute(f"CREATE TEMP TABLE engagement_next AS {_next_state_sql()}", params)
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
        cursor.execute("DROP TABLE engagement_next")
    return ScoreRun(members=members, transitions=transitions)


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
        for moment in [*moments, now]:
            run = engagement_recompute(now=moment)
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
