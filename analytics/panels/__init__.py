"""Read side of the leadership dashboards: one module per panel, each one aggregate query over the roll-up tables
only, registered here by the name the page, the JSON and the CSV use. Results are cached under the latest roll-up
refresh and the filters, so a refresh is the only thing that makes them stale.
"""

from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.utils.translation import get_language

from analytics.models import RollupRefresh
from analytics.panels.active import active_trend
from analytics.panels.base import Filters, Panel, default_filters
from analytics.panels.campaigns import campaign_results
from analytics.panels.cohorts import cohorts
from analytics.panels.collaboration import collaboration
from analytics.panels.coverage import coverage
from analytics.panels.funnel import funnel
from analytics.panels.headline import headline
from analytics.panels.impact import roadmap_impact
from analytics.panels.knowledge import knowledge
from analytics.panels.organisations import organisations
from analytics.panels.outcomes import outcomes
from analytics.panels.participation import participation
from analytics.panels.roadmap import roadmap_progress
from analytics.panels.sponsors import sponsors
from analytics.panels.stages import stage_trend
from core.db_routers import reading_from_replica

__all__ = [
    "PANELS",
    "Filters",
    "Panel",
    "default_filters",
    "latest_refresh",
    "panel_data",
    "panels_data",
    "panels_data_as_of",
]

CACHE_SECONDS = 60 * 60 * 24

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
    "outcomes": outcomes,
    "impact": roadmap_impact,
    "knowledge": knowledge,
    "coverage": coverage,
    "sponsors": sponsors,
}


def latest_refresh() -> RollupRefresh | None:
    return RollupRefresh.objects.order_by("-finished_at", "-id").first()


def panel_data(name: str, filters: Filters) -> dict[str, Any]:
    """A panel as JSON-ready data, cached until the next roll-up refresh."""
    return panels_data([name], filters)[name]


def panels_data(names: list[str], filters: Filters) -> dict[str, dict[str, Any]]:
    """Several panels as JSON-ready data, each cached until the next roll-up refresh."""
    return panels_data_as_of(names, filters, refresh=latest_refresh())


def panels_data_as_of(
    names: list[str], filters: Filters, *, refresh: RollupRefresh | None
) -> dict[str, dict[str, Any]]:
    """`panels_data` for a caller that has already read the latest refresh."""
    language = get_language() or ""
    keys = {name: f"dashboards:{refresh.pk if refresh else 0}:{language}:{name}:{filters.key()}" for name in names}
    cached = cache.get_many(keys.values())
    panels = {}
    for name, key in keys.items():
        data = cached.get(key)
        if data is None:
            with reading_from_replica():  # aggregates over the whole history: the replica's work when there is one
                data = PANELS[name](filters).as_json()
            data["as_of"] = refresh.as_of.isoformat() if refresh else None
            cache.set(key, data, CACHE_SECONDS)
        panels[name] = data
    return panels
