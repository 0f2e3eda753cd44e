"""Demo strategy studio: an ideation session, its opportunities, two prioritisation models with ratings and a
published 18-month roadmap that started three months ago, for `manage.py seed_demo`."""

import random
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from core.demo_files import demo_csv_rows
from members.models import User
from personas.models import JobToBeDone, Persona
from roadmap.models import (
    Criterion,
    CriterionRole,
    CriterionSource,
    Direction,
    Formula,
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

# (title, description, effort in person-weeks, jobs served as (persona index, job index))
OPPORTUNITIES = [
    (
        "Red-flag library for illicit massage businesses",
        "Curated, searchable financial red flags of the IMB typology, with examples.",
        12,
        [(0, 0), (0, 3), (3, 3)],
    ),
    (
        "Cross-sector case-sharing forum",
        "A vetted space where banks, police and prosecutors discuss live typologies under clear rules.",
        16,
        [(1, 0), (1, 2), (4, 3)],
    ),
    (
        "Typology training for frontline analysts",
        "A short course on trafficking typologies and their transaction patterns.",
        8,
        [(0, 0), (3, 3)],
    ),
    (
        "SAR writing guide with investigator keywords",
        "How to write reports investigators can find and use, with worked examples.",
        4,
        [(0, 1)],
    ),
    (
        "Case-outcome feedback loop",
        "Anonymised outcomes of cases that began with member reports, sent back to the filers.",
        10,
        [(0, 2), (4, 0)],
    ),
    (
        "Bank liaison directory for investigators",
        "Named financial-crime contacts at each member bank, kept current.",
        4,
        [(1, 0)],
    ),
    (
        "Standard format for production-order returns",
        "A common layout for bank records returned to law enforcement.",
        14,
        [(1, 1)],
    ),
    (
        "International counterpart network",
        "Trusted contacts across borders for cases that leave the country.",
        12,
        [(1, 2)],
    ),
    (
        "Financial-evidence exhibit templates",
        "Tested court exhibits that show flows clearly to a jury.",
        6,
        [(2, 1), (1, 3)],
    ),
    (
        "Prosecutors' case library",
        "Summaries of charging decisions and filings from trafficking cases with financial counts.",
        8,
        [(2, 0), (2, 2)],
    ),
    (
        "Asset forfeiture for restitution playbook",
        "From identified assets to money returned to survivors.",
        6,
        [(2, 3)],
    ),
    (
        "Survivor-friendly account opening programme",
        "Member banks commit to onboarding survivors quickly with NGO referral.",
        10,
        [(3, 0)],
    ),
    (
        "Coerced-debt relief protocol",
        "A route for survivors to have coerced debt recognised and cleared.",
        12,
        [(3, 1)],
    ),
    (
        "Safe referral channel from NGOs to investigators",
        "A secure way for NGOs to pass indicators to law enforcement.",
        10,
        [(3, 2)],
    ),
    (
        "Board-level outcomes dashboard",
        "Metrics that show what anti-trafficking work achieves, beyond alert counts.",
        8,
        [(4, 0)],
    ),
    ("Peer benchmarking survey", "Yearly benchmark of detection approaches across member banks.", 6, [(4, 1)]),
    (
        "Regulatory guidance digest",
        "Plain-language summaries of new guidance and the controls it implies.",
        4,
        [(4, 2)],
    ),
    ("Data-sharing safe-harbour guide", "What the law allows banks to share with each other, and how.", 6, [(4, 3)]),
    ("Typology validation panel", "Practitioners test new research indicators before publication.", 6, [(5, 0)]),
    ("Research-to-practice briefs", "Two-page briefs turning research into monitoring rules.", 4, [(5, 1)]),
    (
        "Synthetic transaction dataset for testing rules",
        "A realistic, fully synthetic dataset members can test detection rules on.",
        20,
        [(0, 3), (5, 0)],
    ),
    ("Red-flag scoring by members", "Members rate how observable and useful each red flag is.", 6, [(0, 0)]),
    ("Annual Knoble summit", "The network meets once a year across sectors.", 14, [(4, 1), (1, 2)]),
    ("Mobile alert-triage checklist", "A pocket checklist for analysts working IMB alerts.", 2, [(0, 0)]),
    ("Translation of materials into Spanish and French", "Core guides in the network's main languages.", 8, [(3, 3)]),
    ("Public awareness campaign", "A campaign for the general public about trafficking finance.", 16, []),
]

# Depends on: (opportunity, the opportunity it builds on)
DEPENDENCIES = [
    ("Typology training for frontline analysts", "Red-flag library for illicit massage businesses"),
    ("Red-flag scoring by members", "Red-flag library for illicit massage businesses"),
    ("Case-outcome feedback loop", "Cross-sector case-sharing forum"),
    ("Prosecutors' case library", "Financial-evidence exhibit templates"),
    ("Synthetic transaction dataset for testing rules", "Data-sharing safe-harbour guide"),
]

# The roadmap as first published: (title, start month, end month, status)
PLACEMENTS = [
    ("Red-flag library for illicit massage businesses", 1, 3, ItemStatus.DONE),
    ("Bank liaison directory for investigators", 1, 2, ItemStatus.DONE),
    ("SAR writing guide with investigator keywords", 2, 3, ItemStatus.DONE),
    ("Cross-sector case-sharing forum", 2, 6, ItemStatus.IN_PROGRESS),
    ("Typology training for frontline analysts", 4, 6, ItemStatus.IN_PROGRESS),
    ("Survivor-friendly account opening programme", 3, 6, ItemStatus.AT_RISK),
    ("Financial-evidence exhibit templates", 5, 7, ItemStatus.PLANNED),
    ("Case-outcome feedback loop", 7, 10, ItemStatus.PLANNED),
    ("Data-sharing safe-harbour guide", 7, 8, ItemStatus.PLANNED),
    ("Prosecutors' case library", 9, 11, ItemStatus.PLANNED),
    ("Red-flag scoring by members", 8, 9, ItemStatus.PLANNED),
    ("Safe referral channel from NGOs to investigators", 10, 12, ItemStatus.PLANNED),
    ("Synthetic transaction dataset for testing rules", 13, 17, ItemStatus.PLANNED),
    ("International counterpart network", 13, 16, ItemStatus.PLANNED),
    ("Board-level outcomes dashboard", 15, 18, ItemStatus.PLANNED),
]
SHORTLISTED = [
    "Coerced-debt relief protocol",
    "Asset forfeiture for restitution playbook",
    "Regulatory guidance digest",
    "Typology validation panel",
    "Mobile alert-triage checklist",
]
PARKED = ["Annual Knoble summit", "Standard format for production-order returns"]
REJECTED = ["Public awareness campaign"]

# (name, weight, direction, (scale min, scale max), role, source)
CriterionSpec = tuple[str, int, str, tuple[int, int], str, str]
MEMBER_VALUE_CRITERIA: list[CriterionSpec] = [
    ("Unmet member need", 3, Direction.BENEFIT, (0, 20), "", CriterionSource.JOBS),
    ("Reach across sectors", 2, Direction.BENEFIT, (0, 10), "", CriterionSource.RATED),
    ("Disruption of trafficking finance", 3, Direction.BENEFIT, (0, 10), "", CriterionSource.RATED),
    ("Benefit to survivors", 1, Direction.BENEFIT, (0, 10), "", CriterionSource.RATED),
    ("Delivery effort", 2, Direction.COST, (0, 10), "", CriterionSource.RATED),
    ("Legal and data-sharing risk", 1, Direction.COST, (0, 10), "", CriterionSource.RATED),
]
RICE_CRITERIA: list[CriterionSpec] = [
    ("Reach (member organisations a year)", 1, Direction.BENEFIT, (0, 200), CriterionRole.REACH, CriterionSource.RATED),
    ("Impact", 1, Direction.BENEFIT, (0, 3), CriterionRole.IMPACT, CriterionSource.RATED),
    ("Confidence (%)", 1, Direction.BENEFIT, (0, 100), CriterionRole.CONFIDENCE, CriterionSource.RATED),
]


def demo_first_month(today: date) -> date:
    """The first of the month three months ago, so the demo roadmap is under way."""
    return month_date(today.replace(day=1), -2)


def _model(
    name: str, formula: str, description: str, criteria: list[CriterionSpec]
) -> tuple[PrioritisationModel, list[Criterion]]:
    model, _ = PrioritisationModel.objects.get_or_create(
        name=name, defaults={"formula": formula, "description": description}
    )
    saved = []
    for position, (criterion_name, weight, direction, (low, high), role, source) in enumerate(criteria):
        criterion, _ = Criterion.objects.get_or_create(
            model=model,
            name=criterion_name,
            defaults={
                "weight": Decimal(weight),
                "direction": direction,
                "scale_min": Decimal(low),
                "scale_max": Decimal(high),
                "role": role,
                "source": source,
                "position": position,
            },
        )
        saved.append(criterion)
    return model, saved


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
    # An opportunity names the jobs it serves as (persona, job) positions in the personas' demo files.
    persona_names = [row["name"] for row in demo_csv_rows("personas/personas.csv")]
    jobs: dict[tuple[int, int], JobToBeDone] = {}
    jobs_of = [0] * len(persona_names)
    for row in demo_csv_rows("personas/jobs.csv"):
        persona_index = persona_names.index(row["persona"])
        job = JobToBeDone.objects.get(persona__name=row["persona"], situation=row["situation"])
        jobs[(persona_index, jobs_of[persona_index])] = job
        jobs_of[persona_index] += 1

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

    opportunities = {}
    for title, description, effort, served in OPPORTUNITIES:
        opportunity, created = Opportunity.objects.get_or_create(
            title=title,
            defaults={"session": session, "description": description, "effort_weeks": Decimal(effort), "owner": staff},
        )
        if created:
            opportunity.jobs.set([jobs[key] for key in served])
        opportunities[title] = opportunity
    for title, builds_on in DEPENDENCIES:
        opportunities[title].depends_on.add(opportunities[builds_on])
    for titles, status in ((SHORTLISTED, OpportunityStatus.SHORTLISTED), (PARKED, OpportunityStatus.PARKED)):
        Opportunity.objects.filter(title__in=titles, status=OpportunityStatus.IDEA).update(status=status)
    Opportunity.objects.filter(title__in=REJECTED, status=OpportunityStatus.IDEA).update(
        status=OpportunityStatus.REJECTED
    )

    _, value_criteria = _model(
        "Knoble member value",
        Formula.WEIGHTED,
        "Our bespoke model: unmet member needs (from the jobs) and disruption of trafficking finance weigh most.",
        MEMBER_VALUE_CRITERIA,
    )
    _, rice_criteria = _model(
        "RICE", Formula.RICE, "Classic RICE, with effort taken from each opportunity's estimate.", RICE_CRITERIA
    )
    # Staff rated what they had placed first highest; the jitter keeps the two models from agreeing exactly.
    priority_order = [title for title, *_ in PLACEMENTS] + SHORTLISTED + [title for title, *_ in OPPORTUNITIES]
    for opportunity in opportunities.values():
        if opportunity.title in REJECTED:
            continue  # rejected before anyone rated it
        priority = 1 - priority_order.index(opportunity.title) / len(OPPORTUNITIES)
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
        _build_roadmap(first_month, staff, opportunities)
    return []


def _build_roadmap(first_month: date, staff: User | None, opportunities: dict[str, Opportunity]) -> None:
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
    for title, start, end, status in PLACEMENTS:
        opportunity = opportunities[title]
        dependencies = [items[t] for t in opportunity.depends_on.values_list("title", flat=True) if t in items]
        items[title] = roadmap_item_place(
            roadmap=roadmap,
            opportunity=opportunity,
            start_month=start,
            end_month=end,
            owner=staff,
            status=status,
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
