"""The category catalogue, the Illicit Massage Business (IMB) map and its red flags, for `manage.py seed_demo`.

Facts, patterns and red flags are restated from public sources named with each red flag (see
`docs/domain/imb-ecosystem.md`); as that page says, check a red flag against its source before it is shown to
members as fact. Sources are named, not linked: the brief gives no checked address for most of them.
"""

import random
from datetime import timedelta
from typing import Any

from django.utils import timezone
from django.utils.text import slugify

from ecosystem.models import (
    Actor,
    ActorKind,
    CategoryStatus,
    Confidence,
    Direction,
    FinancialFlow,
    Instrument,
    ObservingSector,
    RedFlag,
    Stage,
    Suggestion,
    SuggestionKind,
    SuggestionStatus,
    TraffickingCategory,
)
from ecosystem.services import red_flag_create, red_flag_publish
from members.models import Member, User
from personas.models import Persona, Sector

TYPOLOGY = "Polaris Project, The Typology of Modern Slavery (March 2017)"
POLARIS_IMB = "Polaris Project, Human Trafficking in Illicit Massage Businesses (2018)"
HIDDEN = "Polaris Project, Hidden in Plain Sight: How Corporate Secrecy Facilitates Human Trafficking (2018)"
FIN_2014 = "FinCEN Advisory FIN-2014-A008, Financial Red Flags (11 September 2014)"
FIN_2020 = "FinCEN Advisory FIN-2020-A008, Supplemental Advisory on Human Trafficking (15 October 2020)"
FATF = "FATF and APG, Financial Flows from Human Trafficking (July 2018)"

# Polaris's 25 types, in Polaris's order. IMB is mapped; two more are being mapped.
CATEGORIES = [
    "Escort services",
    "Illicit massage, health and beauty",
    "Outdoor solicitation",
    "Residential (brothels in private homes)",
    "Domestic work",
    "Bars, strip clubs and cantinas",
    "Pornography",
    "Travelling sales crews",
    "Restaurants and food service",
    "Peddling and begging",
    "Agriculture and animal husbandry",
    "Personal sexual servitude",
    "Health and beauty services",
    "Construction",
    "Hotels and hospitality",
    "Landscaping",
    "Illicit activities",
    "Arts and entertainment",
    "Commercial cleaning services",
    "Factories and manufacturing",
    "Remote interactive sexual acts",
    "Carnivals",
    "Forestry and logging",
    "Health care",
    "Recreational facilities",
]
IMB = "Illicit massage, health and beauty"
IN_PROGRESS = {"Escort services", "Health and beauty services"}
IMB_SLUG = "illicit-massage-businesses"
IMB_SUMMARY = (
    "Storefronts presenting as massage or spa businesses, most belonging to networks in which one to three "
    "people own several businesses at once. Polaris found more than 9,000 such businesses across every US "
    "state, with revenue of about $2.5 billion a year; it was the second most common type among more than "
    "32,000 hotline cases (Polaris, 2018)."
)

STAGES = [
    (
        "Recruitment",
        "Mostly women from China and South Korea in their mid-thirties to late fifties, recently arrived, in debt "
        "or under financial pressure, with little English, recruited through job ads and personal networks with "
        "promises of legitimate work (Polaris 2018).",
    ),
    (
        "Transport",
        "Travel, visas and lodging arranged and paid by the network; the cost becomes a debt (Polaris 2018).",
    ),
    (
        "Exploitation",
        "Control by debt, isolation, language barriers, living on the premises, shame and fear of the police, and "
        "rotation between the network's locations; long opening hours seven days a week (Polaris 2018).",
    ),
    ("Revenue", "Buyers found through advertising and review boards pay in cash and by card (Polaris 2018)."),
    (
        "Laundering",
        "Cash deposited in structured amounts, commingled with legitimate revenue, moved through front companies, "
        "real estate and casinos (FATF/APG 2018; FinCEN FIN-2020-A008).",
    ),
    (
        "Repatriation",
        "Proceeds sent to organisers in source countries through money transmitters, cash couriers and wires "
        "(FATF/APG 2018; FinCEN FIN-2020-A008).",
    ),
]

# name, kind, stage, description
ACTORS = [
    ("Recruiters and brokers", ActorKind.RECRUITER, "Recruitment", "Find workers through job ads and networks."),
    ("Recruited women", ActorKind.VICTIM, "Recruitment", "Victims: recruited with promises of legitimate work."),
    ("Transporters", ActorKind.TRANSPORTER, "Transport", "Arrange travel, visas and lodging for the network."),
    ("On-site operator", ActorKind.OPERATOR, "Exploitation", "Manages the storefront, the workers and the cash."),
    ("Landlords and property owners", ActorKind.LANDLORD, "Exploitation", "Rent storefronts and housing."),
    ("Advertising and review sites", ActorKind.ADVERTISER, "Exploitation", "Where buyers find the business."),
    ("Sex buyers", ActorKind.BUYER, "Revenue", "Pay in cash and by card."),
    ("Massage storefront", ActorKind.FRONT_BUSINESS, "Revenue", "A registered business presenting as a spa."),
    ("Card processor or acquirer", ActorKind.PAYMENT_PROCESSOR, "Revenue", "Takes the storefront's card payments."),
    ("Business bank account", ActorKind.BANK, "Revenue", "The storefront's account at a bank or credit union."),
    ("Funnel account holders", ActorKind.MONEY_MULE, "Laundering", "Accounts fed with cash in many places."),
    (
        "Nominee owners and shell companies",
        ActorKind.FRONT_BUSINESS,
        "Laundering",
        "Owners, addresses and phone numbers that recur across storefronts; frequent re-registration.",
    ),
    ("Company formation agents", ActorKind.FACILITATOR, "Laundering", "Accountants who set companies up."),
    ("Money transmitters and cash couriers", ActorKind.MONEY_SERVICES, "Repatriation", "Move money abroad."),
    ("Organisers abroad", ActorKind.ORGANISER, "Repatriation", "The network's organisers in source countries."),
]

# label, from, to, instrument, direction, stage, typical pattern
FLOWS = [
    (
        "Travel and visa costs",
        "Recruiters and brokers",
        "Transporters",
        Instrument.MONEY_TRANSFER,
        Direction.OUTBOUND,
        "Transport",
        "Travel, visas and lodging paid for several unrelated people; the cost becomes the worker's debt.",
    ),
    (
        "Debt repayments",
        "Recruited women",
        "On-site operator",
        Instrument.CASH,
        Direction.DOMESTIC,
        "Exploitation",
        "Earnings withheld against the travel debt and recruitment fees.",
    ),
    (
        "Rent for storefront and housing",
        "On-site operator",
        "Landlords and property owners",
        Instrument.CASH,
        Direction.DOMESTIC,
        "Exploitation",
        "One payer covers several residential units or hotel rooms.",
    ),
    (
        "Advertising fees",
        "On-site operator",
        "Advertising and review sites",
        Instrument.CARD,
        Direction.OUTBOUND,
        "Exploitation",
        "Payments to adult advertising and foreign classified sites, often by prepaid card.",
    ),
    (
        "Virtual-currency ad payments",
        "On-site operator",
        "Advertising and review sites",
        Instrument.CRYPTO,
        Direction.OUTBOUND,
        "Exploitation",
        "Virtual currency used where card payments to ad sites are refused.",
    ),
    (
        "Cash takings",
        "Sex buyers",
        "Massage storefront",
        Instrument.CASH,
        Direction.DOMESTIC,
        "Revenue",
        "Most revenue is cash, taken at all hours seven days a week.",
    ),
    (
        "Card takings",
        "Sex buyers",
        "Card processor or acquirer",
        Instrument.CARD,
        Direction.DOMESTIC,
        "Revenue",
        "Charges late at night, in round amounts, under a descriptor that does not say massage.",
    ),
    (
        "Card settlements",
        "Card processor or acquirer",
        "Business bank account",
        Instrument.CARD,
        Direction.DOMESTIC,
        "Revenue",
        "Settlements out of line with the size of the business, with no payroll going out.",
    ),
    (
        "Structured cash deposits",
        "On-site operator",
        "Business bank account",
        Instrument.CASH,
        Direction.DOMESTIC,
        "Laundering",
        "Deposits just below the reporting threshold, outside opening hours, in several branches.",
    ),
    (
        "Funnel deposits",
        "On-site operator",
        "Funnel account holders",
        Instrument.CASH,
        Direction.DOMESTIC,
        "Laundering",
        "Cash deposited in one city and withdrawn soon after in another.",
    ),
    (
        "Commingled revenue",
        "Business bank account",
        "Nominee owners and shell companies",
        Instrument.WIRE,
        Direction.DOMESTIC,
        "Laundering",
        "Proceeds mixed with legitimate revenue and moved between businesses sharing owners.",
    ),
    (
        "Company formation fees",
        "Nominee owners and shell companies",
        "Company formation agents",
        Instrument.WIRE,
        Direction.DOMESTIC,
        "Laundering",
        "Frequent registration and re-registration of storefront companies.",
    ),
    (
        "Property purchases",
        "Nominee owners and shell companies",
        "Landlords and property owners",
        Instrument.WIRE,
        Direction.DOMESTIC,
        "Laundering",
        "Real estate bought in the names of nominees.",
    ),
    (
        "Transfers to source countries",
        "Funnel account holders",
        "Money transmitters and cash couriers",
        Instrument.CASH,
        Direction.DOMESTIC,
        "Repatriation",
        "Several senders pay the same recipients abroad.",
    ),
    (
        "Remittances to organisers",
        "Money transmitters and cash couriers",
        "Organisers abroad",
        Instrument.MONEY_TRANSFER,
        Direction.OUTBOUND,
        "Repatriation",
        "Frequent transfers to source countries or high-risk jurisdictions.",
    ),
    (
        "Wires abroad",
        "Nominee owners and shell companies",
        "Organisers abroad",
        Instrument.WIRE,
        Direction.OUTBOUND,
        "Repatriation",
        "Wires from company accounts with no trade reason to the recipients' countries.",
    ),
]

BANK, MSB, CARDS = ObservingSector.BANK, ObservingSector.MONEY_SERVICES, ObservingSector.PAYMENT_PROCESSOR
POLICE, PROSECUTOR, NGO = ObservingSector.LAW_ENFORCEMENT, ObservingSector.PROSECUTOR, ObservingSector.NGO
HIGH, MEDIUM, LOW = Confidence.HIGH, Confidence.MEDIUM, Confidence.LOW

# (part kind, part name, indicator, source, sectors, confidence)
RED_FLAGS: list[tuple[str, str, str, str, list[str], str]] = [
    # Recruitment and transport
    (
        "stage",
        "Recruitment",
        "Job offers abroad for massage or spa work that advance travel and visa costs as a debt to be repaid "
        "from earnings.",
        POLARIS_IMB,
        [NGO, POLICE],
        MEDIUM,
    ),
    (
        "actor",
        "Recruiters and brokers",
        "Recruitment fees charged to workers, wage retention or visa fraud by the employer or a broker "
        "(exploitative employment practices).",
        FIN_2020,
        [BANK, POLICE, NGO],
        HIGH,
    ),
    (
        "flow",
        "Travel and visa costs",
        "A customer pays travel, visas or lodging for several unrelated people.",
        FIN_2014,
        [BANK, MSB, CARDS],
        HIGH,
    ),
    (
        "stage",
        "Transport",
        "Spending that covers other people's housing, transport, medical or food costs.",
        FIN_2020,
        [BANK, CARDS],
        MEDIUM,
    ),
    (
        "actor",
        "Recruited women",
        "A third party speaks for the customer at account opening or at every branch visit.",
        FIN_2014,
        [BANK, MSB],
        HIGH,
    ),
    (
        "actor",
        "Recruited women",
        "Someone other than the customer holds the customer's identity documents.",
        FIN_2014,
        [BANK, MSB, POLICE],
        HIGH,
    ),
    (
        "actor",
        "Recruited women",
        "A customer moves often between places, with frequent changes of address across cities.",
        FIN_2020,
        [BANK, POLICE],
        MEDIUM,
    ),
    (
        "actor",
        "Transporters",
        "One person opens accounts for many unrelated people or is the contact for all of them.",
        FIN_2014,
        [BANK],
        HIGH,
    ),
    # Exploitation
    (
        "stage",
        "Exploitation",
        "Several accounts of unrelated people share one address, phone number or e-mail.",
        FIN_2014,
        [BANK, MSB],
        HIGH,
    ),
    (
        "actor",
        "On-site operator",
        "Workers live on the business premises and rotate between locations of the same network.",
        POLARIS_IMB,
        [POLICE, NGO],
        MEDIUM,
    ),
    (
        "actor",
        "On-site operator",
        "Avoids transactions that need identification or that would trigger a report.",
        FIN_2020,
        [BANK, MSB],
        MEDIUM,
    ),
    (
        "flow",
        "Rent for storefront and housing",
        "One customer pays the rent of several residential units or hotel rooms.",
        FIN_2014,
        [BANK, CARDS],
        HIGH,
    ),
    (
        "flow",
        "Advertising fees",
        "Frequent payments to adult or escort advertising sites and foreign online classified sites.",
        FIN_2020,
        [BANK, CARDS],
        HIGH,
    ),
    (
        "flow",
        "Advertising fees",
        "Frequent purchases of prepaid cards, used to pay for advertising.",
        FIN_2020,
        [BANK, CARDS, MSB],
        MEDIUM,
    ),
    (
        "flow",
        "Virtual-currency ad payments",
        "Virtual currency sent to or received from dark-web markets.",
        FIN_2020,
        [BANK, MSB, POLICE],
        MEDIUM,
    ),
    (
        "actor",
        "Advertising and review sites",
        "The customer's phone number or e-mail appears in commercial-sex advertising.",
        FIN_2020,
        [BANK, POLICE, NGO],
        HIGH,
    ),
    (
        "actor",
        "Massage storefront",
        "A storefront open long hours seven days a week, its workers seldom seen leaving.",
        POLARIS_IMB,
        [POLICE, NGO],
        LOW,
    ),
    # Revenue
    (
        "flow",
        "Card takings",
        "Card transactions concentrated late at night or in the early morning.",
        FIN_2014,
        [CARDS, BANK],
        HIGH,
    ),
    ("flow", "Card takings", "Frequent charges in round amounts.", FIN_2014, [CARDS, BANK], MEDIUM),
    (
        "flow",
        "Card takings",
        "A merchant descriptor that does not match the business the customer says it runs.",
        FIN_2014,
        [CARDS, BANK],
        HIGH,
    ),
    (
        "flow",
        "Card settlements",
        "Card volume out of line with the size of the business.",
        FIN_2014,
        [BANK, CARDS],
        HIGH,
    ),
    (
        "actor",
        "Card processor or acquirer",
        "Third-party payment processors used so that it is unclear who pays whom.",
        FIN_2020,
        [BANK, CARDS],
        MEDIUM,
    ),
    (
        "actor",
        "Business bank account",
        "Business revenue with no payroll, tax or ordinary operating expenses going out.",
        FIN_2014,
        [BANK],
        HIGH,
    ),
    ("actor", "Business bank account", "Steady cash deposits with no payroll (ACH) payments.", FIN_2020, [BANK], HIGH),
    ("stage", "Revenue", "Frequent large cash withdrawals from a business account.", FIN_2014, [BANK], MEDIUM),
    # Laundering
    (
        "flow",
        "Structured cash deposits",
        "Cash deposits structured just below the reporting threshold.",
        FIN_2014,
        [BANK],
        HIGH,
    ),
    (
        "flow",
        "Structured cash deposits",
        "A business deposits cash outside its operating hours.",
        FIN_2020,
        [BANK],
        HIGH,
    ),
    (
        "flow",
        "Funnel deposits",
        "Cash deposited in several branches or cities on the same day.",
        FIN_2014,
        [BANK],
        HIGH,
    ),
    (
        "actor",
        "Funnel account holders",
        "Cash deposited below reporting thresholds in one place and withdrawn soon after in another (funnel account).",
        FIN_2020,
        [BANK, POLICE],
        HIGH,
    ),
    (
        "flow",
        "Commingled revenue",
        "Illicit proceeds mixed with the legitimate revenue of a front company.",
        FIN_2020,
        [BANK, PROSECUTOR],
        MEDIUM,
    ),
    (
        "actor",
        "Nominee owners and shell companies",
        "Several businesses with the same owner, address or phone number.",
        HIDDEN,
        [BANK, POLICE, PROSECUTOR],
        HIGH,
    ),
    (
        "actor",
        "Nominee owners and shell companies",
        "Ownership of the business changes often, or the company is re-registered often.",
        HIDDEN,
        [BANK, PROSECUTOR],
        MEDIUM,
    ),
    (
        "actor",
        "Nominee owners and shell companies",
        "In company registers, the same owners, addresses or phone numbers recur across several storefronts.",
        HIDDEN,
        [POLICE, PROSECUTOR, NGO],
        HIGH,
    ),
    (
        "actor",
        "Company formation agents",
        "Owners with no visible connection to the business they own (nominee owners).",
        HIDDEN,
        [BANK, PROSECUTOR],
        MEDIUM,
    ),
    (
        "flow",
        "Property purchases",
        "Proceeds used to buy real estate or spent in casinos.",
        FATF,
        [BANK, POLICE, PROSECUTOR],
        MEDIUM,
    ),
    # Repatriation
    (
        "flow",
        "Transfers to source countries",
        "Several senders send money to the same recipients abroad.",
        FIN_2014,
        [MSB],
        HIGH,
    ),
    (
        "flow",
        "Remittances to organisers",
        "Frequent transfers to source countries or high-risk jurisdictions.",
        FIN_2014,
        [MSB, BANK],
        HIGH,
    ),
    (
        "actor",
        "Money transmitters and cash couriers",
        "Money-services activity that does not fit the customer's profile.",
        FIN_2014,
        [MSB, BANK],
        MEDIUM,
    ),
    (
        "stage",
        "Repatriation",
        "Proceeds carried abroad by cash couriers or moved through money transmitters to organisers.",
        FATF,
        [MSB, POLICE],
        MEDIUM,
    ),
]

SUGGESTIONS = [
    (
        "member@example.org",
        SuggestionKind.NEW,
        "Laundering",
        None,
        "Cashier's cheques bought with cash at several branches and deposited into one storefront owner's "
        "personal account.",
        "Seen in two cases we referred last year; pattern matches the funnel-account typology.",
        SuggestionStatus.PENDING,
        "",
    ),
    (
        None,
        SuggestionKind.CHANGE,
        None,
        "Card transactions concentrated late at night or in the early morning.",
        "Add that the charges often cluster just before closing, when a legitimate spa would be quiet.",
        "Our acquiring team tunes a rule on exactly this.",
        SuggestionStatus.ACCEPTED,
        "Thank you: we will add it in the next revision after checking it against FIN-2020-A008.",
    ),
    (
        None,
        SuggestionKind.NEW,
        "Revenue",
        None,
        "Massage businesses that accept only cash.",
        "",
        SuggestionStatus.REJECTED,
        "Too common among legitimate small businesses to be a red flag on its own; combined with other "
        "indicators it is covered by the cash red flags.",
    ),
]


def _catalogue() -> TraffickingCategory:
    """The 25 types of Polaris's typology, in its order; returns the IMB category."""
    for order, name in enumerate(CATEGORIES, start=1):
        status = (
            CategoryStatus.MAPPED
            if name == IMB
            else CategoryStatus.IN_PROGRESS
            if name in IN_PROGRESS
            else CategoryStatus.NOT_STARTED
        )
        slug = IMB_SLUG if name == IMB else slugify(name)
        TraffickingCategory.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "status": status,
                "order": order,
                "summary": IMB_SUMMARY if name == IMB else f"Type {order} of 25 in Polaris's typology ({TYPOLOGY}).",
            },
        )
    return TraffickingCategory.objects.get(slug=IMB_SLUG)


def _imb_map(imb: TraffickingCategory) -> tuple[dict[str, Stage], dict[str, Actor], dict[str, FinancialFlow]]:
    stages = {}
    for order, (name, description) in enumerate(STAGES, start=1):
        stages[name], _ = Stage.objects.get_or_create(
            category=imb, name=name, defaults={"order": order, "description": description}
        )
    actors = {}
    for name, kind, stage, description in ACTORS:
        actors[name], _ = Actor.objects.get_or_create(
            category=imb, name=name, defaults={"kind": kind, "stage": stages[stage], "description": description}
        )
    flows = {}
    for label, source, target, instrument, direction, stage, pattern in FLOWS:
        flows[label], _ = FinancialFlow.objects.get_or_create(
            category=imb,
            label=label,
            defaults={
                "from_actor": actors[source],
                "to_actor": actors[target],
                "instrument": instrument,
                "direction": direction,
                "stage": stages[stage],
                "typical_pattern": pattern,
            },
        )
    return stages, actors, flows


def _personas_for(sectors: list[str]) -> list[Persona]:
    """Links red flags to the personas of the observing sectors, when the personas' demo data exists."""
    member_sectors: dict[str, Sector] = {
        BANK: Sector.FINANCIAL_INSTITUTION,
        MSB: Sector.FINANCIAL_INSTITUTION,
        CARDS: Sector.FINANCIAL_INSTITUTION,
        POLICE: Sector.LAW_ENFORCEMENT,
        PROSECUTOR: Sector.PROSECUTOR,
        NGO: Sector.NGO,
    }
    return list(Persona.objects.filter(sector__in={member_sectors[sector] for sector in sectors}).order_by("pk"))


def seed() -> list[tuple[str, str]]:
    """Idempotent: existing categories, parts, red flags and suggestions are left as they are."""
    rng = random.Random(20261209)
    imb = _catalogue()
    stages, actors, flows = _imb_map(imb)
    staff = User.objects.filter(is_staff=True).order_by("pk").first()
    parts: dict[str, dict[str, Any]] = {"stage": stages, "actor": actors, "flow": flows}
    for kind, name, indicator, source, sectors, confidence in RED_FLAGS:
        if RedFlag.objects.filter(category=imb, indicator=indicator).exists():
            continue
        red_flag = red_flag_create(
            **{kind: parts[kind][name]},
            indicator=indicator,
            source=source,
            confidence=confidence,
            sectors=sectors,
            personas=_personas_for(sectors),
        )
        if staff is not None:
            red_flag_publish(red_flag=red_flag, by=staff, reason="First published from the IMB research.")

    approved = list(Member.objects.approved().select_related("user").order_by("pk"))
    for email, kind, stage, flag_text, text, evidence, status, response in SUGGESTIONS:
        if not approved or Suggestion.objects.filter(text=text).exists():
            continue
        member = next((m for m in approved if m.user.email == email), None) or rng.choice(approved)
        decided = status != SuggestionStatus.PENDING
        Suggestion.objects.create(
            member=member,
            kind=kind,
            stage=stages[stage] if stage else None,
            red_flag=RedFlag.objects.filter(category=imb, indicator=flag_text).first() if flag_text else None,
            text=text,
            evidence=evidence,
            status=status,
            staff_response=response,
            decided_by=staff if decided else None,
            decided_at=timezone.now() - timedelta(days=rng.randint(1, 20)) if decided else None,
            outcome_emailed_at=timezone.now() if decided else None,
        )
    return []
