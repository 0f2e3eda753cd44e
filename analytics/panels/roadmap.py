"""Roadmap progress by horizon: items by status, and those that are late."""

from datetime import UTC
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from analytics.panels.base import Chart, Filters, Panel, fetch
from engagement import sql
from roadmap.models import Horizon, ItemStatus, Roadmap, RoadmapItem


def roadmap_progress(filters: Filters) -> Panel:
    """Items of the latest roadmap by horizon and status; late = not done or dropped and past its end month."""
    today = sql.day(timezone.now().astimezone(UTC).date())
    statuses = {f"status_{index}": status for index, status in enumerate(ItemStatus.values)}
    status_columns = ", ".join(f"sum(CASE WHEN i.status = %({key})s THEN 1 ELSE 0 END)" for key in statuses)
    current_month = f"({sql.months_between(sql.month_of('%(today)s'), 'r.first_month')} + 1)"
    rows = fetch(
        f"""
        SELECT h.name, h.start_month, h.end_month, {status_columns},
               sum(CASE WHEN i.status NOT IN (%(done)s, %(dropped)s) AND i.end_month < {current_month}
                        THEN 1 ELSE 0 END)
        FROM {Horizon._meta.db_table} h
        JOIN {Roadmap._meta.db_table} r ON r.id = h.roadmap_id
        LEFT JOIN {RoadmapItem._meta.db_table} i ON i.horizon_id = h.id
        WHERE h.roadmap_id = (SELECT id FROM {Roadmap._meta.db_table}
                              ORDER BY published_at IS NULL, published_at DESC, first_month DESC LIMIT 1)
        GROUP BY h.id, h.name, h.start_month, h.end_month
        ORDER BY h.start_month
        """,
        {"today": today, "done": ItemStatus.DONE, "dropped": ItemStatus.DROPPED, **statuses},
    )
    labels = [str(label) for label in ItemStatus.labels]
    table: list[list[Any]] = [
        [
            _("%(horizon)s (months %(first)d–%(last)d)") % {"horizon": name, "first": first, "last": last},
            *(int(count or 0) for count in counts),
        ]
        for name, first, last, *counts in rows
    ]
    return Panel(
        title=_("Roadmap progress by horizon"),
        columns=[_("Horizon"), *labels, _("Late")],
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
