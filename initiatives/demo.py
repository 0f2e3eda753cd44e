"""Demo initiatives with participation and a waitlist, for `manage.py seed_demo` (after the members). The
initiatives are `demo/initiatives/initiatives.json`: dates are in days from the day the demo is loaded, so the
portal always has something coming up; each names the item of the demo roadmap it was launched from (by its
opportunity's title) and the stages and red flags of the IMB map it works on (by name and indicator, as the
ecosystem's demo files write them)."""

import random
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from core.demo_files import demo_json
from ecosystem.demo import IMB_SLUG
from ecosystem.models import RedFlag, Stage
from initiatives.models import (
    EligibleSector,
    Initiative,
    InitiativeStatus,
    Participation,
    ParticipationRole,
    ParticipationStatus,
    sector_may_join,
)
from members.models import Activity, Member, Notification, NotificationKind, Source, User, Verb
from members.services import notification_create
from personas.models import Persona, Sector
from roadmap.demo import ROADMAP_TITLE
from roadmap.models import RoadmapItem

MEMBER_EMAIL = "member@example.org"
# The demo member takes part in these two (and so sees them on the home page).
MEMBER_IN = {"imb-red-flag-working-group", "typology-training-imb"}
FULL_WITH_WAITLIST = "case-sharing-forum-pilot"


def _create(row: dict[str, Any], *, now: datetime, lead: User | None) -> Initiative:
    starts_in, lasts, place = row["starts_in_days"], row["lasts_days"], row["place"]
    starts_at = None if starts_in is None else (now + timedelta(days=starts_in)).replace(hour=15, minute=0, second=0)
    initiative, created = Initiative.objects.get_or_create(
        slug=row["slug"],
        defaults={
            "title": row["title"],
            "kind": row["kind"],
            "status": row["status"],
            "capacity": row["capacity"],
            "summary": row["summary"],
            "description": row["description"],
            "lead": lead,
            "is_online": not place,
            "location": place,
            "starts_at": starts_at,
            "ends_at": None if starts_at is None else starts_at + timedelta(days=lasts, hours=2),
            "signup_closes_at": None if starts_at is None or starts_in < 0 else starts_at - timedelta(days=1),
        },
    )
    if created:
        EligibleSector.objects.bulk_create(EligibleSector(initiative=initiative, sector=s) for s in row["sectors"])
    return initiative


def seed() -> list[tuple[str, str]]:
    rng = random.Random(20261126)
    now = timezone.now().replace(microsecond=0)
    lead = User.objects.filter(email="staff@example.org").first()
    members = list(Member.objects.approved().select_related("user", "organisation").order_by("user__email"))
    me = next((m for m in members if m.user.email == MEMBER_EMAIL), None)
    others = [m for m in members if m.user.email != MEMBER_EMAIL]
    for row in demo_json("initiatives/initiatives.json"):
        initiative = _create(row, now=now, lead=lead)
        sectors = row["sectors"]
        personas = Persona.objects.filter(sector__in=sectors or [Sector.FINANCIAL_INSTITUTION]).order_by("pk")
        initiative.target_personas.add(*personas[:2])
        _link(initiative, row)
        if initiative.participations.exists() or initiative.status == InitiativeStatus.DRAFT:
            continue  # already seeded (idempotent), or nobody can join a draft
        eligible = [
            m
            for m in others
            if sector_may_join(eligible=sectors, sector=m.organisation.sector if m.organisation else None)
        ]
        _seed_participation(initiative, eligible, me=me if initiative.slug in MEMBER_IN else None, rng=rng, now=now)
    return []


def _link(initiative: Initiative, row: dict[str, Any]) -> None:
    """Idempotent: a link staff changed is kept; adding a stage or red flag again changes nothing."""
    if initiative.roadmap_item_id is None and (title := row["launched_from"]):
        item = RoadmapItem.objects.filter(roadmap__title=ROADMAP_TITLE, opportunity__title=title).first()
        Initiative.objects.filter(pk=initiative.pk).update(roadmap_item=item)
    imb = {"category__slug": IMB_SLUG}
    initiative.stages.add(*Stage.objects.filter(**imb, name__in=row["works_on_stages"]))
    initiative.red_flags.add(*RedFlag.objects.filter(**imb, indicator__in=row["works_on_red_flags"]))


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
        title = f"{initiative} has changed"
        if not Notification.objects.filter(member=me, kind=NotificationKind.INITIATIVE_CHANGED, title=title).exists():
            notification_create(
                member=me,
                kind=NotificationKind.INITIATIVE_CHANGED,
                title=title,
                body="Changed: start. Check the details and your calendar.",
                url=initiative.get_absolute_url(),
            )
