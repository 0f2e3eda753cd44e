"""Coverage against the targets leadership sets per sector and country (`directory.CoverageTarget`): member
organisations and active members, and the gap to each target. Reads the directory's and members' tables directly
(small: one row per target) and the members of the targets' sectors and countries, not a roll-up: two queries,
one without targets."""

from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from analytics.panels.base import Chart, Filters, Panel
from directory.models import CoverageTarget
from engagement.models import LifecycleStage
from members.models import Member
from personas.models import Sector

# Stages of a member who is active now: activated and beyond, not dormant.
ACTIVE_STAGES = [LifecycleStage.ACTIVATED, LifecycleStage.ENGAGED, LifecycleStage.COLLABORATING]


def _reached(targets: list[CoverageTarget]) -> dict[tuple[str, str], tuple[int, int]]:
    """(sector, country) → (member organisations, active members), counted only among the organisations of the
    targets' sectors and countries: the approved members of the whole network are many more than the targets
    ask about, and with no target there is nothing to count."""
    if not targets:
        return {}
    members = Member.objects.filter(
        status=Member.Status.APPROVED,
        organisation__sector__in={target.sector for target in targets},
        organisation__country__in={str(target.country) for target in targets},
    )
    return {
        (row["organisation__sector"], row["organisation__country"]): (row["organisations"], row["active"])
        for row in members.values("organisation__sector", "organisation__country").annotate(
            organisations=Count("organisation", distinct=True),
            active=Count("pk", filter=Q(engagement__stage__in=ACTIVE_STAGES)),
        )
    }


def coverage(filters: Filters) -> Panel:
    """Each target with what is reached and the gap; the sector and country filters apply, the period does not
    (coverage is today's)."""
    wanted = CoverageTarget.objects.all()
    if filters.sector:
        wanted = wanted.filter(sector=filters.sector)
    if filters.country:
        wanted = wanted.filter(country=filters.country)
    targets = list(wanted)
    reached = _reached(targets)
    rows: list[list[Any]] = []
    for target in targets:
        key = (target.sector, str(target.country))
        orgs, members = reached.get(key, (0, 0))
        rows.append(
            [
                str(Sector(target.sector).label),
                str(target.country.name),
                target.organisations,
                orgs,
                max(target.organisations - orgs, 0),
                target.active_members,
                members,
                max(target.active_members - members, 0),
            ]
        )
    rows.sort(key=lambda row: (-(row[4] + row[7]), row[1], row[0]))
    return Panel(
        title=_("Coverage against targets, by sector and country"),
        columns=[
            _("Sector"),
            _("Country"),
            _("Target organisations"),
            _("Member organisations"),
            _("Organisations missing"),
            _("Target active members"),
            _("Active members"),
            _("Active members missing"),
        ],
        rows=rows,
        chart=Chart(
            kind="bar",
            labels=[f"{row[0]} · {row[1]}" for row in rows],
            datasets=[
                {"label": _("Member organisations"), "data": [row[3] for row in rows]},
                {"label": _("Organisations missing"), "data": [row[4] for row in rows]},
            ],
            stacked=True,
        ),
        notes=[
            _(
                "Largest gaps first. Leadership set the targets on the Coverage targets page "
                "(/directory/coverage-targets/)."
            )
        ],
    )
