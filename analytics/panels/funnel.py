"""The lifecycle funnel: approved, activated, engaged, collaborating."""

from analytics.panels.base import Chart, Filters, Panel, fetch
from engagement import sql

FUNNEL = ("Approved", "Activated", "Engaged", "Collaborating")


def funnel(filters: Filters) -> Panel:
    """Of the members approved in the period: how many have since activated, engaged and collaborated."""
    params = filters.params() | {"start": sql.day(filters.start), "end": sql.day(filters.end)}
    ((approved, activated, engaged, collaborating),) = fetch(
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
