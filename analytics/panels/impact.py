"""Roadmap impact: one row per item of the latest roadmap (then its horizons and the roadmap as a whole), read from the
impact roll-up (`analytics.impact`) in two queries whatever the number of items and members.

The period, sector, persona and country filters do not apply: impact is counted over each item's whole life.
"""

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import F
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from analytics.impact import MIN_GROUP, WINDOW_DAYS
from analytics.models import ImpactReach, ImpactScope, ReachDimension, RoadmapImpact
from analytics.panels.base import Filters, Panel
from outcomes.selectors import MIN_ORGANISATIONS, bucket
from personas.models import Persona
from roadmap.models import Roadmap

REACH_SHOWN = 3  # personas named in the row; the item's page lists them all


@dataclass
class ImpactRow:
    impact: RoadmapImpact
    label: str
    status: str
    reach: list[tuple[str, int]]

    @property
    def lift_text(self) -> str:
        return lift_text(self.impact.lift)

    @property
    def reach_text(self) -> str:
        shown = [f"{name} {count}" for name, count in self.reach[:REACH_SHOWN]]
        if len(self.reach) > REACH_SHOWN:
            shown.append(_("%(count)d more") % {"count": len(self.reach) - REACH_SHOWN})
        return " · ".join(shown)


def lift_text(lift: float | None) -> str:
    if lift is None:
        return _("not enough data")
    return _("%(sign)s%(points)s points") % {
        "sign": "+" if lift > 0 else "",
        "points": number_format(lift, decimal_pos=1),
    }


def change_text(change: float | None) -> str:
    if change is None:
        return "–"
    return f"{'+' if change > 0 else ''}{number_format(change, decimal_pos=1)}"


def latest_roadmap() -> Roadmap | None:
    """The one the roadmap progress panel shows: the latest published, else the latest drafted (one query)."""
    return Roadmap.objects.order_by(F("published_at").desc(nulls_last=True), "-first_month", "-id").first()


def impact_rows(roadmap: Roadmap | None) -> list[ImpactRow]:
    """The roadmap's items in order, then its horizons, then the roadmap itself (two queries)."""
    if roadmap is None:
        return []
    impacts = list(
        RoadmapImpact.objects.filter(roadmap=roadmap)
        .select_related("item__opportunity", "horizon")
        .order_by("scope", "horizon__start_month", "item__start_month", "item__id")
    )
    reach: dict[int, list[tuple[str, int]]] = defaultdict(list)
    personas = {str(pk): name for pk, name in Persona.objects.values_list("pk", "name")}
    for impact_id, value, members in (
        ImpactReach.objects.filter(impact__roadmap=roadmap, dimension=ReachDimension.PERSONA)
        .order_by("-members", "value")
        .values_list("impact_id", "value", "members")
    ):
        reach[impact_id].append((personas.get(value, _("No persona")), members))
    order = {ImpactScope.ITEM: 0, ImpactScope.HORIZON: 1, ImpactScope.ROADMAP: 2}
    impacts.sort(key=lambda i: order[ImpactScope(i.scope)])
    rows = []
    for impact in impacts:
        if impact.scope == ImpactScope.ITEM and impact.item is not None:
            label, status = str(impact.item.opportunity), impact.item.get_status_display()
        elif impact.scope == ImpactScope.HORIZON and impact.horizon is not None:
            label, status = _("Horizon: %(name)s") % {"name": impact.horizon.name}, ""
        else:
            label, status = _("The whole roadmap"), ""
        rows.append(ImpactRow(impact=impact, label=label, status=status, reach=reach[impact.pk]))
    return rows


def impact_columns() -> list[str]:
    return [
        _("Roadmap item"),
        _("Status"),
        _("Initiatives"),
        _("Members taking part"),
        _("Organisations"),
        _("Reach by persona"),
        _("Contributions"),
        _("Moved up (participants, %)"),
        _("Moved up (comparison, %)"),
        _("Engagement lift"),
        _("Jobs served"),
        _("Satisfaction change"),
        _("Votes"),
        _("Ideas answered"),
        _("Red flags and sets with outcomes"),
        _("Outcome reports"),
    ]


def impact_cells(row: ImpactRow) -> list[Any]:
    impact = row.impact
    return [
        row.label,
        row.status,
        impact.initiatives,
        impact.members,
        impact.organisations,
        row.reach_text,
        impact.contributions,
        impact.participant_rate,
        impact.comparison_rate,
        row.lift_text,
        impact.jobs,
        change_text(impact.satisfaction_change),
        impact.votes,
        impact.ideas,
        impact.outcome_subjects,
        bucket(impact.outcome_reports) if impact.outcome_reports else 0,
    ]


def impact_notes() -> list[str]:
    return [
        _(
            "Engagement lift: the share of participants whose next change of stage within %(days)d days of joining "
            "went up, minus that share among members who did not take part with the same persona, sector and stage "
            "at the start. Under %(minimum)d members on either side it reads “not enough data”."
        )
        % {"days": WINDOW_DAYS, "minimum": MIN_GROUP},
        _(
            "Satisfaction change: on the 0–10 scale, the latest survey after the item was done minus the latest "
            "before, averaged over its jobs."
        ),
        _("Outcomes count red flags and indicator sets reported on by %(minimum)d or more organisations.")
        % {"minimum": MIN_ORGANISATIONS},
        _("The filters do not apply: impact is counted over each item's whole life."),
    ]


def roadmap_impact(filters: Filters) -> Panel:
    """The impact table of the latest roadmap."""
    rows = impact_rows(latest_roadmap())
    return Panel(
        title=_("Roadmap impact"),
        columns=impact_columns(),
        rows=[impact_cells(row) for row in rows],
        notes=impact_notes(),
    )
