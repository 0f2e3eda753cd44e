"""Read side of the leadership dashboards: one aggregate query per panel, over the roll-up tables only.

A panel is a table (columns and rows, which the CSV export writes as they are) plus the chart drawn
from it. Results are cached under the latest roll-up refresh and the filters, so a refresh is the only
thing that makes them stale.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, timedelta
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from analytics.models import RollupRefresh
from engagement import sql
from engagement.models import LifecycleStage
from personas.models import Sector

TREND_WEEKS = 78  # the roadmap's 18 months
COHORT_MONTHS = 18
CHARTED_CAMPAIGN_STEPS = 15
TOP_ORGANISATIONS = 20
FUNNEL = ("Approved", "Activated", "Engaged", "Collaborating")
STAGES = [stage.value for stage in LifecycleStage]
CACHE_SECONDS = 60 * 60 * 24


@dataclass(frozen=True)
class Filters:
    start: date
    end: date
    sector: str = ""
    persona: int | None = None
    country: str = ""

    @property
    def previous_start(self) -> date:
        return self.start - (self.end - self.start) - timedelta(days=1)

    @property
    def previous_end(self) -> date:
        return self.start - timedelta(days=1)

    def key(self) -> str:
        return f"{self.start}:{self.end}:{self.sector}:{self.persona}:{self.country}"

    def where(self, alias: str) -> str:
        """The dimension filters as SQL over a roll-up table aliased `alias` (always starts with AND)."""
        clauses = [""]
        if self.sector:
            clauses.append(f"{alias}.sector = %(sector)s")
        if self.persona is not None:
            clauses.append(f"{alias}.persona_id = %(persona)s")
        if self.country:
            clauses.append(f"{alias}.country = %(country)s")
        return " AND ".join(clauses)

    def params(self) -> dict[str, sql.Param]:
        return {"sector": self.sector, "persona": self.persona, "country": self.country}


def default_filters(today: date | None = None) -> Filters:
    """The last 90 days."""
    today = today or timezone.now().astimezone(UTC).date()
    return Filters(start=today - timedelta(days=89), end=today)


@dataclass
class Chart:
    kind: str
    labels: list[str]
    datasets: list[dict[str, Any]]
    stacked: bool = False


@dataclass
class Panel:
    title: str
    columns: list[str]
    rows: list[list[Any]]
    chart: Chart | None = None
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _fetch(query: str, params: dict[str, sql.Param]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def _day(value: date | str) -> date:
    """Dates come back as dates from PostgreSQL and as ISO text from SQLite."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _last_full_week(end: date) -> date:
    return _monday(end + timedelta(days=1)) - timedelta(weeks=1)


def _last_full_month(end: date) -> date:
    first = (end + timedelta(days=1)).replace(day=1)
    return (first - timedelta(days=1)).replace(day=1)


def _change(current: float | None, previous: float | None) -> float | None:
    if current is None or previous is None:
        return None
    return round(current - previous, 1)


def weighted_median(histogram: list[tuple[int, int]]) -> float | None:
    """The median of values given as (value, how many times)."""
    total = sum(count for _, count in histogram)
    if not total:
        return None
    ordered = sorted(histogram)

    def nth(position: int) -> int:
        seen = 0
        for value, count in ordered:
            seen += count
            if seen > position:
                return value
        raise AssertionError("position beyond the histogram")

    middle = total // 2
    return float(nth(middle)) if total % 2 else (nth(middle - 1) + nth(middle)) / 2


def headline(filters: Filters) -> Panel:
    """This period against the previous one of the same length."""
    weeks = {"current": _monday(filters.end), "previous": _monday(filters.previous_end)}
    active_weeks = {"current": _last_full_week(filters.end), "previous": _last_full_week(filters.previous_end)}
    active_months = {"current": _last_full_month(filters.end), "previous": _last_full_month(filters.previous_end)}
    params = filters.params() | {
        "stage_current": sql.day(weeks["current"]),
        "stage_previous": sql.day(weeks["previous"]),
        "start": sql.day(filters.start),
        "end": sql.day(filters.end),
        "previous_start": sql.day(filters.previous_start),
        "week_current": sql.day(active_weeks["current"]),
        "week_previous": sql.day(active_weeks["previous"]),
        "month_current": sql.day(active_months["current"]),
        "month_previous": sql.day(active_months["previous"]),
    }
    rows = _fetch(
        f"""
        SELECT 'stage', CASE WHEN s.week = %(stage_current)s THEN 'current' ELSE 'previous' END, s.stage,
               sum(s.members)
        FROM engagement_stageweekly s
        WHERE s.week IN (%(stage_current)s, %(stage_previous)s) {filters.where("s")}
        GROUP BY s.week, s.stage
        UNION ALL
        SELECT 'joined', CASE WHEN j.day >= %(start)s THEN 'current' ELSE 'previous' END,
               CAST(coalesce(j.days_to_activation, -1) AS text), sum(j.members)
        FROM engagement_joindaily j
        WHERE j.day BETWEEN %(previous_start)s AND %(end)s {filters.where("j")}
        GROUP BY CASE WHEN j.day >= %(start)s THEN 'current' ELSE 'previous' END, j.days_to_activation
        UNION ALL
        SELECT p.kind, CASE WHEN p.starts_on IN (%(week_current)s, %(month_current)s) THEN 'current'
                            ELSE 'previous' END, CAST(p.starts_on AS text), sum(p.members)
        FROM engagement_periodactive p
        WHERE ((p.kind = 'week' AND p.starts_on IN (%(week_current)s, %(week_previous)s))
               OR (p.kind = 'month' AND p.starts_on IN (%(month_current)s, %(month_previous)s)))
              {filters.where("p")}
        GROUP BY p.kind, p.starts_on
        """,
        params,
    )
    stages: dict[str, dict[str, int]] = defaultdict(dict)
    joined: dict[str, int] = defaultdict(int)
    activated: dict[str, int] = defaultdict(int)
    delays: dict[str, list[tuple[int, int]]] = defaultdict(list)
    active: dict[tuple[str, str], int] = {}
    for measure, which, key, value in rows:
        if measure == "stage":
            stages[which][key] = int(value)
        elif measure == "joined":
            joined[which] += int(value)
            if int(key) >= 0:
                activated[which] += int(value)
                delays[which].append((int(key), int(value)))
        else:
            # A period's week and month can be the same date; the kind keeps them apart.
            active[(measure, which)] = int(value)

    def rate(which: str) -> float | None:
        return round(100 * activated[which] / joined[which], 1) if joined[which] else None

    def median_delay(which: str) -> float | None:
        return weighted_median(delays[which])

    table: list[list[Any]] = []
    for stage in LifecycleStage:
        current, previous = stages["current"].get(stage, 0), stages["previous"].get(stage, 0)
        table.append([f"Members {stage.label.lower()}", current, previous, _change(current, previous)])
    measures: list[tuple[str, Callable[[str], float | int | None]]] = [
        ("New members (approved)", lambda which: joined[which]),
        ("Activation rate of new members (%)", rate),
        ("Median days from approval to activation", median_delay),
        ("Weekly active members (last full week)", lambda which: active.get(("week", which), 0)),
        ("Monthly active members (last full month)", lambda which: active.get(("month", which), 0)),
    ]
    for label, measure in measures:
        current_value, previous_value = measure("current"), measure("previous")
        table.append([label, current_value, previous_value, _change(current_value, previous_value)])
    chart = Chart(
        kind="bar",
        labels=[str(stage.label) for stage in LifecycleStage],
        datasets=[
            {"label": "This period", "data": [row[1] for row in table[: len(STAGES)]]},
            {"label": "Previous period", "data": [row[2] for row in table[: len(STAGES)]]},
        ],
    )
    return Panel(
        title="Headline numbers",
        columns=[
            "Measure",
            f"{filters.start} – {filters.end}",
            f"{filters.previous_start} – {filters.previous_end}",
            "Change",
        ],
        rows=table,
        chart=chart,
    )


def funnel(filters: Filters) -> Panel:
    """Of the members approved in the period: how many have since activated, engaged and collaborated."""
    params = filters.params() | {"start": sql.day(filters.start), "end": sql.day(filters.end)}
    ((approved, activated, engaged, collaborating),) = _fetch(
        f"""
        SELECT coalesce(sum(j.members), 0),
               coalesce(sum(CASE WHEN j.days_to_activation IS NOT NULL THEN j.members ELSE 0 END), 0),
               coalesce(sum(j.engaged), 0), coalesce(sum(j.collaborating), 0)
        FROM engagement_joindaily j
        WHERE j.day BETWEEN %(start)s AND %(end)s {filters.where("j")}
        """,
        params,
    )
    counts = [int(approved), int(activated), int(engaged), int(collaborating)]
    rows = [
        [step, count, round(100 * count / counts[0], 1) if counts[0] else None]
        for step, count in zip(FUNNEL, counts, strict=True)
    ]
    return Panel(
        title="Funnel: activation → engagement → collaboration",
        columns=["Step", "Members", "% of approved"],
        rows=rows,
        chart=Chart(kind="bar", labels=list(FUNNEL), datasets=[{"label": "Members", "data": counts}]),
        notes=["Members approved in the period, by the furthest step they have reached since."],
    )


def _trend_start(filters: Filters) -> date:
    return _monday(filters.end) - timedelta(weeks=TREND_WEEKS - 1)


def active_trend(filters: Filters) -> Panel:
    params = filters.params() | {"since": sql.day(_trend_start(filters)), "end": sql.day(filters.end)}
    rows = _fetch(
        f"""
        SELECT p.starts_on, sum(p.members) FROM engagement_periodactive p
        WHERE p.kind = 'week' AND p.starts_on BETWEEN %(since)s AND %(end)s {filters.where("p")}
        GROUP BY p.starts_on ORDER BY p.starts_on
        """,
        params,
    )
    table: list[list[Any]] = [[_day(week).isoformat(), int(members)] for week, members in rows]
    return Panel(
        title="Weekly active members",
        columns=["Week starting", "Active members"],
        rows=table,
        chart=Chart(
            kind="line",
            labels=[row[0] for row in table],
            datasets=[{"label": "Weekly active members", "data": [row[1] for row in table]}],
        ),
    )


def stage_trend(filters: Filters) -> Panel:
    params = filters.params() | {"since": sql.day(_trend_start(filters)), "end": sql.day(filters.end)}
    rows = _fetch(
        f"""
        SELECT s.week, s.stage, sum(s.members) FROM engagement_stageweekly s
        WHERE s.week BETWEEN %(since)s AND %(end)s {filters.where("s")}
        GROUP BY s.week, s.stage ORDER BY s.week
        """,
        params,
    )
    by_week: dict[str, dict[str, int]] = defaultdict(dict)
    for week, stage, members in rows:
        by_week[_day(week).isoformat()][stage] = int(members)
    weeks = sorted(by_week)
    table = [[week, *(by_week[week].get(stage, 0) for stage in STAGES)] for week in weeks]
    return Panel(
        title="Members by lifecycle stage, week by week",
        columns=["Week starting", *(str(stage.label) for stage in LifecycleStage)],
        rows=table,
        chart=Chart(
            kind="line",
            labels=weeks,
            datasets=[
                {"label": str(stage.label), "data": [by_week[week].get(stage, 0) for week in weeks], "fill": True}
                for stage in LifecycleStage
            ],
            stacked=True,
        ),
    )


def cohorts(filters: Filters) -> Panel:
    """Monthly join cohorts: the share of each still active 0, 1, 2 … months after joining."""
    since = _last_full_month(filters.end)
    for _ in range(COHORT_MONTHS - 1):
        since = (since - timedelta(days=1)).replace(day=1)
    params = filters.params() | {"since": sql.day(since), "end": sql.day(filters.end)}
    rows = _fetch(
        f"""
        SELECT {sql.month_of("j.day")}, -1, sum(j.members) FROM engagement_joindaily j
        WHERE j.day BETWEEN %(since)s AND %(end)s {filters.where("j")}
        GROUP BY {sql.month_of("j.day")}
        UNION ALL
        SELECT c.cohort, c.months_after, sum(c.members) FROM engagement_cohortactivity c
        WHERE c.cohort BETWEEN %(since)s AND %(end)s {filters.where("c")}
        GROUP BY c.cohort, c.months_after
        """,
        params,
    )
    sizes: dict[str, int] = {}
    retained: dict[str, dict[int, int]] = defaultdict(dict)
    for cohort, months_after, members in rows:
        month = _day(cohort).strftime("%Y-%m")
        if int(months_after) < 0:
            sizes[month] = int(members)
        else:
            retained[month][int(months_after)] = int(members)
    months = sorted(sizes)
    width = max((max(retained[m], default=0) for m in months), default=0) + 1
    table = [
        [month, sizes[month]]
        + [
            round(100 * retained[month].get(offset, 0) / sizes[month], 1) if sizes[month] else None
            for offset in range(width)
        ]
        for month in months
    ]
    return Panel(
        title="Join cohorts: % active n months after joining",
        columns=["Cohort", "Joined", *(f"+{offset} mo" for offset in range(width))],
        rows=table,
        chart=Chart(
            kind="line",
            labels=[f"+{offset} mo" for offset in range(width)],
            datasets=[{"label": row[0], "data": row[2:]} for row in table[-6:]],
        ),
        notes=["The chart shows the six latest cohorts; the table has them all."],
    )


def organisations(filters: Filters) -> Panel:
    """The most engaged organisations and the stage mix of their members (persona does not apply)."""
    rows = _fetch(
        f"""
        SELECT o.name, o.sector, o.country, e.members, e.score, e.pending, e.activated, e.engaged,
               e.collaborating, e.dormant
        FROM engagement_organisationengagement e JOIN members_organisation o ON o.id = e.organisation_id
        WHERE 1 = 1 {replace(filters, persona=None).where("o")}
        ORDER BY e.score DESC, o.name
        LIMIT {TOP_ORGANISATIONS}
        """,
        filters.params(),
    )
    table = [
        [name, str(Sector(sector).label), country, members, round(score, 1), *stages]
        for name, sector, country, members, score, *stages in rows
    ]
    return Panel(
        title=f"Top {TOP_ORGANISATIONS} organisations by engagement score",
        columns=["Organisation", "Sector", "Country", "Members", "Score", *(str(s.label) for s in LifecycleStage)],
        rows=table,
        chart=Chart(
            kind="bar",
            labels=[row[0] for row in table],
            datasets=[
                {"label": str(stage.label), "data": [row[5 + index] for row in table]}
                for index, stage in enumerate(LifecycleStage)
            ],
            stacked=True,
        ),
    )


def collaboration(filters: Filters) -> Panel:
    """Which sectors take part in initiatives together; the diagonal is initiatives a sector takes part in."""
    rows = _fetch(
        """
        SELECT a.sector, b.sector, count(*) FROM engagement_initiativesectorcount a
        JOIN engagement_initiativesectorcount b ON b.initiative_id = a.initiative_id
        WHERE a.active > 0 AND b.active > 0
        GROUP BY a.sector, b.sector
        UNION ALL
        SELECT '', '', count(*) FROM (
            SELECT x.initiative_id FROM engagement_initiativesectorcount x WHERE x.active > 0
            GROUP BY x.initiative_id HAVING count(*) >= 2) cross_sector
        """,
        {},
    )
    matrix: dict[tuple[str, str], int] = {}
    cross_sector = 0
    for first, second, count in rows:
        if first:
            matrix[(first, second)] = int(count)
        else:
            cross_sector = int(count)
    table = [
        [str(Sector(row).label), *(matrix.get((row, column), 0) for column in Sector.values)] for row in Sector.values
    ]
    return Panel(
        title="Cross-sector collaboration",
        columns=["Sector", *(str(label) for label in Sector.labels)],
        rows=table,
        chart=Chart(
            kind="bar",
            labels=[str(label) for label in Sector.labels],
            datasets=[
                {
                    "label": "Initiatives shared with another sector",
                    "data": [
                        sum(matrix.get((row, column), 0) for column in Sector.values if column != row)
                        for row in Sector.values
                    ],
                }
            ],
        ),
        notes=[f"{cross_sector} initiatives have members of two or more sectors taking part."],
    )


def participation(filters: Filters) -> Panel:
    """Initiative fill, waitlist and sector mix (filters do not apply: initiatives are few and shared)."""
    sector_columns = ", ".join(
        f"sum(CASE WHEN c.sector = '{sector}' THEN c.active ELSE 0 END)" for sector in Sector.values
    )
    rows = _fetch(
        f"""
        SELECT i.title, i.status, i.capacity, coalesce(sum(c.active), 0), coalesce(sum(c.waitlisted), 0),
               {sector_columns}
        FROM initiatives_initiative i LEFT JOIN engagement_initiativesectorcount c ON c.initiative_id = i.id
        WHERE i.status <> 'draft'
        GROUP BY i.id, i.title, i.status, i.capacity, i.starts_at
        ORDER BY coalesce(sum(c.active), 0) DESC, i.title
        """,
        {},
    )
    table = [
        [
            title,
            status,
            capacity,
            int(active),
            round(100 * int(active) / capacity, 1) if capacity else None,
            int(waitlisted),
            *(int(count) for count in sectors),
        ]
        for title, status, capacity, active, waitlisted, *sectors in rows
    ]
    top = table[:15]
    return Panel(
        title="Initiative participation",
        columns=[
            "Initiative",
            "Status",
            "Capacity",
            "Taking part",
            "Fill %",
            "Waitlist",
            *(str(label) for label in Sector.labels),
        ],
        rows=table,
        chart=Chart(
            kind="bar",
            labels=[row[0] for row in top],
            datasets=[
                {"label": str(label), "data": [row[6 + index] for row in top]}
                for index, label in enumerate(Sector.labels)
            ]
            + [{"label": "Waitlist", "data": [row[5] for row in top]}],
            stacked=True,
        ),
        notes=["The chart shows the fifteen initiatives with the most members taking part."],
    )


def roadmap_progress(filters: Filters) -> Panel:
    """Items of the latest roadmap by horizon and status; late = not done or dropped and past its end month."""
    today = sql.day(timezone.now().astimezone(UTC).date())
    statuses = ["planned", "in_progress", "done", "at_risk", "dropped"]
    status_columns = ", ".join(f"sum(CASE WHEN i.status = '{status}' THEN 1 ELSE 0 END)" for status in statuses)
    current_month = f"({sql.months_between(sql.month_of('%(today)s'), 'r.first_month')} + 1)"
    rows = _fetch(
        f"""
        SELECT h.name, h.start_month, h.end_month, {status_columns},
               sum(CASE WHEN i.status NOT IN ('done', 'dropped') AND i.end_month < {current_month}
                        THEN 1 ELSE 0 END)
        FROM roadmap_horizon h
        JOIN roadmap_roadmap r ON r.id = h.roadmap_id
        LEFT JOIN roadmap_roadmapitem i ON i.horizon_id = h.id
        WHERE h.roadmap_id = (SELECT id FROM roadmap_roadmap
                              ORDER BY published_at IS NULL, published_at DESC, first_month DESC LIMIT 1)
        GROUP BY h.id, h.name, h.start_month, h.end_month
        ORDER BY h.start_month
        """,
        {"today": today},
    )
    labels = ["Planned", "In progress", "Done", "At risk", "Dropped"]
    table: list[list[Any]] = [
        [f"{name} (months {first}–{last})", *(int(count or 0) for count in counts)]
        for name, first, last, *counts in rows
    ]
    return Panel(
        title="Roadmap progress by horizon",
        columns=["Horizon", *labels, "Late"],
        rows=table,
        chart=Chart(
            kind="bar",
            labels=[row[0] for row in table],
            datasets=[
                {"label": label, "data": [row[1 + index] for row in table]} for index, label in enumerate(labels)
            ],
            stacked=True,
        ),
    )


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def campaign_results(filters: Filters) -> Panel:
    """Sent, deferred, bounced, failed, opened, clicked, converted per launched campaign and step (filters do not
    apply: campaigns are few)."""
    rows = _fetch(
        """
        SELECT c.name, c.status, s.position, s.subject, t.sent, t.deferred, t.bounced, t.failed, t.opened, t.clicked,
               t.converted
        FROM engagement_campaignsteptotals t
        JOIN engagement_campaignstep s ON s.id = t.step_id
        JOIN engagement_campaign c ON c.id = s.campaign_id
        ORDER BY c.created_at DESC, c.id, s.position
        """,
        {},
    )
    table: list[list[Any]] = [
        [
            name,
            status,
            position,
            subject,
            sent,
            deferred,
            bounced,
            failed,
            opened,
            _percent(opened, sent),
            clicked,
            _percent(clicked, sent),
            converted,
        ]
        for name, status, position, subject, sent, deferred, bounced, failed, opened, clicked, converted in rows
    ]
    charted = table[:CHARTED_CAMPAIGN_STEPS]
    measures = [("Sent", 4), ("Opened", 8), ("Clicked", 10), ("Converted", 12)]
    return Panel(
        title="Campaign results",
        columns=[
            "Campaign",
            "Status",
            "Step",
            "Subject",
            "Sent",
            "Deferred",
            "Bounced",
            "Failed",
            "Opened",
            "Opened %",
            "Clicked",
            "Clicked %",
            "Converted",
        ],
        rows=table,
        chart=Chart(
            kind="bar",
            labels=[f"{row[0]} · step {row[2]}" for row in charted],
            datasets=[{"label": label, "data": [row[index] for row in charted]} for label, index in measures],
        ),
        notes=[
            f"The chart shows the first {CHARTED_CAMPAIGN_STEPS} steps, newest campaigns first; the table has all.",
            "Opens are counted only for campaigns that track them; a conversion is a member joining the goal "
            "initiative after the message.",
            "Figures as of the last roll-up refresh, like the other panels; a campaign's page in the admin shows its "
            "results live.",
        ],
    )


PANELS: dict[str, Callable[[Filters], Panel]] = {
    "headline": headline,
    "funnel": funnel,
    "active": active_trend,
    "stages": stage_trend,
    "cohorts": cohorts,
    "organisations": organisations,
    "collaboration": collaboration,
    "participation": participation,
    "campaigns": campaign_results,
    "roadmap": roadmap_progress,
}


def latest_refresh() -> RollupRefresh | None:
    return RollupRefresh.objects.order_by("-finished_at", "-id").first()


def panel_data(name: str, filters: Filters) -> dict[str, Any]:
    """A panel as JSON-ready data, cached until the next roll-up refresh."""
    return panels_data([name], filters)[name]


def panels_data(names: list[str], filters: Filters) -> dict[str, dict[str, Any]]:
    """Several panels as JSON-ready data, each cached until the next roll-up refresh."""
    refresh = latest_refresh()
    keys = {name: f"dashboards:{refresh.pk if refresh else 0}:{name}:{filters.key()}" for name in names}
    cached = cache.get_many(keys.values())
    panels = {}
    for name, key in keys.items():
        data = cached.get(key)
        if data is None:
            data = PANELS[name](filters).as_json()
            data["as_of"] = refresh.as_of.isoformat() if refresh else None
            cache.set(key, data, CACHE_SECONDS)
        panels[name] = data
    return panels
