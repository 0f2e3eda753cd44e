"""Refreshes the dashboards' roll-up tables from activity, stages, participation and deliveries, set-based.

A refresh happens inside one transaction, so a dashboard never sees half of one; the new `RollupRefresh` row
then changes the dashboards' cache key. The first refresh (or one asked to be `full`) rebuilds every table.
Later ones are incremental where the data is large: the tables counted from activity, stage transitions and
deliveries are recounted only for the weeks, months and campaigns that changed since the refresh before —
rows past its activity and transition marks (late ones for old weeks too), members whose dimensions changed,
deliveries and goal sign-ups stamped since it started. The tables counted from one row per member
(`JoinDaily`, `OrganisationEngagement`), from participations and the impact tables are rebuilt every time.
"""

import time
from datetime import UTC, date, datetime, timedelta

from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.db.models import Max
from django.utils import timezone

from analytics.impact import IMPACT_TABLES, impact_refresh
from analytics.models import (
    CampaignStepTotals,
    CohortActivity,
    InitiativeSectorCount,
    JoinDaily,
    OrganisationEngagement,
    PeriodActive,
    RollupMember,
    RollupRefresh,
    StageWeekly,
)
from campaigns.models import Campaign, CampaignStatus, CampaignStep, Delivery, DeliveryStatus
from campaigns.results import CONVERSION_PARAMS, conversions
from engagement import sql
from engagement.models import LifecycleStage, MemberEngagement, StageTransition
from engagement.scoring import engagement_settings, serialise_engagement_jobs
from initiatives.models import Participation, ParticipationStatus
from members.activity_marks import activity_mark
from members.models import Activity, Member, MemberStatus, Organisation, Origin

HISTORY_WEEKS = 80  # a little over the roadmap's 18 months
# The same for the timestamps that mark a campaign changed: deliveries and sign-ups stamped this long before
# the last refresh started are looked at again.
CHANGE_MARGIN = timedelta(hours=1)

# Binds `%(approved)s`: every query that joins it passes MEMBER_PARAMS.
MEMBER_DIMENSIONS = f"""
    SELECT m.id AS member_id, o.sector, m.persona_id, o.country,
           coalesce(m.status_changed_at, m.created_at) AS approved_at
    FROM {Member._meta.db_table} m JOIN {Organisation._meta.db_table} o ON o.id = m.organisation_id
    WHERE m.status = %(approved)s
"""
MEMBER_PARAMS: dict[str, sql.Param] = {"approved": MemberStatus.APPROVED.value}
DIMENSIONS = "dm.sector, dm.persona_id, dm.country"


def _weeks(now: datetime) -> list[tuple[date, datetime]]:
    """The Monday of each of the last HISTORY_WEEKS weeks, with the moment that week ends (capped at now)."""
    today = now.astimezone(UTC).date()
    this_monday = today - timedelta(days=today.weekday())
    weeks = []
    for back in range(HISTORY_WEEKS, -1, -1):
        monday = this_monday - timedelta(weeks=back)
        ends = min(datetime.combine(monday + timedelta(days=7), datetime.min.time(), tzinfo=UTC), now)
        weeks.append((monday, ends))
    return weeks


def _moment_type() -> str:
    return "timestamptz" if sql.is_postgres() else "timestamp"


def _stage_weekly(cursor: CursorWrapper, now: datetime, *, from_week: date | None = None) -> None:
    """Counts the stages at the end of each week of the history, or only of `from_week` and later ones."""
    weeks = _weeks(now)
    if from_week is not None:
        cursor.execute(
            f"DELETE FROM {StageWeekly._meta.db_table} WHERE week >= %s OR week < %s",
            [sql.day(from_week), sql.day(weeks[0][0])],
        )
        weeks = [(monday, ends) for monday, ends in weeks if monday >= from_week]
    cursor.execute("DROP TABLE IF EXISTS engagement_weeks")
    cursor.execute(f"CREATE TEMP TABLE engagement_weeks (week date, week_end {_moment_type()})")
    cursor.executemany(
        "INSERT INTO engagement_weeks (week, week_end) VALUES (%s, %s)",
        [(sql.day(monday), sql.moment(ends)) for monday, ends in weeks],
    )
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


def _activity_periods(cursor: CursorWrapper, now: datetime, *, touched: bool = False) -> None:
    """Counts the members active in each week and month, and the cohorts' activity; with `touched`, only in
    the periods of the temporary tables `rollup_weeks` and `rollup_months` (whose rows the caller deleted)."""
    # Active in a period: an act of the member's own, as for the stages (a message we sent is not).
    params: dict[str, sql.Param] = {"now": sql.moment(now), "member_origin": Origin.MEMBER.value}
    activity = Activity._meta.db_table
    day = sql.day_of("a.occurred_at")
    for kind, period in (("week", sql.week_of(day)), ("month", sql.month_of(day))):
        # A touched period is read through the activity's time index, not by scanning the whole log.
        within = f"JOIN rollup_{kind}s t ON a.occurred_at >= t.starts AND a.occurred_at < t.ends" if touched else ""
        cursor.execute(f"DROP TABLE IF EXISTS engagement_member_{kind}s")
        cursor.execute(
            f"""
            CREATE TEMP TABLE engagement_member_{kind}s AS
            SELECT DISTINCT a.member_id, {period} AS period
            FROM {activity} a {within} WHERE a.occurred_at <= %(now)s AND a.origin = %(member_origin)s
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


def _campaign_steps(cursor: CursorWrapper, *, touched: bool = False) -> None:
    """Totals every step of a launched campaign; with `touched`, only those of the campaigns in the temporary
    table `rollup_campaigns` (whose rows the caller deleted)."""
    only = "AND c.id IN (SELECT campaign_id FROM rollup_campaigns)" if touched else ""
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
        WHERE c.status <> %(draft)s {only}
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


# Rebuilt by every refresh, incremental or not: one row per member or participation, no activity scanned.
REBUILT_TABLES = tuple(model._meta.db_table for model in (JoinDaily, OrganisationEngagement, InitiativeSectorCount))
ROLLUP_TABLES = (
    *(model._meta.db_table for model in (StageWeekly, PeriodActive, CohortActivity, CampaignStepTotals)),
    *REBUILT_TABLES,
)
DIMENSION_COLUMNS = "member_id, sector, persona_id, country, approved_at"


def rollups_refresh(*, now: datetime | None = None, full: bool = False) -> RollupRefresh:
    """Brings every roll-up table up to what the data says as of `now`; one transaction.

    Incremental after a refresh that recorded its marks, unless `full`, or `now` is earlier than that
    refresh's (a replay of the past): then every table is rebuilt.
    """
    now = now or timezone.now()
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        engagement_settings()
        serialise_engagement_jobs()  # no score job writes transitions under the marks read next
        sql.allow_bulk_memory(cursor)
        seen = activity_mark(cursor)
        transition_mark = StageTransition.objects.aggregate(mark=Max("id"))["mark"] or 0
        previous = RollupRefresh.objects.order_by("-finished_at", "-id").first()
        incremental = not full and previous is not None and previous.activity_mark is not None
        incremental = incremental and previous is not None and previous.as_of <= now
        cursor.execute("DROP TABLE IF EXISTS rollup_dimensions")
        cursor.execute(f"CREATE TEMP TABLE rollup_dimensions AS {MEMBER_DIMENSIONS}", MEMBER_PARAMS)
        if incremental and previous is not None:
            _recount_changed(cursor, now, previous)
        else:
            _rebuild(cursor, now)
        for table in (*IMPACT_TABLES, *REBUILT_TABLES):
            cursor.execute(f"DELETE FROM {table}")
        _joins(cursor)
        _organisations_and_initiatives(cursor)
        impact_refresh(cursor, now)
        cursor.execute("DROP TABLE rollup_dimensions")
        return RollupRefresh.objects.create(
            finished_at=timezone.now(),
            as_of=now,
            seconds=time.perf_counter() - started,
            full=not incremental,
            activity_mark=seen.mark,
            activity_gaps=seen.gaps,
            transition_mark=transition_mark,
        )


def _rebuild(cursor: CursorWrapper, now: datetime) -> None:
    for table in (StageWeekly, PeriodActive, CohortActivity, CampaignStepTotals, RollupMember):
        cursor.execute(f"DELETE FROM {table._meta.db_table}")
    _stage_weekly(cursor, now)
    _activity_periods(cursor, now)
    _campaign_steps(cursor)
    cursor.execute(
        f"INSERT INTO {RollupMember._meta.db_table} ({DIMENSION_COLUMNS}) "
        f"SELECT {DIMENSION_COLUMNS} FROM rollup_dimensions"
    )


def _analyse(cursor: CursorWrapper, table: str) -> None:
    # PostgreSQL plans a join with a temporary table blind until it has statistics: the joins below must use
    # the activity's indexes, not scan the log.
    if sql.is_postgres():
        cursor.execute(f"ANALYZE {table}")


def _recount_changed(cursor: CursorWrapper, now: datetime, previous: RollupRefresh) -> None:
    """Recounts only what changed since `previous`: see the module's docstring."""
    _changed_members(cursor)
    _recount_periods(cursor, now, previous)
    _recount_stage_weeks(cursor, now, previous)
    _recount_campaigns(cursor, previous)
    # The dimensions the roll-ups now count, for the next refresh to compare with.
    snapshot = RollupMember._meta.db_table
    cursor.execute(f"DELETE FROM {snapshot} WHERE member_id IN (SELECT member_id FROM rollup_changed)")
    cursor.execute(
        f"INSERT INTO {snapshot} ({DIMENSION_COLUMNS}) SELECT {DIMENSION_COLUMNS} FROM rollup_dimensions "
        "WHERE member_id IN (SELECT member_id FROM rollup_changed)"
    )
    cursor.execute("DROP TABLE rollup_changed")


def _changed_members(cursor: CursorWrapper) -> None:
    """`rollup_changed`: members approved, gone or moved to other dimensions since the last refresh."""
    snapshot = RollupMember._meta.db_table
    cursor.execute("DROP TABLE IF EXISTS rollup_changed")
    cursor.execute(
        f"""
        CREATE TEMP TABLE rollup_changed AS
        SELECT member_id FROM (SELECT {DIMENSION_COLUMNS} FROM rollup_dimensions
                               EXCEPT SELECT {DIMENSION_COLUMNS} FROM {snapshot}) appeared
        UNION
        SELECT member_id FROM (SELECT {DIMENSION_COLUMNS} FROM {snapshot}
                               EXCEPT SELECT {DIMENSION_COLUMNS} FROM rollup_dimensions) vanished
        """
    )
    _analyse(cursor, "rollup_changed")


def _recount_periods(cursor: CursorWrapper, now: datetime, previous: RollupRefresh) -> None:
    """Recounts the weeks and months with activity past the last mark or in its gaps (late rows for old
    periods too), with
    activity dated after the last refresh's moment, or with activity of a member whose dimensions changed."""
    activity = Activity._meta.db_table
    params: dict[str, sql.Param] = {
        "now": sql.moment(now),
        "previous": sql.moment(previous.as_of),
        "mark": previous.activity_mark or 0,
        "member_origin": Origin.MEMBER.value,
    }
    gaps = [int(number) for number in previous.activity_gaps]
    params.update({f"gap_{n}": number for n, number in enumerate(gaps)})
    late = f"OR a.id IN ({', '.join(f'%(gap_{n})s' for n in range(len(gaps)))})" if gaps else ""
    day = sql.day_of("a.occurred_at")
    # Three selects rather than one with ORs, so that each reads through its own index.
    cursor.execute(
        f"""
        SELECT DISTINCT {day} FROM {activity} a
        WHERE (a.id > %(mark)s {late}) AND a.occurred_at <= %(now)s AND a.origin = %(member_origin)s
        UNION
        SELECT DISTINCT {day} FROM {activity} a
        WHERE a.occurred_at > %(previous)s AND a.occurred_at <= %(now)s AND a.origin = %(member_origin)s
        UNION
        SELECT DISTINCT {day} FROM rollup_changed c JOIN {activity} a ON a.member_id = c.member_id
        WHERE a.occurred_at <= %(now)s AND a.origin = %(member_origin)s
        """,
        params,
    )
    days = {date.fromisoformat(str(row[0])) for row in cursor.fetchall()}
    weeks = {day - timedelta(days=day.weekday()) for day in days}
    months = {day.replace(day=1) for day in days}
    for kind, starts in (("week", weeks), ("month", months)):
        cursor.execute(f"DROP TABLE IF EXISTS rollup_{kind}s")
        cursor.execute(
            f"CREATE TEMP TABLE rollup_{kind}s (period date, starts {_moment_type()}, ends {_moment_type()})"
        )
        cursor.executemany(
            f"INSERT INTO rollup_{kind}s (period, starts, ends) VALUES (%s, %s, %s)",
            [(sql.day(start), sql.moment(_midnight(start)), sql.moment(_midnight(_period_end(kind, start))))
             for start in sorted(starts)],
        )  # fmt: skip
        _analyse(cursor, f"rollup_{kind}s")
        cursor.execute(
            f"DELETE FROM {PeriodActive._meta.db_table} "
            f"WHERE kind = %s AND starts_on IN (SELECT period FROM rollup_{kind}s)",
            [kind],
        )
    # A cohort's row for a month is the cohort's members active in that month: the touched months' rows go.
    cohorts = CohortActivity._meta.db_table
    months_after = sql.months_between("t.period", f"{cohorts}.cohort")
    cursor.execute(
        f"""
        DELETE FROM {cohorts}
        WHERE EXISTS (SELECT 1 FROM rollup_months t WHERE {months_after} = {cohorts}.months_after)
        """,
        {},
    )
    _activity_periods(cursor, now, touched=True)
    cursor.execute("DROP TABLE rollup_weeks")
    cursor.execute("DROP TABLE rollup_months")


def _midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC)


def _period_end(kind: str, start: date) -> date:
    if kind == "week":
        return start + timedelta(weeks=1)
    return (start + timedelta(days=32)).replace(day=1)


def _recount_stage_weeks(cursor: CursorWrapper, now: datetime, previous: RollupRefresh) -> None:
    """Recounts the weeks from the earliest one a change reaches: a stage counts from its transition to the
    next, so a new transition (or a member's new dimensions) changes its week and every later one. The week
    of the last refresh always is (it ended then, it ends later now)."""
    transitions = StageTransition._meta.db_table
    cursor.execute(
        f"""
        SELECT min(t.at) FROM {transitions} t WHERE t.id > %s
        UNION ALL
        SELECT min(t.at) FROM rollup_changed c JOIN {transitions} t ON t.member_id = c.member_id
        """,
        [previous.transition_mark or 0],
    )
    moments = [previous.as_of, *(_as_datetime(row[0]) for row in cursor.fetchall() if row[0] is not None)]
    # A member deleted since has taken their transitions along: where they were counted is not known.
    cursor.execute(
        f"SELECT count(*) FROM rollup_changed c WHERE NOT EXISTS "
        f"(SELECT 1 FROM {Member._meta.db_table} m WHERE m.id = c.member_id)"
    )
    if cursor.fetchone()[0]:
        moments.append(datetime.min.replace(tzinfo=UTC))
    earliest = min(moments).astimezone(UTC).date()
    _stage_weekly(cursor, now, from_week=earliest - timedelta(days=earliest.weekday()))


def _as_datetime(value: object) -> datetime:
    """A timestamp as the cursor returns it: a datetime from PostgreSQL, text from SQLite's min()."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


def _recount_campaigns(cursor: CursorWrapper, previous: RollupRefresh) -> None:
    """Recounts the steps of campaigns with a delivery written, opened or clicked since the last refresh
    started, a sign-up to their goal since, a change of their own, or a step without totals yet."""
    since = sql.moment(previous.finished_at - timedelta(seconds=previous.seconds) - CHANGE_MARGIN)
    stamps = ("created_at", "enqueued_at", "claimed_at", "sent_at", "finished_at", "opened_at", "clicked_at")
    delivery = Delivery._meta.db_table
    campaign = Campaign._meta.db_table
    step = CampaignStep._meta.db_table
    totals = CampaignStepTotals._meta.db_table
    cursor.execute("DROP TABLE IF EXISTS rollup_campaigns")
    cursor.execute(
        f"""
        CREATE TEMP TABLE rollup_campaigns AS
        SELECT d.campaign_id FROM {delivery} d WHERE {" OR ".join(f"d.{stamp} >= %(since)s" for stamp in stamps)}
        UNION
        SELECT c.id FROM {campaign} c WHERE c.updated_at >= %(since)s
        UNION
        SELECT c.id FROM {campaign} c JOIN {Participation._meta.db_table} p ON p.initiative_id = c.goal_id
        WHERE p.joined_at >= %(since)s
        UNION
        SELECT s.campaign_id FROM {step} s WHERE NOT EXISTS (SELECT 1 FROM {totals} t WHERE t.step_id = s.id)
        """,
        {"since": since},
    )
    cursor.execute(
        f"DELETE FROM {totals} WHERE step_id IN "
        f"(SELECT s.id FROM {step} s JOIN rollup_campaigns r ON r.campaign_id = s.campaign_id)"
    )
    _campaign_steps(cursor, touched=True)
    cursor.execute("DROP TABLE rollup_campaigns")
