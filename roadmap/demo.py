"""Demo strategy studio: an ideation session, its opportunities, two prioritisation models with ratings and a
published 18-month roadmap that started three months ago, for `manage.py seed_demo`. The opportunities are
`demo/roadmap/opportunities.csv`, loaded through the staff importer; the models, dependencies and the
roadmap's placements are `demo/roadmap/roadmap.json`."""

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from core.demo_files import demo_csv_import, demo_csv_rows, demo_json
from members.models import User
from personas.models import JobToBeDone, Persona
from roadmap.csv_io import OPPORTUNITY_CSV
from roadmap.models import (
    Criterion,
    CriterionSource,
    Direction,
    IdeationSession,
    ItemStatus,
    Opportunity,
    OpportunityStatus,
    PrioritisationModel,
    Rating,
    Roadmap,
    RoadmapItem,
)
from roadmap.selectors import month_date
from roadmap.services import horizon_update, roadmap_create, roadmap_item_move, roadmap_item_place, roadmap_publish

ROADMAP_TITLE = "The Knoble 18-month roadmap"


def demo_first_month(today: date) -> date:
    """The first of the month three months ago, so the demo roadmap is under way."""
    return month_date(today.replace(day=1), -2)


def _model(spec: dict[str, Any]) -> list[Criterion]:
    model, _ = PrioritisationModel.objects.get_or_create(
        name=spec["name"], defaults={"formula": spec["formula"], "description": spec["description"]}
    )
    saved = []
    for position, row in enumerate(spec["criteria"]):
        criterion, _ = Criterion.objects.get_or_create(
            model=model,
            name=row["name"],
            defaults={
                "weight": Decimal(row["weight"]),
                "direction": row["direction"],
                "scale_min": Decimal(row["scale_min"]),
                "scale_max": Decimal(row["scale_max"]),
                "role": row["role"],
                "source": row["source"],
                "position": position,
            },
        )
        saved.append(criterion)
    return saved


def _demo_rating(criterion: Criterion, priority: float, effort: Decimal, rng: random.Random) -> Decimal:
    low, high = float(criterion.scale_min), float(criterion.scale_max)
    if criterion.name == "Delivery effort":
        share = min(float(effort) / 20, 1.0)
    elif criterion.direction == Direction.COST:
        share = rng.uniform(0.1, 0.5)
    else:
        share = min(max(0.3 + 0.6 * priority + rng.uniform(-0.12, 0.12), 0.0), 1.0)
    return Decimal(round(low + (high - low) * share))


def seed() -> list[tuple[str, str]]:
    """Idempotent: everything is found by its name; the roadmap is built only when it does not exist yet."""
    rng = random.Random(20261125)
    staff = User.objects.filter(email="staff@example.org").first()
    studio = demo_json("roadmap/roadmap.json")
    persona_names = [row["name"] for row in demo_csv_rows("personas/personas.csv")]

    today = timezone.localdate()
    first_month = demo_first_month(today)
    session, created = IdeationSession.objects.get_or_create(
        title="Member research synthesis workshop",
        defaults={
            "held_on": first_month - timedelta(days=40),
            "facilitator": staff,
            "notes": "Forty interviews across five sectors, turned into opportunities by staff and member volunteers.",
        },
    )
    if created:
        session.personas.set(Persona.objects.filter(name__in=persona_names))

    rows = demo_csv_rows("roadmap/opportunities.csv")
    existing = set(Opportunity.objects.values_list("title", flat=True))
    new = [_opportunity_row(row, session=session, staff=staff) for row in rows if row["title"] not in existing]
    demo_csv_import(csv_format=OPPORTUNITY_CSV, rows=new)
    opportunities = {row["title"]: Opportunity.objects.get(title=row["title"]) for row in rows}
    for dependency in studio["dependencies"]:
        opportunities[dependency["opportunity"]].depends_on.add(opportunities[dependency["builds_on"]])

    value_criteria, rice_criteria = (_model(spec) for spec in studio["models"])
    # Staff rated what they had placed first highest; the jitter keeps the two models from agreeing exactly.
    placed = [placement["opportunity"] for placement in studio["placements"]]
    priority_order = placed + studio["shortlist_priority"] + list(opportunities)
    for opportunity in opportunities.values():
        if opportunity.status == OpportunityStatus.REJECTED:
            continue  # rejected before anyone rated it
        priority = 1 - priority_order.index(opportunity.title) / len(opportunities)
        for criterion in [*value_criteria, *rice_criteria]:
            if criterion.source == CriterionSource.JOBS:
                continue
            if opportunity.title == "Mobile alert-triage checklist" and criterion.name == "Benefit to survivors":
                continue  # left unrated on purpose: the ranking shows it as unrated
            value = _demo_rating(criterion, priority, opportunity.effort_weeks, rng)
            Rating.objects.get_or_create(
                opportunity=opportunity, criterion=criterion, defaults={"value": value, "rated_by": staff}
            )

    if not Roadmap.objects.filter(title=ROADMAP_TITLE).exists():
        _build_roadmap(first_month, staff, opportunities, studio["placements"])
    return []


def _opportunity_row(row: dict[str, str], *, session: IdeationSession, staff: User | None) -> dict[str, str]:
    """A row of the demo file as the staff importer reads it: the jobs served, named in the file as
    "persona: situation", become their ids."""
    jobs = []
    for job in filter(None, row["jobs"].split("; ")):
        persona, situation = job.split(": ", 1)
        jobs.append(str(JobToBeDone.objects.get(persona__name=persona, situation=situation).pk))
    return {
        **row,
        "session": str(session.pk),
        "owner": staff.email if staff else "",
        "jobs": "; ".join(jobs),
    }


def _build_roadmap(
    first_month: date, staff: User | None, opportunities: dict[str, Opportunity], placements: list[dict[str, Any]]
) -> None:
    roadmap = roadmap_create(title=ROADMAP_TITLE, first_month=first_month, by=staff, capacity_weeks=Decimal(60))
    themes = {
        "Now": ("Equip the front line", Decimal(56)),
        "Next": ("Connect the sectors", Decimal(40)),
        "Later": ("Prove and scale impact", Decimal(50)),
    }
    for horizon in roadmap.horizons.all():
        theme, capacity = themes[horizon.name]
        horizon_update(horizon=horizon, theme=theme, capacity_weeks=capacity)
    items: dict[str, RoadmapItem] = {}
    for placement in placements:
        title = placement["opportunity"]
        opportunity = opportunities[title]
        dependencies = [items[t] for t in opportunity.depends_on.values_list("title", flat=True) if t in items]
        items[title] = roadmap_item_place(
            roadmap=roadmap,
            opportunity=opportunity,
            start_month=placement["start_month"],
            end_month=placement["end_month"],
            owner=staff,
            status=placement["status"],
            dependencies=dependencies,
        )
    roadmap_publish(roadmap=roadmap, by=staff, note="First published roadmap, after the member research.")
    # A quarter later: one item slipped and one started, published again so revisions can be compared.
    roadmap_item_move(item=items["Financial-evidence exhibit templates"], start_month=6, end_month=8)
    roadmap_item_move(item=items["Prosecutors' case library"], start_month=9, end_month=12)
    RoadmapItem.objects.filter(pk=items["Financial-evidence exhibit templates"].pk).update(
        status=ItemStatus.IN_PROGRESS
    )
    roadmap_publish(roadmap=roadmap, by=staff, note="Quarterly review: exhibit templates slipped a month.")
