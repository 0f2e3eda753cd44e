"""The lifecycle funnel: approved, activated, engaged, collaborating."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics.panels.base import Chart, Filters, Panel, fetch
from engagement import sql

FUNNEL = (gettext_lazy("Approved"), gettext_lazy("Activated"), gettext_lazy("Engaged"), gettext_lazy("Collaborating"))


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
        [str(step), count, round(100 * count / counts[0], 1) if counts[0] else None]
        for step, count in zip(FUNNEL, counts, strict=True)
    ]
    return Panel(
        title=_("Funnel: activation → engagement → collaboration"),
        columns=[_("Step"), _("Members"), _("% of approved")],
        rows=rows,
        chart=Chart(
            kind="bar", labels=[str(step) for step in FUNNEL], datasets=[{"label": _("Members"), "data": counts}]
        ),
        notes=[_("Members approved in the period, by the furthest step they have reached since.")],
    )
