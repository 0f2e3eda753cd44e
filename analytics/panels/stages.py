"""Members in each lifecycle stage, week by week."""

from collections import defaultdict

from django.utils.translation import gettext as _

from analytics.panels.base import STAGES, Chart, Filters, Panel, day, fetch, trend_start
from engagement import sql
from engagement.models import LifecycleStage, stage_name


def stage_trend(filters: Filters) -> Panel:
    params = filters.params() | {"since": sql.day(trend_start(filters)), "end": sql.day(filters.end)}
    rows = fetch(
        f"""
        SELECT s.week, s.stage, sum(s.members) FROM engagement_stageweekly s
        WHERE s.week BETWEEN %(since)s AND %(end)s {filters.where("s")}
        GROUP BY s.week, s.stage ORDER BY s.week
        """,
        params,
    )
    by_week: dict[str, dict[str, int]] = defaultdict(dict)
    for week, stage, members in rows:
        by_week[day(week).isoformat()][stage] = int(members)
    weeks = sorted(by_week)
    table = [[week, *(by_week[week].get(stage, 0) for stage in STAGES)] for week in weeks]
    return Panel(
        title=_("Members by lifecycle stage, week by week"),
        columns=[_("Week starting"), *(stage_name(stage) for stage in LifecycleStage)],
        rows=table,
        chart=Chart(
            kind="line",
            labels=weeks,
            datasets=[
                {"label": stage_name(stage), "data": [by_week[week].get(stage, 0) for week in weeks], "fill": True}
                for stage in LifecycleStage
            ],
            stacked=True,
        ),
    )
