"""Demo personas and their jobs-to-be-done from The Knoble's member research, for `manage.py seed_demo`."""

from decimal import Decimal

from personas.models import JobToBeDone, Persona, Sector

# (name, sector, summary, needs, pains, goals, quote, jobs: (situation, motivation, outcome, importance, satisfaction,
# interviews))
PERSONAS = [
    (
        "AML investigator at a regional bank",
        Sector.FINANCIAL_INSTITUTION,
        "Works the alert queue of a regional bank and writes the suspicious activity reports police read.",
        "Typologies that translate into transaction patterns; feedback on the reports filed.",
        "Alerts drowned in false positives; no idea whether a report ever helped a case.",
        "File fewer, better reports that lead to cases.",
        "We see the money, never the people. Tell us what trafficking looks like in a ledger.",
        [
            (
                "an alert fires on a cash-intensive massage business",
                "see the red flags of that typology",
                "decide quickly whether to escalate",
                9,
                3,
                14,
            ),
            (
                "I write a suspicious activity report",
                "use the words investigators search for",
                "make the report findable and usable",
                8,
                4,
                11,
            ),
            (
                "a case I reported goes quiet",
                "learn whether my report helped",
                "tune what I look for next time",
                7,
                1,
                9,
            ),
            (
                "a new typology appears in the news",
                "get a vetted summary of its financial footprint",
                "update our monitoring rules",
                8,
                5,
                7,
            ),
        ],
    ),
    (
        "Financial-crimes detective",
        Sector.LAW_ENFORCEMENT,
        "Builds the financial side of trafficking investigations for a metropolitan police force.",
        "Fast answers from banks; a contact at each institution; proceeds-tracing know-how.",
        "Production orders take weeks; every bank formats records differently.",
        "Follow the money fast enough to support arrests and asset seizure.",
        "By the time the records arrive, the money has moved twice.",
        [
            (
                "I open a trafficking case",
                "reach the right investigator at each bank",
                "get records before the money moves",
                10,
                3,
                12,
            ),
            (
                "bank records arrive in different formats",
                "load them into one structure",
                "trace flows across institutions",
                8,
                2,
                8,
            ),
            ("a lead crosses a border", "find a trusted counterpart abroad", "keep the financial trail alive", 7, 3, 6),
            (
                "I prepare a case for prosecution",
                "show the financial flows clearly",
                "make the money part of the story",
                8,
                5,
                5,
            ),
        ],
    ),
    (
        "Federal prosecutor",
        Sector.PROSECUTOR,
        "Prosecutes human-trafficking and money-laundering cases and decides which charges the evidence supports.",
        "Financial evidence that stands up in court; precedents from other districts.",
        "Juries struggle with financial evidence; survivors bear the weight of testimony.",
        "Use financial evidence to convict without relying only on survivor testimony.",
        "The money corroborates what the survivor says, and sometimes it can speak instead of her.",
        [
            (
                "I charge a trafficking case",
                "add money-laundering counts backed by the financial evidence",
                "hold the whole network to account",
                9,
                4,
                6,
            ),
            (
                "I present financial flows to a jury",
                "use clear, tested exhibits",
                "make the evidence persuasive",
                8,
                3,
                5,
            ),
            ("another district wins a similar case", "read their approach and filings", "reuse what worked", 7, 2, 4),
            ("assets are identified", "seek forfeiture for restitution", "return money to survivors", 8, 4, 4),
        ],
    ),
    (
        "Survivor-services lead at an NGO",
        Sector.NGO,
        "Runs a survivor-services programme and helps survivors rebuild their financial lives.",
        "Banks that will open accounts for survivors; safe referral routes.",
        "Survivors carry debts and credit records created by their traffickers.",
        "Financial independence for every survivor in the programme.",
        "Getting out is the first step; a bank account is the second, and it is often harder.",
        [
            (
                "a survivor needs a bank account",
                "know which member banks offer survivor-friendly onboarding",
                "open it this week, not in months",
                9,
                2,
                10,
            ),
            ("a survivor has coerced debt", "get it recognised and cleared", "restore their credit", 8, 2, 7),
            (
                "we spot signs of exploitation at a business",
                "pass them safely to investigators",
                "protect the people still inside",
                7,
                4,
                6,
            ),
            ("I train frontline staff", "use real financial indicators", "recognise victims earlier", 6, 5, 4),
        ],
    ),
    (
        "Chief compliance executive",
        Sector.FINANCIAL_INSTITUTION,
        "Owns financial-crime compliance at a large bank and answers to the board and the regulators.",
        "Evidence that the programme works; benchmarks against peers.",
        "Regulatory findings; costly tools that generate noise.",
        "A programme that finds real crime and shows it.",
        "I need to show the board outcomes, not alert counts.",
        [
            (
                "the board asks what our anti-trafficking work achieves",
                "show outcomes beyond alert counts",
                "justify the investment",
                8,
                3,
                5,
            ),
            (
                "peers adopt a new detection approach",
                "benchmark ours against them",
                "decide whether to follow",
                7,
                4,
                4,
            ),
            ("a regulator publishes new guidance", "translate it into controls", "stay ahead of findings", 8, 6, 5),
            (
                "we consider sharing data with other banks",
                "understand the legal safe harbours",
                "share without undue risk",
                9,
                3,
                6,
            ),
        ],
    ),
    (
        "Illicit-finance researcher",
        Sector.OTHER,
        "Studies how trafficking proceeds move and advises members on new typologies.",
        "Access to anonymised data; members who test findings in practice.",
        "Data locked in institutions; findings that never reach practitioners.",
        "Research that changes what investigators look for.",
        "The patterns are there, but nobody outside one bank can see them all.",
        [
            ("I map a new typology", "validate its indicators with practitioners", "publish something usable", 7, 3, 3),
            ("members ask for evidence", "share findings in a practical format", "see them adopted", 6, 4, 3),
        ],
    ),
]


def seed() -> list[tuple[str, str]]:
    """Idempotent: personas are found by name and jobs by persona and situation."""
    for name, sector, summary, needs, pains, goals, quote, jobs in PERSONAS:
        persona, _ = Persona.objects.get_or_create(
            name=name,
            defaults={
                "sector": sector,
                "summary": summary,
                "needs": needs,
                "pains": pains,
                "goals": goals,
                "quote": quote,
            },
        )
        for situation, motivation, outcome, importance, satisfaction, interviews in jobs:
            JobToBeDone.objects.get_or_create(
                persona=persona,
                situation=situation,
                defaults={
                    "motivation": motivation,
                    "outcome": outcome,
                    "importance": Decimal(importance),
                    "satisfaction": Decimal(satisfaction),
                    "interview_count": interviews,
                    "evidence_notes": f"Raised in {interviews} of the member research interviews.",
                },
            )
    return []
