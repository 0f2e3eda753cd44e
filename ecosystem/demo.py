"""The category catalogue, the Illicit Massage Business (IMB) map and its red flags, for `manage.py seed_demo`.

The data is in `demo/ecosystem/`: the catalogue, the map, the sources and the suggestions as JSON, the red
flags as CSV loaded through the staff importer. Every demo red flag restates a located, verbatim passage of
its source (`docs/domain/red-flag-evidence.md` says which passages were checked and which flags were
dropped because no passage could be found).
"""

import random
from datetime import date, timedelta

from django.utils import timezone

from core.demo_files import demo_csv_import, demo_csv_rows, demo_json
from ecosystem.csv_io import RedFlagCsvFormat
from ecosystem.models import (
    Actor,
    FinancialFlow,
    RedFlag,
    Source,
    Stage,
    Suggestion,
    SuggestionStatus,
    TraffickingCategory,
)
from ecosystem.services import red_flag_publish, red_flag_submit, red_flag_verify
from members.models import Member, User
from personas.models import Persona

IMB_SLUG = "illicit-massage-businesses"


def _catalogue() -> TraffickingCategory:
    """The 25 types of Polaris's typology, in its order; returns the IMB category."""
    for order, row in enumerate(demo_json("ecosystem/categories.json"), start=1):
        TraffickingCategory.objects.get_or_create(
            slug=row["slug"],
            defaults={"name": row["name"], "status": row["status"], "order": order, "summary": row["summary"]},
        )
    return TraffickingCategory.objects.get(slug=IMB_SLUG)


def _imb_map(imb: TraffickingCategory) -> dict[str, Stage]:
    imb_map = demo_json("ecosystem/imb_map.json")
    stages = {}
    for order, row in enumerate(imb_map["stages"], start=1):
        stages[row["name"]], _ = Stage.objects.get_or_create(
            category=imb, name=row["name"], defaults={"order": order, "description": row["description"]}
        )
    actors = {}
    for row in imb_map["actors"]:
        actors[row["name"]], _ = Actor.objects.get_or_create(
            category=imb,
            name=row["name"],
            defaults={"kind": row["kind"], "stage": stages[row["stage"]], "description": row["description"]},
        )
    for row in imb_map["flows"]:
        FinancialFlow.objects.get_or_create(
            category=imb,
            label=row["label"],
            defaults={
                "from_actor": actors[row["from_actor"]],
                "to_actor": actors[row["to_actor"]],
                "instrument": row["instrument"],
                "direction": row["direction"],
                "stage": stages[row["stage"]],
                "typical_pattern": row["typical_pattern"],
            },
        )
    return stages


def _sources() -> None:
    for row in demo_json("ecosystem/sources.json"):
        published_on = date.fromisoformat(row["published_on"]) if row["published_on"] else None
        Source.objects.get_or_create(key=row["key"], defaults={**row, "published_on": published_on})


def seed() -> list[tuple[str, str]]:
    """Idempotent: existing categories, parts, red flags and suggestions are left as they are."""
    rng = random.Random(20261209)
    imb = _catalogue()
    stages = _imb_map(imb)
    _sources()
    # The staff login of the members' demo, which seed_demo loads first.
    staff = User.objects.filter(is_staff=True).earliest("pk")
    loaded = set(RedFlag.objects.filter(category=imb).values_list("indicator", flat=True))
    rows = [row for row in demo_csv_rows("ecosystem/red_flags.csv") if row["indicator"] not in loaded]
    # Personas are linked when the personas' demo data is there (seed_demo loads it first).
    personas = set(Persona.objects.values_list("name", flat=True))
    for row in rows:
        row["personas"] = "; ".join(name for name in row["personas"].split("; ") if name in personas)
    demo_csv_import(csv_format=RedFlagCsvFormat(by=staff), rows=rows)
    # The second staff member who checked each demo flag against its quoted passage (no login: the
    # verifier of the demo's story only).
    reviewer, _ = User.objects.get_or_create(
        email="reviewer@example.org", defaults={"first_name": "Rae", "last_name": "Reviewer", "is_staff": True}
    )
    new = RedFlag.objects.filter(category=imb, indicator__in=[row["indicator"] for row in rows]).order_by("pk")
    for red_flag in new:
        red_flag_submit(red_flag=red_flag, by=staff)
        red_flag_verify(red_flag=red_flag, by=reviewer)
        red_flag_publish(red_flag=red_flag, by=staff, reason="First published from the IMB research.")

    approved = list(Member.objects.approved().select_related("user").order_by("pk"))
    for row in demo_json("ecosystem/suggestions.json"):
        if not approved or Suggestion.objects.filter(text=row["text"]).exists():
            continue
        member = next((m for m in approved if m.user.email == row["member"]), None) or rng.choice(approved)
        decided = row["status"] != SuggestionStatus.PENDING
        flag = row["red_flag"]
        Suggestion.objects.create(
            member=member,
            kind=row["kind"],
            stage=stages[row["stage"]] if row["stage"] else None,
            red_flag=RedFlag.objects.filter(category=imb, indicator=flag).first() if flag else None,
            text=row["text"],
            evidence=row["evidence"],
            status=row["status"],
            staff_response=row["staff_response"],
            decided_by=staff if decided else None,
            decided_at=timezone.now() - timedelta(days=rng.randint(1, 20)) if decided else None,
            outcome_emailed_at=timezone.now() if decided else None,
        )
    return []
