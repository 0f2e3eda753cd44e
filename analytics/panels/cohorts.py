"""Join cohorts: the share of each month's joiners active n months after joining."""

from collections import defaultdict
from datetime import timedelta

from django.utils.translation import gettext as _

from analytics.panels.base import Chart, Filters, Panel, day, fetch, last_full_month
from engagement import sql

COHORT_MONTHS = 18


def cohorts(filters: Filters) -> Panel:
    """Monthly join cohorts: the share of each still active 0, 1, 2 … months after joining."""
    since = last_full_month(filters.end)
    for _month in range(COHORT_MONTHS - 1):
        since = (since - timedelta(days=1)).replace(day=1)
    params = filters.params() | {"since": sql.day(since), "end": sql.day(filters.end)}
    rows = fetch(
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
        month = day(cohort).strftime("%Y-%m")
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
    offsets = [_("+%(months)d mo") % {"months": offset} for offset in range(width)]
    return Panel(
        title=_("Join cohorts: % active n months after joining"),
        columns=[_("Cohort"), _("Joined"), *offsets],
        rows=table,
        chart=Chart(
            kind="line",
            labels=offsets,
            datasets=[{"label": row[0], "data": row[2:]} for row in table[-6:]],
        ),
        notes=[_("The chart shows the six latest cohorts; the table has them all.")],
    )
