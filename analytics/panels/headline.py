"""The headline figures: members, activity and stages over the period, against the one before."""

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from analytics.panels.base import (
    Filters,
    Panel,
    change,
    fetch,
    last_full_month,
    last_full_week,
    monday,
    weighted_median,
)
from engagement import sql
from engagement.models import LifecycleStage, stage_name


def headline(filters: Filters) -> Panel:
    """This period against the previous one of the same length."""
    weeks = {"current": monday(filters.end), "previous": monday(filters.previous_end)}
    active_weeks = {"current": last_full_week(filters.end), "previous": last_full_week(filters.previous_end)}
    active_months = {"current": last_full_month(filters.end), "previous": last_full_month(filters.previous_end)}
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
    rows = fetch(
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
        label = _("Members: %(stage)s") % {"stage": stage_name(stage)}
        table.append([label, current, previous, change(current, previous)])
    measures: list[tuple[str, Callable[[str], float | int | None]]] = [
        (_("New members (approved)"), lambda which: joined[which]),
        (_("Activation rate of new members (%)"), rate),
        (_("Median days from approval to activation"), median_delay),
        (_("Weekly active members (last full week)"), lambda which: active.get(("week", which), 0)),
        (_("Monthly active members (last full month)"), lambda which: active.get(("month", which), 0)),
    ]
    for label, measure in measures:
        current_value, previous_value = measure("current"), measure("previous")
        table.append([label, current_value, previous_value, change(current_value, previous_value)])
    # No chart: the page shows these as tiles, each with its change against the previous period.
    return Panel(
        title=_("Headline numbers"),
        columns=[
            _("Measure"),
            f"{filters.start} – {filters.end}",
            f"{filters.previous_start} – {filters.previous_end}",
            _("Change"),
        ],
        rows=table,
    )
