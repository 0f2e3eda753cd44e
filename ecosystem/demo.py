"""The category catalogue, three maps (illicit massage businesses, escort services, agriculture and animal
husbandry) with their red flags and mapping workflow, for `manage.py seed_demo`.

The data is in `demo/ecosystem/`: the catalogue, the sources and the suggestions as JSON, the IMB map in
`imb_map.json` and the two newer maps in `mapping.json` (each stage, actor and flow with the passages it rests
on; what no public passage supports is left out), the red flags as CSV loaded through the staff importer.
Every demo red flag restates a located, verbatim passage of its source (`docs/domain/red-flag-evidence.md`
says which passages were checked and which flags and parts were dropped because no passage could be found).
"""

import random
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from core.demo_files import demo_csv_import, demo_csv_rows, demo_json
from ecosystem.csv_io import RedFlagCsvFormat
from ecosystem.mapping import (
    map_comment,
    map_contributor_add,
    map_panelist_add,
    map_sign_off,
    map_start,
    map_transition,
)
from ecosystem.models import (
    Actor,
    CategoryMap,
    FinancialFlow,
    MapState,
    PartCitation,
    RedFlag,
    Source,
    Stage,
    Suggestion,
    SuggestionStatus,
    TraffickingCategory,
)
from ecosystem.services import red_flag_publish, red_flag_submit, red_flag_verify
from members.models import Member, User
from personas.models import Persona, Sector

IMB_SLUG = "illicit-massage-businesses"


def _catalogue() -> TraffickingCategory:
    """The 25 types of Polaris's typology, in its order; returns the IMB category."""
    for order, row in enumerate(demo_json("ecosystem/categories.json"), start=1):
        TraffickingCategory.objects.get_or_create(
            slug=row["slug"],
            defaults={"name": row["name"], "status": row["status"], "order": order, "summary": row["summary"]},
        )
    return TraffickingCategory.objects.get(slug=IMB_SLUG)


def _citations(part: Stage | Actor | FinancialFlow, rows: list[dict[str, str]]) -> None:
    field = {Stage: "stage", Actor: "actor", FinancialFlow: "flow"}[type(part)]
    for row in rows:
        # Looked up by the quote too: two passages of one section are two citations.
        lookup: dict[str, Any] = {field: part, "locator": row["locator"], "quote": row["quote"]}
        PartCitation.objects.get_or_create(source=Source.objects.get(key=row["source"]), **lookup)


def _map(category: TraffickingCategory, data: dict[str, Any]) -> dict[str, Stage]:
    """A category's stages, actors and flows, with the passages each rests on where the file gives them."""
    stages = {}
    for order, row in enumerate(data["stages"], start=1):
        stages[row["name"]], _ = Stage.objects.get_or_create(
            category=category, name=row["name"], defaults={"order": order, "description": row["description"]}
        )
        _citations(stages[row["name"]], row.get("citations", []))
    actors = {}
    for row in data["actors"]:
        actors[row["name"]], _ = Actor.objects.get_or_create(
            category=category,
            name=row["name"],
            defaults={"kind": row["kind"], "stage": stages[row["stage"]], "description": row["description"]},
        )
        _citations(actors[row["name"]], row.get("citations", []))
    for row in data["flows"]:
        flow, _ = FinancialFlow.objects.get_or_create(
            category=category,
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
        _citations(flow, row.get("citations", []))
    return stages


def _workflow(category: TraffickingCategory, *, staff: User, reviewer: User, publish: bool) -> None:
    """The map's workflow: owned by staff, reviewed by a panel of two sectors; IMB published, the others in
    expert review (the panel has not signed off yet)."""
    if CategoryMap.objects.filter(category=category).exists():
        return
    members = [
        Member.objects.approved().filter(organisation__sector=sector).order_by("pk").first()
        for sector in (Sector.FINANCIAL_INSTITUTION, Sector.LAW_ENFORCEMENT)
    ]
    if publish and None in members:
        return  # no panel of two sectors to publish it (a partial demo): the category stays as the file says
    cmap = map_start(category=category, owner=staff, by=staff)
    map_contributor_add(cmap=cmap, user=reviewer, by=staff)
    panel = [map_panelist_add(cmap=cmap, member=member, by=staff) for member in members if member is not None]
    map_transition(cmap=cmap, to=MapState.DRAFTING, by=staff, note="Drafted from public sources")
    map_transition(cmap=cmap, to=MapState.EXPERT_REVIEW, by=staff, note="Ready for the panel")
    if panel:
        map_comment(
            cmap=cmap,
            by=panel[0].member.user,
            text="Each part cites its source; what needs member evidence is left out.",
        )
    if publish and len(panel) == 2:
        for panelist in panel:
            map_sign_off(cmap=cmap, member=panelist.member)
        map_transition(cmap=cmap, to=MapState.PUBLISHED, by=staff, note="Published after the panel's sign-off")


def _sources() -> None:
    for row in demo_json("ecosystem/sources.json"):
        published_on = date.fromisoformat(row["published_on"]) if row["published_on"] else None
        Source.objects.get_or_create(key=row["key"], defaults={**row, "published_on": published_on})


def seed() -> list[tuple[str, str]]:
    """Idempotent: existing categories, parts, red flags and suggestions are left as they are."""
    rng = random.Random(20261209)
    imb = _catalogue()
    _sources()
    stages = _map(imb, demo_json("ecosystem/imb_map.json"))
    mapping = demo_json("ecosystem/mapping.json")
    categories = {imb.slug: imb}
    for slug, data in mapping["maps"].items():
        categories[slug] = TraffickingCategory.objects.get(slug=slug)
        _map(categories[slug], data)
    # The staff login of the members' demo, which seed_demo loads first.
    staff = User.objects.filter(is_staff=True).earliest("pk")
    # The second staff member who checked each demo flag against its quoted passage (no login: the
    # verifier of the demo's story only).
    reviewer, _ = User.objects.get_or_create(
        email="reviewer@example.org", defaults={"first_name": "Rae", "last_name": "Reviewer", "is_staff": True}
    )
    loaded = set(RedFlag.objects.filter(category__in=categories.values()).values_list("category__slug", "indicator"))
    rows = [
        row for row in demo_csv_rows("ecosystem/red_flags.csv") if (row["category"], row["indicator"]) not in loaded
    ]
    # Personas are linked when the personas' demo data is there (seed_demo loads it first).
    personas = set(Persona.objects.values_list("name", flat=True))
    for row in rows:
        row["personas"] = "; ".join(name for name in row["personas"].split("; ") if name in personas)
    demo_csv_import(csv_format=RedFlagCsvFormat(by=staff), rows=rows)
    for row in rows:
        red_flag = RedFlag.objects.get(category=categories[row["category"]], indicator=row["indicator"])
        red_flag_submit(red_flag=red_flag, by=staff)
        red_flag_verify(red_flag=red_flag, by=reviewer)
        red_flag_publish(red_flag=red_flag, by=staff, reason="First published from public sources.")
    for category in categories.values():
        _workflow(category, staff=staff, reviewer=reviewer, publish=category == imb)

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
