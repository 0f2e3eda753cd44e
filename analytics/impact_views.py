"""Leadership's "Roadmap impact" page, each item's evidence page, and the quarterly board pack.

Everything is read from the roll-up tables (`analytics.impact`, rebuilt nightly) and the panels; no page scans activity.
Red flags and indicator sets are named only where the viewer may see them (`ecosystem.selectors`, through `sharing`).
"""

from datetime import UTC, date
from typing import Any, cast

from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from analytics import panels
from analytics.board_pack import coverage_against_targets
from analytics.impact import MIN_GROUP, WINDOW_DAYS
from analytics.models import (
    ImpactCohort,
    ImpactInitiative,
    ImpactJob,
    ImpactOutcome,
    ImpactReach,
    ImpactScope,
    ReachDimension,
    RoadmapImpact,
)
from analytics.panels.impact import change_text, impact_rows, latest_roadmap, lift_text
from analytics.views import dashboards_required
from ecosystem.selectors import visible_indicator_sets, visible_red_flags
from engagement.models import stage_name
from members.models import User
from outcomes.selectors import MIN_ORGANISATIONS, bucket
from personas.models import Persona, Sector
from voice.models import Idea


@require_GET
@dashboards_required
def impact(request: HttpRequest) -> HttpResponse:
    """One row per item of the latest roadmap, then its horizons and the whole (four queries)."""
    roadmap = latest_roadmap()
    return render(
        request,
        "analytics/impact.html",
        {
            "roadmap": roadmap,
            "rows": impact_rows(roadmap),
            "refresh": panels.latest_refresh(),
            "minimum": MIN_GROUP,
            "window": WINDOW_DAYS,
        },
    )


def _reach(impact: RoadmapImpact) -> list[dict[str, Any]]:
    personas = {str(pk): name for pk, name in Persona.objects.values_list("pk", "name")}
    names = {
        ReachDimension.PERSONA: lambda value: personas.get(value, _("No persona")),
        ReachDimension.SECTOR: lambda value: Sector(value).label if value in Sector.values else _("No sector"),
        ReachDimension.COUNTRY: lambda value: value or _("No country"),
    }
    tables: dict[str, list[tuple[str, int, int]]] = {dimension: [] for dimension in ReachDimension.values}
    for row in ImpactReach.objects.filter(impact=impact).order_by("-members", "value"):
        name = str(names[ReachDimension(row.dimension)](row.value))
        tables[row.dimension].append((name, row.members, row.organisations))
    return [{"heading": ReachDimension(dimension).label, "rows": rows} for dimension, rows in tables.items()]


def _outcomes(request: HttpRequest, impact: RoadmapImpact) -> list[dict[str, Any]]:
    user = cast(User, request.user)  # dashboards_required let only a signed-in user through
    rows = list(ImpactOutcome.objects.filter(impact=impact).order_by("-organisations", "id"))
    flags = dict(
        visible_red_flags(user=user)
        .filter(pk__in=[r.red_flag_id for r in rows if r.red_flag_id])
        .values_list("pk", "indicator")
    )
    sets = dict(
        visible_indicator_sets(user=user)
        .filter(pk__in=[r.indicator_set_id for r in rows if r.indicator_set_id])
        .values_list("pk", "name")
    )
    shown = []
    for row in rows:
        if row.red_flag_id:
            name, url_name, pk = flags.get(row.red_flag_id), "ecosystem:red_flag", row.red_flag_id
            kind = _("Red flag")
        else:
            pk = row.indicator_set_id or 0
            name, url_name = sets.get(pk), "ecosystem:indicator_set"
            kind = _("Indicator set")
        shown.append(
            {
                "kind": kind,
                "name": name,
                "url_name": url_name,
                "pk": pk,
                "organisations": row.organisations,
                "reports": bucket(row.reports),
                "reports_filed": bucket(row.reports_filed),
            }
        )
    return shown


def _rate(moved: int, of: int) -> float | None:
    return round(100 * moved / of, 1) if of else None


def _evidence(request: HttpRequest, impact: RoadmapImpact | None) -> HttpResponse:
    """The evidence behind one row: initiatives, reach, the matched cohorts, jobs, votes and ideas, outcomes. A
    horizon's or the roadmap's page gathers its items' initiatives, jobs and ideas (nine queries whatever the size)."""
    if impact is None:
        raise Http404(_("No impact figures here yet; they are computed every night."))
    if impact.scope == ImpactScope.ITEM:
        items = Q(impact=impact)
        ideas = Q(opportunity_id=impact.item.opportunity_id if impact.item else 0)
        heading = str(impact.item.opportunity) if impact.item else ""
    elif impact.scope == ImpactScope.HORIZON:
        items = Q(impact__scope=ImpactScope.ITEM, impact__horizon_id=impact.horizon_id)
        ideas = Q(opportunity__roadmap_items__horizon_id=impact.horizon_id)
        heading = _("Horizon: %(name)s") % {"name": impact.horizon.name if impact.horizon else ""}
    else:
        items = Q(impact__scope=ImpactScope.ITEM, impact__roadmap_id=impact.roadmap_id)
        ideas = Q(opportunity__roadmap_items__roadmap_id=impact.roadmap_id)
        heading = _("The whole roadmap: %(title)s") % {"title": impact.roadmap.title}
    personas = dict(Persona.objects.values_list("pk", "name"))
    cohorts = [
        {
            "persona": personas.get(cell.persona_id or 0, _("No persona")),
            "sector": cell.get_sector_display(),
            "stage": stage_name(cell.stage),
            "cell": cell,
            "participant_rate": _rate(cell.participants_moved, cell.participants),
            "comparison_rate": _rate(cell.comparison_moved, cell.comparison),
        }
        for cell in ImpactCohort.objects.filter(impact=impact).order_by("-participants", "id")
    ]
    context = {
        "impact": impact,
        "item": impact.item,
        "heading": heading,
        "lift": lift_text(impact.lift),
        "satisfaction_change": change_text(impact.satisfaction_change),
        "initiatives": ImpactInitiative.objects.filter(items)
        .select_related("initiative")
        .order_by("initiative__starts_at", "initiative__title"),
        "reach": _reach(impact),
        "cohorts": cohorts,
        "jobs": ImpactJob.objects.filter(items)
        .select_related("job__persona", "impact__item__opportunity")
        .order_by("impact__item__start_month", "job__persona__name", "job_id"),
        "ideas": Idea.objects.filter(ideas).order_by("-created_at", "-id")[:50],
        "outcomes": _outcomes(request, impact),
        "minimum": MIN_GROUP,
        "minimum_organisations": MIN_ORGANISATIONS,
        "window": WINDOW_DAYS,
        "refresh": panels.latest_refresh(),
    }
    return render(request, "analytics/impact_item.html", context)


IMPACT_RELATED = ("item__opportunity", "horizon", "roadmap")


@require_GET
@dashboards_required
def impact_item(request: HttpRequest, pk: int) -> HttpResponse:
    rows = RoadmapImpact.objects.filter(scope=ImpactScope.ITEM, item_id=pk).select_related(*IMPACT_RELATED)
    return _evidence(request, rows.first())


@require_GET
@dashboards_required
def impact_horizon(request: HttpRequest, pk: int) -> HttpResponse:
    rows = RoadmapImpact.objects.filter(scope=ImpactScope.HORIZON, horizon_id=pk).select_related(*IMPACT_RELATED)
    return _evidence(request, rows.first())


@require_GET
@dashboards_required
def impact_roadmap(request: HttpRequest, pk: int) -> HttpResponse:
    rows = RoadmapImpact.objects.filter(scope=ImpactScope.ROADMAP, roadmap_id=pk).select_related(*IMPACT_RELATED)
    return _evidence(request, rows.first())


def _quarter(text: str, today: date) -> tuple[date, date, str]:
    """A quarter given as 2026-Q3 (default: the last full quarter), as its first and last days and its name."""
    try:
        year_text, quarter_text = text.upper().split("-Q")
        year, quarter = int(year_text), int(quarter_text)
        if not 1 <= quarter <= 4 or not 2000 <= year <= 2100:
            raise ValueError(text)
    except ValueError:
        current = (today.month - 1) // 3 + 1
        year, quarter = (today.year, current - 1) if current > 1 else (today.year - 1, 4)
    start = date(year, 3 * quarter - 2, 1)
    end = date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1)
    return start, date.fromordinal(end.toordinal() - 1), f"{year}-Q{quarter}"


@require_GET
@dashboards_required
def board_pack(request: HttpRequest) -> HttpResponse:
    """The quarterly board pack: a printable page (its PDF is the browser's print)."""
    start, end, name = _quarter(request.GET.get("quarter", ""), timezone.now().astimezone(UTC).date())
    filters = panels.Filters(start=start, end=end)
    refresh = panels.latest_refresh()
    figures = panels.panels_data_as_of(["headline", "roadmap", "outcomes"], filters, refresh=refresh)
    roadmap = latest_roadmap()
    rows = impact_rows(roadmap)
    context = {
        "quarter": name,
        "filters": filters,
        "refresh": refresh,
        "headline": figures["headline"],
        "progress": figures["roadmap"],
        "outcomes": figures["outcomes"],
        "roadmap": roadmap,
        "items": [row for row in rows if row.impact.scope == ImpactScope.ITEM],
        "totals": [row for row in rows if row.impact.scope != ImpactScope.ITEM],
        "coverage": coverage_against_targets(start=start, end=end),
        "minimum": MIN_GROUP,
    }
    return render(request, "analytics/board_pack.html", context)
