"""Rebuilds the dashboards' roll-up tables from activity, stages, participation and deliveries, set-based.

Every table is replaced inside one transaction, so a dashboard never sees half a refresh; the new
`RollupRefresh` row then changes the dashboards' cache key.
"""

import time
from datetime import UTC, datetime, timedelta

from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.utils import timezone

from analytics.models import RollupRefresh
from campaigns.results import conversions
from engagement import sql
from engagement.scoring import engagement_settings, serialise_engagement_jobs

HISTORY_WEEKS = 80  # a little over the roadmap's 18 months

MEMBER_DIMENSIONS = """
    SELECT m.id AS member_id, o.sector, m.persona_id, o.country,
           coalesce(m.status_changed_at, m.created_at) AS approved_at
    FROM members_member m JOIN members_organisation o ON o.id = m.organisation_id
    WHERE m.status = 'approved'
"""
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
        INSERT INTO engagement_stageweekly (week, stage, sector, persona_id, country, members)
        SELECT w.week, s.stage, {DIMENSIONS}, count(*)
        FROM engagement_weeks w
        JOIN (SELECT t.member_id, t.to_stage AS stage, t.at AS since,
                     lead(t.at) OVER (PARTITION BY t.member_id ORDER BY t.at, t.id) AS until
              FROM engagement_stagetransition t) s
          ON s.since <= w.week_end AND (s.until IS NULL OR s.until > w.week_end)
        JOIN ({MEMBER_DIMENSIONS}) dm ON dm.member_id = s.member_id
        GROUP BY w.week, s.stage, {DIMENSIONS}
        """,
        {},
    )
    cursor.execute("DROP TABLE engagement_weeks")


def _activity_periods(cursor: CursorWrapper, now: datetime) -> None:
    params: dict[str, sql.Param] = {"now": sql.moment(now)}
    day = sql.day_of("a.occurred_at")
    for kind, period in (("week", sql.week_of(day)), ("month", sql.month_of(day))):
        cursor.execute(f"DROP TABLE IF EXISTS engagement_member_{kind}s")
        cursor.execute(
            f"""
            CREATE TEMP TABLE engagement_member_{kind}s AS
            SELECT DISTINCT a.member_id, {period} AS period
            FROM members_activity a WHERE a.occurred_at <= %(now)s
            """,
            params,
        )
        cursor.execute(
            f"""
            INSERT INTO engagement_periodactive (kind, starts_on, sector, persona_id, country, members)
            SELECT '{kind}', p.period, {DIMENSIONS}, count(*)
            FROM engagement_member_{kind}s p JOIN ({MEMBER_DIMENSIONS}) dm ON dm.member_id = p.member_id
            GROUP BY p.period, {DIMENSIONS}
            """,
            {},
        )
    cohort = sql.month_of(sql.day_of("dm.approved_at"))
    cursor.execute(
        f"""
        INSERT INTO engagement_cohortactivity (cohort, months_after, sector, persona_id, country, members)
        SELECT c.cohort, c.months_after, c.sector, c.persona_id, c.country, count(*)
        FROM (SELECT {cohort} AS cohort, {sql.months_between("p.period", cohort)} AS months_after, {DIMENSIONS}
              FROM engagement_member_months p JOIN ({MEMBER_DIMENSIONS}) dm ON dm.member_id = p.member_id) c
        WHERE c.months_after >= 0
        GROUP BY c.cohort, c.months_after, c.sector, c.persona_id, c.country
        """,
        {},
    )
    cursor.execute("DROP TABLE engagement_member_weeks")
    cursor.execute("DROP TABLE engagement_member_months")


def _joins(cursor: CursorWrapper) -> None:
    approved_day = sql.day_of("dm.approved_at")
    delay = sql.days_between(sql.day_of("e.activated_at"), approved_day)
    cursor.execute(
        f"""
        INSERT INTO engagement_joindaily
            (day, sector, persona_id, country, days_to_activation, members, engaged, collaborating)
        SELECT j.day, j.sector, j.persona_id, j.country, j.delay, count(*),
               sum(CASE WHEN j.engaged THEN 1 ELSE 0 END), sum(CASE WHEN j.collaborating THEN 1 ELSE 0 END)
        FROM (SELECT {approved_day} AS day, {DIMENSIONS},
                     CASE WHEN e.activated_at IS NULL THEN NULL ELSE {delay} END AS delay,
                     e.engaged_at IS NOT NULL AS engaged, e.collaborating_at IS NOT NULL AS collaborating
              FROM engagement_memberengagement e JOIN ({MEMBER_DIMENSIONS}) dm ON dm.member_id = e.member_id) j
        GROUP BY j.day, j.sector, j.persona_id, j.country, j.delay
        """,
        {},
    )


def _organisations_and_initiatives(cursor: CursorWrapper) -> None:
    stage_counts = ", ".join(
        f"sum(CASE WHEN e.stage = '{stage}' THEN 1 ELSE 0 END)"
        for stage in ("pending", "activated", "engaged", "collaborating", "dormant")
    )
    cursor.execute(
        f"""
        INSERT INTO engagement_organisationengagement
            (organisation_id, members, score, pending, activated, engaged, collaborating, dormant)
        SELECT m.organisation_id, count(*), sum(e.score), {stage_counts}
        FROM engagement_memberengagement e JOIN members_member m ON m.id = e.member_id
        WHERE m.organisation_id IS NOT NULL
        GROUP BY m.organisation_id
        """
    )
    cursor.execute(
        """
        INSERT INTO engagement_initiativesectorcount (initiative_id, sector, active, waitlisted)
        SELECT p.initiative_id, o.sector,
               sum(CASE WHEN p.status = 'active' THEN 1 ELSE 0 END),
               sum(CASE WHEN p.status = 'waitlisted' THEN 1 ELSE 0 END)
        FROM initiatives_participation p
        JOIN members_member m ON m.id = p.member_id
        JOIN members_organisation o ON o.id = m.organisation_id
        WHERE p.status IN ('active', 'waitlisted')
        GROUP BY p.initiative_id, o.sector
        """
    )


def _campaign_steps(cursor: CursorWrapper) -> None:
    # Every step of a launched campaign gets its row, zeros included, so the panel lists steps not reached yet.
    cursor.execute(
        f"""
        INSERT INTO engagement_campaignsteptotals
               (step_id, sent, deferred, bounced, failed, opened, clicked, converted)
        SELECT s.id, sum(CASE WHEN d.status = 'sent' THEN 1 ELSE 0 END),
               sum(CASE WHEN d.status = 'deferred' THEN 1 ELSE 0 END),
               sum(CASE WHEN d.status = 'bounced' THEN 1 ELSE 0 END),
               sum(CASE WHEN d.status = 'failed' THEN 1 ELSE 0 END),
               count(d.opened_at), count(d.clicked_at), count(conversion.id)
        FROM engagement_campaignstep s
        JOIN engagement_campaign c ON c.id = s.campaign_id
        LEFT JOIN engagement_delivery d ON d.step_id = s.id
        {conversions(goal="c.goal_id")}
        WHERE c.status <> 'draft'
        GROUP BY s.id
        """
    )


ROLLUP_TABLES = (
    "engagement_stageweekly",
    "engagement_periodactive",
    "engagement_cohortactivity",
    "engagement_joindaily",
    "engagement_organisationengagement",
    "engagement_initiativesectorcount",
    "engagement_campaignsteptotals",
)


def rollups_refresh(*, now: datetime | None = None) -> RollupRefresh:
    """Replaces every roll-up table with what the data says as of `now`; one transaction."""
    now = now or timezone.now()
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        engagement_settings()
        serialise_engagement_jobs()
        sql.allow_bulk_memory(cursor)
        for table in ROLLUP_TABLES:
            cursor.execute(f"DELETE FROM {table}")
        _stage_weekly(cursor, now)
        _activity_periods(cursor, now)
        _joins(cursor)
        _organisations_and_initiatives(cursor)
        _campaign_steps(cursor)
        return RollupRefresh.objects.create(
            finished_at=timezone.now(), as_of=now, seconds=time.perf_counter() - started
        )
