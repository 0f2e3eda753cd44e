"""Demo initiatives with participation and a waitlist, for `manage.py seed_demo` (after the members)."""

import random
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from ecosystem.demo import IMB_SLUG
from ecosystem.models import RedFlag, Stage
from initiatives.models import (
    EligibleSector,
    Initiative,
    InitiativeKind,
    InitiativeStatus,
    Participation,
    ParticipationRole,
    ParticipationStatus,
)
from members.models import Activity, Member, Notification, NotificationKind, Source, User, Verb
from personas.models import Persona, Sector
from roadmap.demo import ROADMAP_TITLE
from roadmap.models import RoadmapItem

FI, LE, PR, NGO, OTHER = (
    Sector.FINANCIAL_INSTITUTION,
    Sector.LAW_ENFORCEMENT,
    Sector.PROSECUTOR,
    Sector.NGO,
    Sector.OTHER,
)

# slug, title, kind, status, sectors (empty: all), capacity, starts in days, lasts days, online/place, summary,
# description. Dates are relative to the day the demo is loaded, so the portal always has something coming up.
INITIATIVES = [
    (
        "imb-red-flag-working-group",
        "Illicit massage business red-flag working group",
        InitiativeKind.WORKING_GROUP,
        InitiativeStatus.OPEN,
        [FI, LE],
        14,
        12,
        150,
        "",
        "Banks and investigators refine the red flags that reveal illicit massage businesses in account data.",
        "Monthly sessions over five months. We test the FinCEN FIN-2020-A008 indicators against anonymised "
        "account patterns — late-night card volume, revenue with no payroll, one customer paying rent for several "
        "units — and agree which combinations are worth a SAR.\n\n"
        "**Output:** a shared red-flag checklist for massage and spa business accounts.",
    ),
    (
        "typology-training-imb",
        "Typology training: the illicit massage business model",
        InitiativeKind.TRAINING,
        InitiativeStatus.OPEN,
        [],
        60,
        20,
        0,
        "",
        "Two hours on how IMB networks recruit, control and launder, and where that shows in financial data.",
        "Based on Polaris Project's research: networks of storefronts owned by a few people, debt-based control, "
        "cash commingled with legitimate revenue and sent abroad through money transmitters.",
    ),
    (
        "case-sharing-forum-pilot",
        "Cross-sector case-sharing forum pilot",
        InitiativeKind.DATA_SHARING_PILOT,
        InitiativeStatus.OPEN,
        [FI, LE, PR],
        6,
        30,
        90,
        "",
        "A closed forum where banks, police and prosecutors discuss live typologies under a shared protocol.",
        "Six places for the pilot, so that the information-sharing protocol can be tested closely. When it is "
        "full you may join the waitlist; places open up as organisations rotate.",
    ),
    (
        "survivor-informed-finance",
        "Survivor-informed finance training",
        InitiativeKind.TRAINING,
        InitiativeStatus.OPEN,
        [],
        40,
        25,
        0,
        "Toronto, Freedom Network Canada offices",
        "How banks can open and keep accounts for survivors: identification, debt, coerced credit and trust.",
        "Designed with survivor-services NGOs. Covers coerced debt, account access without standard ID and "
        "trauma-informed customer contact.",
    ),
    (
        "funnel-account-analytics",
        "Funnel account analytics sprint",
        InitiativeKind.DATA_SHARING_PILOT,
        InitiativeStatus.OPEN,
        [FI],
        10,
        18,
        30,
        "",
        "Four weeks to build detection rules for cash deposited in one city and withdrawn soon after in another.",
        "Financial-intelligence analysts pair up to test rules on synthetic data before taking them home.",
    ),
    (
        "prosecutors-financial-evidence",
        "Financial evidence in trafficking prosecutions",
        InitiativeKind.WORKING_GROUP,
        InitiativeStatus.OPEN,
        [PR, LE],
        20,
        35,
        120,
        "",
        "Prosecutors and detectives share how financial evidence was used to corroborate victim testimony.",
        "",
    ),
    (
        "annual-summit-2027",
        "Knoble annual summit",
        InitiativeKind.EVENT,
        InitiativeStatus.OPEN,
        [],
        None,
        75,
        1,
        "London, Guildhall",
        "The whole network for one day: results of the year's working groups, and what comes next.",
        "",
    ),
    (
        "sar-narrative-clinic",
        "SAR narrative clinic",
        InitiativeKind.TRAINING,
        InitiativeStatus.OPEN,
        [FI],
        8,
        9,
        0,
        "",
        "Bring an anonymised suspicious-activity report narrative; leave with one investigators can act on.",
        'Uses the key term "HUMAN TRAFFICKING FIN-2020-A008" and the structure FinCEN recommends.',
    ),
    (
        "red-flag-library",
        "Red-flag library for financial institutions",
        InitiativeKind.RESOURCE,
        InitiativeStatus.OPEN,
        [],
        None,
        None,
        None,
        "",
        "A living library of red flags by stage of the trafficking business, with sources.",
        "",
    ),
    (
        "payment-processor-roundtable",
        "Payment processor roundtable",
        InitiativeKind.EVENT,
        InitiativeStatus.CLOSED,
        [FI, OTHER],
        25,
        5,
        0,
        "",
        "Merchant acquirers and processors on merchant descriptors that do not match the business.",
        "",
    ),
    (
        "ngo-referral-pathways",
        "NGO referral pathways pilot",
        InitiativeKind.DATA_SHARING_PILOT,
        InitiativeStatus.COMPLETED,
        [NGO, LE],
        15,
        -120,
        60,
        "",
        "How law enforcement refers identified victims to services, and how NGOs flag financial abuse back.",
        "",
    ),
    (
        "crypto-typologies-briefing",
        "Virtual currency typologies briefing",
        InitiativeKind.EVENT,
        InitiativeStatus.DRAFT,
        [],
        50,
        100,
        0,
        "",
        "Dark-web market flows and prepaid cards: an upcoming briefing, not yet open.",
        "",
    ),
]
# What each demo initiative was launched from (an item of the demo roadmap, by its opportunity's title) and the
# stages and red flags of the IMB map it works on (by name and indicator, as the ecosystem demo writes them).
LAUNCHED_FROM = {
    "imb-red-flag-working-group": "Red-flag library for illicit massage businesses",
    "red-flag-library": "Red-flag library for illicit massage businesses",
    "typology-training-imb": "Typology training for frontline analysts",
    "case-sharing-forum-pilot": "Cross-sector case-sharing forum",
    "survivor-informed-finance": "Survivor-friendly account opening programme",
    "sar-narrative-clinic": "SAR writing guide with investigator keywords",
    "prosecutors-financial-evidence": "Financial-evidence exhibit templates",
    "ngo-referral-pathways": "Safe referral channel from NGOs to investigators",
    "funnel-account-analytics": "Synthetic transaction dataset for testing rules",
}
WORKS_ON_STAGES = {
    "imb-red-flag-working-group": ["Revenue", "Laundering"],
    "typology-training-imb": ["Recruitment", "Exploitation", "Laundering"],
    "funnel-account-analytics": ["Laundering"],
    "survivor-informed-finance": ["Exploitation"],
}
WORKS_ON_RED_FLAGS = {
    "imb-red-flag-working-group": [
        "Business revenue with no payroll, tax or ordinary operating expenses going out.",
        "Steady cash deposits with no payroll (ACH) payments.",
        "Frequent large cash withdrawals from a business account.",
        "A business deposits cash outside its operating hours.",
    ],
    "funnel-account-analytics": [
        "Cash deposited in several branches or cities on the same day.",
        "Cash deposits structured just below the reporting threshold.",
    ],
    "sar-narrative-clinic": ["Cash deposits structured just below the reporting threshold."],
}
MEMBER_EMAIL = "member@example.org"
# The demo member takes part in these two (and so sees them on the home page).
MEMBER_IN = {"imb-red-flag-working-group", "typology-training-imb"}
FULL_WITH_WAITLIST = "case-sharing-forum-pilot"


def _create(row: tuple[Any, ...], *, now: datetime, lead: User | None) -> Initiative:
    slug, title, kind, status, sectors, capacity, starts_in, lasts, place, summary, description = row
    starts_at = None if starts_in is None else (now + timedelta(days=starts_in)).replace(hour=15, minute=0, second=0)
    initiative, created = Initiative.objects.get_or_create(
        slug=slug,
        defaults={
            "title": title,
            "kind": kind,
            "status": status,
            "capacity": capacity,
            "summary": summary,
            "description": description,
            "lead": lead,
            "is_online": not place,
            "location": place,
            "starts_at": starts_at,
            "ends_at": None if starts_at is None else starts_at + timedelta(days=lasts, hours=2),
            "signup_closes_at": None if starts_at is None or starts_in < 0 else starts_at - timedelta(days=1),
        },
    )
    if created:
        EligibleSector.objects.bulk_create(EligibleSector(initiative=initiative, sector=s) for s in sectors)
    return initiative


def seed() -> list[tuple[str, str]]:
    rng = random.Random(20261126)
    now = timezone.now().replace(microsecond=0)
    lead = User.objects.filter(email="staff@example.org").first()
    members = list(Member.objects.approved().select_related("user", "organisation").order_by("user__email"))
    me = next((m for m in members if m.user.email == MEMBER_EMAIL), None)
    others = [m for m in members if m.user.email != MEMBER_EMAIL]
    for row in INITIATIVES:
        initiative = _create(row, now=now, lead=lead)
        sectors = row[4]
        initiative.target_personas.add(*Persona.objects.filter(sector__in=sectors or [FI]).order_by("pk")[:2])
        _link(initiative)
        if initiative.participations.exists() or initiative.status == InitiativeStatus.DRAFT:
            continue  # already seeded (idempotent), or nobody can join a draft
        eligible = [m for m in others if not sectors or (m.organisation and m.organisation.sector in sectors)]
        _seed_participation(initiative, eligible, me=me if initiative.slug in MEMBER_IN else None, rng=rng, now=now)
    return []


def _link(initiative: Initiative) -> None:
    """Idempotent: a link staff changed is kept; adding a stage or red flag again changes nothing."""
    if initiative.roadmap_item_id is None and (title := LAUNCHED_FROM.get(initiative.slug)):
        item = RoadmapItem.objects.filter(roadmap__title=ROADMAP_TITLE, opportunity__title=title).first()
        Initiative.objects.filter(pk=initiative.pk).update(roadmap_item=item)
    imb = {"category__slug": IMB_SLUG}
    initiative.stages.add(*Stage.objects.filter(**imb, name__in=WORKS_ON_STAGES.get(initiative.slug, [])))
    initiative.red_flags.add(*RedFlag.objects.filter(**imb, indicator__in=WORKS_ON_RED_FLAGS.get(initiative.slug, [])))


def _seed_participation(
    initiative: Initiative,
    eligible: list[Member],
    *,
    me: Member | None,
    rng: random.Random,
    now: datetime,
) -> None:
    capacity = initiative.capacity or 12
    if initiative.slug == FULL_WITH_WAITLIST:
        wanted = capacity + 3  # full, with three waiting
    else:
        wanted = min(capacity - 2, rng.randint(2, 8)) if capacity > 3 else 1
    chosen = rng.sample(eligible, min(wanted, len(eligible)))
    if me is not None:
        chosen = [me, *chosen[: max(capacity - 2, 1)]]
    rows, events = [], []
    for index, member in enumerate(chosen):
        asked = now - timedelta(days=30 - index % 30, hours=index)
        active = index < capacity
        rows.append(
            Participation(
                member=member,
                initiative=initiative,
                role=ParticipationRole.CO_LEAD if index == 1 else ParticipationRole.PARTICIPANT,
                status=ParticipationStatus.ACTIVE if active else ParticipationStatus.WAITLISTED,
                requested_at=asked,
                joined_at=asked if active else None,
            )
        )
        verb = Verb.INITIATIVE_JOINED if active else Verb.INITIATIVE_WAITLISTED
        events.append(Activity(member=member, verb=verb, subject=initiative, occurred_at=asked, source=Source.WEB))
    Participation.objects.bulk_create(rows)
    Activity.objects.bulk_create(events)
    if me is not None:
        Notification.objects.get_or_create(
            member=me,
            kind=NotificationKind.INITIATIVE_CHANGED,
            title=f"{initiative} has changed",
            defaults={
                "body": "Changed: start. Check the details and your calendar.",
                "url": initiative.get_absolute_url(),
            },
        )
