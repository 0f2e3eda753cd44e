"""Weekly active members over the trend window."""

from typing import Any

from django.utils.translation import gettext as _

from analytics.panels.base import Chart, Filters, Panel, day, fetch, trend_start
from engagement import sql


def active_trend(filters: Filters) -> Panel:
    params = filters.params() | {"since": sql.day(trend_start(filters)), "end": sql.day(filters.end)}
    rows = fetch(
        f"""
        SELECT p.starts_on, sum(p.members) FROM engagement_periodactive p
        WHERE p.kind = 'week' AND p.starts_on BETWEEN %(since)s AND %(end)s {filters.where("p")}
        GROUP BY p.starts_on ORDER BY p.starts_on
        """,
        params,
    )
    table: list[list[Any]] = [[day(week).isoformat(), int(members)] for week, members in rows]
    return Panel(
        title=_("Weekly active members"),
        columns=[_("Week starting"), _("Active members")],
        rows=table,
        chart=Chart(
            kind="line",
            labels=[row[0] for row in table],
            datasets=[{"label": _("Weekly active members"), "data": [row[1] for row in table]}],
        ),
    )
