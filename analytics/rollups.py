"""Rebuilds the dashboards' roll-up tables from activity, stages, participation and deliveries, set-based.

Every table is replaced inside one transaction, so a dashboard never sees half a refresh; the new
`RollupRefresh` row then changes the dashboards' cache key.
"""

import time
from datetime import UTC, datetime, timedelta

from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.utils import timezone

from analytics.impact import IMPACT_TABLES, impact_refresh
from analytics.models import (
    CampaignStepTotals,
    CohortActivity,
    InitiativeSectorCount,
    JoinDaily,
    OrganisationEngagement,
    PeriodActive,
    RollupRefresh,
    StageWeekly,
)
from campaigns.models import Campaign, CampaignStatus, CampaignStep, Delivery, DeliveryStatus
from campaigns.results import CONVERSION_PARAMS, conversions
from engagement import sql
from engagement.models import LifecycleStage, MemberEngagement, StageTransition
from engagement.scoring import engagement_settings, serialise_engagement_jobs
from initiatives.models import Participation, ParticipationStatus
from members.models import Activity, Member, MemberStatus, Organisation, Origin

HISTORY_WEEKS = 80  # a little over the roadmap's 18 months

# Binds `%(approved)s`: every query that joins it passes MEMBER_PARAMS.
MEMBER_DIMENSIONS = f"""
    SELECT m.id AS member_id, o.sector, m.persona_id, o.country,
           coalesce(m.status_changed_at, m.created_at) AS approved_at
    FROM {Member._meta.db_table} m JOIN {Organisation._meta.db_table} o ON o.id = m.organisation_id
    WHERE m.status = %(approved)s
"""
MEMBER_PARAMS: dict[str, sql.Param] = {"approved": MemberStatus.APPROVED.value}
DIMENSIONS = "dm.sector, dm.persona_id, dm.country"


def _weeks(now: datetime) -> list[tuple[sql.Param, sql.Param]]:
    """The Monday of each of the last HISTORY_WEEKS weeks, with the moment that week ends (capped at now)."""
    today = now.astimezone(UTC).date()
    this_monday = today - timedelta(days=today.weekday())
    weeks = []
    for back in range(HISTORY_WEEKS, -1, -1):
        monday = this_monday - timedelta(weeks=back)
        ends = min(datetime.combine(monday + timedelta(days=7), datetime.min.time(), tzinfo=UTC), now)
        weeks.append((sql.day(monday), sql.moment(ends)))
    return weeks


def _stage_weekly(cursor: CursorWrapper, now: datetime) -> None:
    cursor.execute("DROP TABLE IF EXISTS engagement_weeks")
    moment_type = "timestamptz" if sql.is_postgres() else "timestamp"
    cursor.execute(f"CREATE TEMP TABLE engagement_weeks (week date, week_end {moment_type})")
    cursor.executemany("INSERT INTO engagement_weeks (week, week_end) VALUES (%s, %s)", _weeks(now))
    # A member's stage at a week's end is the one their latest transition before it set.
    cursor.execute(
        f"""
        INSERT INTO {StageWeekly._meta.db_table} (week, stage, sector, persona_id, country, members)
        SELECT w.week, s.stage, {DIMENSIONS}, count(*)
        FROM engagement_weeks w
        JOIN (SELECT t.member_id, t.to_stage AS stage, t.at AS since,
                     lead(t.at) OVER (PARTITION BY t.member_id ORDER BY t.at, t.id) AS until
              FROM {StageTransition._meta.db_table} t) s
          ON s.since <= w.week_end AND (s.until IS NULL OR s.until > w.week_end)
        JOIN ({MEMBER_DIMENSIONS}) dm ON dm.member_id = s.member_id
        GROUP BY w.week, s.stage, {DIMENSIONS}
        """,
        MEMBER_PARAMS,
    )
    cursor.execute("DROP TABLE engagement_weeks")


def _activity_periods(cursor: CursorWrapper, now: datetime) -> None:
    # Active in a period: an act of the member's own, as for the stages (a message we sent is not).
    params: dict[str, sql.Param] = {"now": sql.moment(now), "member_origin": Origin.MEMBER.value}
    activity = Activity._meta.db_table
    day = sql.day_of("a.occurred_at")
    for kind, period in (("week", sql.week_of(day)), ("month", sql.month_of(day))):
        cursor.execute(f"DROP TABLE IF EXISTS engagement_member_{kind}s")
        cursor.execute(
            f"""
            CREATE TEMP TABLE engagement_member_{kind}s AS
            SELECT DISTINCT a.member_id, {period} AS period
            FROM {activity} a WHERE a.occurred_at <= %(now)s AND a.origin = %(member_origin)s
            """,
            params,
        )
        cursor.execute(
            f"""
            INSERT INTO {PeriodActive._meta.db_table} (kind, starts_on, sector, persona_id, country, members)
            SELECT %(kind)s, p.period, {DIMENSIONS}, count(*)
            FROM engagement_member_{kind}s p JOIN ({MEMBER_DIMENSIONS}) dm ON dm.member_id = p.member_id
            GROUP BY p.period, {DIMENSIONS}
            """,
            {"kind": kind, **MEMBER_PARAMS},
        )
    cohort = sql.month_of(sql.day_of("dm.approved_at"))
    cursor.execute(
        f"""
        INSERT INTO {CohortActivity._meta.db_table} (cohort, months_after, sector, persona_id, country, members)
        SELECT c.cohort, c.months_after, c.sector, c.persona_id, c.country, count(*)
        FROM (SELECT {cohort} AS cohort, {sql.months_between("p.period", cohort)} AS months_after, {DIMENSIONS}
              FROM engagement_member_months p JOIN ({MEMBER_DIMENSIONS}) dm ON dm.member_id = p.member_id) c
        WHERE c.months_after >= 0
        GROUP BY c.cohort, c.months_after, c.sector, c.persona_id, c.country
        """,
        MEMBER_PARAMS,
    )
    cursor.execute("DROP TABLE engagement_member_weeks")
    cursor.execute("DROP TABLE engagement_member_months")


def _joins(cursor: CursorWrapper) -> None:
    approved_day = sql.day_of("dm.approved_at")
    delay = sql.days_between(sql.day_of("e.activated_at"), approved_day)
    cursor.execute(
        f"""
        INSERT INTO {JoinDaily._meta.db_table}
            (day, sector, persona_id, country, days_to_activation, members, engaged, collaborating)
        SELECT j.day, j.sector, j.persona_id, j.country, j.delay, count(*),
               sum(CASE WHEN j.engaged THEN 1 ELSE 0 END), sum(CASE WHEN j.collaborating THEN 1 ELSE 0 END)
        FROM (SELECT {approved_day} AS day, {DIMENSIONS},
                     CASE WHEN e.activated_at IS NULL THEN NULL ELSE {delay} END AS delay,
                     e.engaged_at IS NOT NULL AS engaged, e.collaborating_at IS NOT NULL AS collaborating
              FROM {MemberEngagement._meta.db_table} e JOIN ({MEMBER_DIMENSIONS}) dm ON dm.member_id = e.member_id) j
        GROUP BY j.day, j.sector, j.persona_id, j.country, j.delay
        """,
        MEMBER_PARAMS,
    )


def _organisations_and_initiatives(cursor: CursorWrapper) -> None:
    stages = ("pending", "activated", "engaged", "collaborating", "dormant")  # the roll-up's columns, in order
    stage_counts = ", ".join(f"sum(CASE WHEN e.stage = %(stage_{stage})s THEN 1 ELSE 0 END)" for stage in stages)
    cursor.execute(
        f"""
        INSERT INTO {OrganisationEngagement._meta.db_table}
            (organisation_id, members, score, pending, activated, engaged, collaborating, dormant)
        SELECT m.organisation_id, count(*), sum(e.score), {stage_counts}
        FROM {MemberEngagement._meta.db_table} e JOIN {Member._meta.db_table} m ON m.id = e.member_id
        WHERE m.organisation_id IS NOT NULL
        GROUP BY m.organisation_id
        """,
        {f"stage_{stage}": LifecycleStage(stage).value for stage in stages},
    )
    cursor.execute(
        f"""
        INSERT INTO {InitiativeSectorCount._meta.db_table} (initiative_id, sector, active, waitlisted)
        SELECT p.initiative_id, o.sector,
               sum(CASE WHEN p.status = %(active)s THEN 1 ELSE 0 END),
               sum(CASE WHEN p.status = %(waitlisted)s THEN 1 ELSE 0 END)
        FROM {Participation._meta.db_table} p
        JOIN {Member._meta.db_table} m ON m.id = p.member_id
        JOIN {Organisation._meta.db_table} o ON o.id = m.organisation_id
        WHERE p.status IN (%(active)s, %(waitlisted)s)
        GROUP BY p.initiative_id, o.sector
        """,
        {"active": ParticipationStatus.ACTIVE.value, "waitlisted": ParticipationStatus.WAITLISTED.value},
    )


def _campaign_steps(cursor: CursorWrapper) -> None:
    # Every step of a launched campaign gets its row, zeros included, so the panel lists steps not reached yet.
    cursor.execute(
        f"""
        INSERT INTO {CampaignStepTotals._meta.db_table}
               (step_id, sent, deferred, bounced, failed, opened, clicked, converted)
        SELECT s.id, sum(CASE WHEN d.status = %(sent)s THEN 1 ELSE 0 END),
               sum(CASE WHEN d.status = %(deferred)s THEN 1 ELSE 0 END),
               sum(CASE WHEN d.status = %(bounced)s THEN 1 ELSE 0 END),
               sum(CASE WHEN d.status = %(failed)s THEN 1 ELSE 0 END),
               count(d.opened_at), count(d.clicked_at), count(conversion.id)
        FROM {CampaignStep._meta.db_table} s
        JOIN {Campaign._meta.db_table} c ON c.id = s.campaign_id
        LEFT JOIN {Delivery._meta.db_table} d ON d.step_id = s.id
        {conversions(goal="c.goal_id")}
        WHERE c.status <> %(draft)s
        GROUP BY s.id
        """,
        {
            "sent": DeliveryStatus.SENT.value,
            "deferred": DeliveryStatus.DEFERRED.value,
            "bounced": DeliveryStatus.BOUNCED.value,
            "failed": DeliveryStatus.FAILED.value,
            "draft": CampaignStatus.DRAFT.value,
            **CONVERSION_PARAMS,
        },
    )


ROLLUP_TABLES = tuple(
    model._meta.db_table
    for model in (
        StageWeekly,
        PeriodActive,
        CohortActivity,
        JoinDaily,
        OrganisationEngagement,
        InitiativeSectorCount,
        CampaignStepTotals,
    )
)


def rollups_refresh(*, now: datetime | None = None) -> RollupRefresh:
    """Replaces every roll-up table with what the data says as of `now`; one transaction."""
    now = now or timezone.now()
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        engagement_settings()
        serialise_engagement_jobs()
        sql.allow_bulk_memory(cursor)
        for table in (*IMPACT_TABLES, *ROLLUP_TABLES):
            cursor.execute(f"DELETE FROM {table}")
        _stage_weekly(cursor, now)
        _activity_periods(cursor, now)
        _joins(cursor)
        _organisations_and_initiatives(cursor)
        _campaign_steps(cursor)
        impact_refresh(cursor, now)
        return RollupRefresh.objects.create(
            finished_at=timezone.now(), as_of=now, seconds=time.perf_counter() - started
        )
