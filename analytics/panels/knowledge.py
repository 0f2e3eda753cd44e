"""The knowledge library: categories mapped and being mapped, and red flags published and verified."""

from typing import Any

from django.utils.translation import gettext as _

from analytics.panels.base import Chart, Filters, Panel, fetch
from ecosystem.models import CategoryStatus, RedFlag, ReviewState, TraffickingCategory


def knowledge(filters: Filters) -> Panel:
    """Counts of the whole library (the filters do not apply: the map is not per sector or period)."""
    rows = fetch(
        f"""
        SELECT
          (SELECT count(*) FROM {TraffickingCategory._meta.db_table} WHERE status = %(mapped)s),
          (SELECT count(*) FROM {TraffickingCategory._meta.db_table} WHERE status = %(in_progress)s),
          (SELECT count(*) FROM {RedFlag._meta.db_table} WHERE review_state = %(published)s),
          (SELECT count(*) FROM {RedFlag._meta.db_table}
           WHERE review_state = %(published)s AND verified_by_id IS NOT NULL)
        """,
        {
            "mapped": CategoryStatus.MAPPED.value,
            "in_progress": CategoryStatus.IN_PROGRESS.value,
            "published": ReviewState.PUBLISHED.value,
        },
    )
    mapped, in_progress, published, verified = (int(value or 0) for value in rows[0])
    table: list[list[Any]] = [
        [_("Categories mapped"), mapped],
        [_("Categories being mapped"), in_progress],
        [_("Red flags published"), published],
        [_("Red flags verified by a second reviewer"), verified],
    ]
    return Panel(
        title=_("Knowledge library"),
        columns=[_("Measure"), _("Count")],
        rows=table,
        chart=Chart(
            kind="bar",
            labels=[str(row[0]) for row in table],
            datasets=[{"label": _("Count"), "data": [row[1] for row in table]}],
        ),
        notes=[_("The whole library, whatever the filters.")],
    )
