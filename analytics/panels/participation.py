"""Initiative participation by sector."""

from django.utils.translation import gettext as _

from analytics.models import InitiativeSectorCount
from analytics.panels.base import Chart, Filters, Panel, fetch
from initiatives.models import Initiative, InitiativeStatus
from personas.models import Sector


def participation(filters: Filters) -> Panel:
    """Initiative fill, waitlist and sector mix (filters do not apply: initiatives are few and shared)."""
    sector_params = {f"sector_{index}": sector for index, sector in enumerate(Sector.values)}
    sector_columns = ", ".join(f"sum(CASE WHEN c.sector = %({key})s THEN c.active ELSE 0 END)" for key in sector_params)
    rows = fetch(
        f"""
        SELECT i.title, i.status, i.capacity, coalesce(sum(c.active), 0), coalesce(sum(c.waitlisted), 0),
               {sector_columns}
        FROM {Initiative._meta.db_table} i LEFT JOIN {InitiativeSectorCount._meta.db_table} c ON c.initiative_id = i.id
        WHERE i.status <> %(draft)s
        GROUP BY i.id, i.title, i.status, i.capacity, i.starts_at
        ORDER BY coalesce(sum(c.active), 0) DESC, i.title
        """,
        {"draft": InitiativeStatus.DRAFT, **sector_params},
    )
    table = [
        [
            title,
            str(InitiativeStatus(status).label) if status in InitiativeStatus.values else status,
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
        title=_("Initiative participation"),
        columns=[
            _("Initiative"),
            _("Status"),
            _("Capacity"),
            _("Taking part"),
            _("Fill %"),
            _("Waitlist"),
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
            + [{"label": _("Waitlist"), "data": [row[5] for row in top]}],
            stacked=True,
        ),
        notes=[_("The chart shows the fifteen initiatives with the most members taking part.")],
    )
