"""Demo campaigns with some delivery history, for `manage.py seed_demo` (after the initiatives)."""

import random
from datetime import datetime, timedelta

from django.utils import timezone

from campaigns.models import (
    Campaign,
    CampaignStatus,
    CampaignStep,
    Channel,
    Delivery,
    DeliveryStatus,
    Segment,
    StepCondition,
)
from campaigns.segments import segment_members
from initiatives.models import Initiative
from members.models import Activity, Member, Source, User, Verb, origin_for

WELCOME_STEPS = [
    (
        timedelta(0),
        Channel.BOTH,
        StepCondition.ALWAYS,
        "Welcome to The Knoble, {name}",
        "Dear {name},\n\nWelcome to The Knoble. Members from {organisation} and organisations like it work together "
        "to follow the money behind human trafficking.\n\n"
        "Start by choosing the persona closest to your work on [your profile](/profile/), then "
        "[browse the initiatives](/initiatives/) taking sign-ups now.",
    ),
    (
        timedelta(days=7),
        Channel.EMAIL,
        StepCondition.PREVIOUS_NOT_CLICKED,
        "Three ways to start, {name}",
        "Dear {name},\n\nMost members begin with one of these:\n\n"
        "1. [The ecosystem map](/ecosystem/) of illicit massage businesses and its red flags\n"
        "2. [The roadmap](/roadmap/) for the next 18 months\n"
        "3. [An initiative](/initiatives/) that needs your sector's view",
    ),
]

INVITATION_SLUG = "typology-training-imb"
INVITATION_STEPS = [
    (
        timedelta(0),
        Channel.EMAIL,
        StepCondition.ALWAYS,
        "You are invited: {goal}",
        "Dear {name},\n\nTwo hours on how IMB networks recruit, control and launder, and where that shows in "
        "financial data. [Take a place]({goal_link}) while places last.",
    ),
    (
        timedelta(days=5),
        Channel.BOTH,
        StepCondition.GOAL_NOT_REACHED,
        "Places are going: {goal}",
        "Dear {name},\n\nColleagues from across the network have signed up. [Join them]({goal_link}).",
    ),
]


OUTCOMES_STEPS = [
    (
        timedelta(0),
        Channel.BOTH,
        StepCondition.ALWAYS,
        "What did the red flags lead to this quarter, {name}?",
        "Dear {name},\n\nYou used the red-flag library this quarter. Tell us what the red flags led to at "
        "{organisation}: counts only, never names or case numbers, and only your organisation sees the report. "
        "[Report outcomes](/outcomes/new/) in a few minutes; every member sees the aggregates.",
    ),
    (
        timedelta(days=14),
        Channel.EMAIL,
        StepCondition.PREVIOUS_NOT_CLICKED,
        "A reminder: the quarter's outcomes",
        "Dear {name},\n\nA few counts a quarter show which red flags work. [Report outcomes](/outcomes/new/).",
    ),
]


def _campaign(
    name: str, segment: Segment, steps: list[tuple], *, goal: Initiative | None, **fields: object
) -> tuple[Campaign, bool]:
    campaign, created = Campaign.objects.get_or_create(name=name, defaults={"segment": segment, "goal": goal, **fields})
    if created:
        CampaignStep.objects.bulk_create(
            CampaignStep(campaign=campaign, position=n, delay=d, channel=c, condition=k, subject=s, body=b)
            for n, (d, c, k, s, b) in enumerate(steps, start=1)
        )
    return campaign, created


def _history(campaign: Campaign, members: list[Member], *, sent_at: datetime, rng: random.Random) -> None:
    """Step 1 sent to every member (some opened and clicked it); step 2 written and due after its delay."""
    first, second = campaign.steps.order_by("position")
    rows, events = [], []
    for member in members:
        opened = sent_at + timedelta(hours=rng.randint(1, 48)) if rng.random() < 0.6 else None
        clicked = opened + timedelta(minutes=3) if opened and rng.random() < 0.4 else None
        rows.append(
            Delivery(
                campaign=campaign,
                step=first,
                member=member,
                status=DeliveryStatus.SENT,
                channel=first.channel if member.consent_email else Channel.IN_APP,
                due_at=sent_at,
                sent_at=sent_at,
                finished_at=sent_at,
                opened_at=opened,
                clicked_at=clicked,
                attempts=1,
            )
        )
        events.append(Activity(member=member, verb=Verb.MESSAGE_SENT, subject=campaign, occurred_at=sent_at))
        if clicked:
            events.append(Activity(member=member, verb=Verb.LINK_CLICKED, subject=campaign, occurred_at=clicked))
        rows.append(Delivery(campaign=campaign, step=second, member=member, due_at=sent_at + second.delay, attempts=0))
    Delivery.objects.bulk_create(rows)
    for event in events:
        event.source = Source.EMAIL if event.verb == Verb.LINK_CLICKED else Source.SYSTEM
        event.origin = origin_for(event.verb, event.source)
    Activity.objects.bulk_create(events)


def seed() -> list[tuple[str, str]]:
    rng = random.Random(20261127)
    now = timezone.now().replace(microsecond=0)
    staff = User.objects.filter(email="staff@example.org").first()
    members = list(Member.objects.approved().order_by("pk"))
    everyone, _ = Segment.objects.get_or_create(
        name="Every member", defaults={"description": "All approved members.", "rules": []}
    )
    welcome, created = _campaign(
        "Welcome to The Knoble",
        everyone,
        WELCOME_STEPS,
        goal=None,
        status=CampaignStatus.RUNNING,
        enrol_late_joiners=True,
        starts_at=now - timedelta(days=30),
        launched_at=now - timedelta(days=30),
        launched_by=staff,
        enrolled_at=now - timedelta(days=30),
    )
    if created:
        _history(welcome, members, sent_at=now - timedelta(days=3), rng=rng)

    # The quarterly invitation to report outcomes: a draft staff copy and launch each quarter.
    library_users, _ = Segment.objects.get_or_create(
        name="Used the red-flag library this quarter, no outcomes reported",
        defaults={
            "rules": [
                {"field": "used_red_flag_within_days", "value": 92},
                {"field": "organisation_not_reported_outcomes_within_days", "value": 92},
            ]
        },
    )
    _campaign(
        "Quarterly: report red-flag outcomes", library_users, OUTCOMES_STEPS, goal=None, status=CampaignStatus.DRAFT
    )

    goal = Initiative.objects.filter(slug=INVITATION_SLUG).first()
    if goal is None:
        return []
    not_yet, _ = Segment.objects.get_or_create(
        name="Banks and investigators not yet in the typology training",
        defaults={
            "rules": [
                {"field": "sector", "value": ["financial_institution", "law_enforcement"]},
                {"field": "not_in_initiative", "value": goal.pk},
            ]
        },
    )
    invitation, created = _campaign(
        "Invitation: typology training",
        not_yet,
        INVITATION_STEPS,
        goal=goal,
        status=CampaignStatus.RUNNING,
        starts_at=now - timedelta(days=2),
        launched_at=now - timedelta(days=2),
        launched_by=staff,
        enrolled_at=now - timedelta(days=2),
        allowed_link_hosts="www.fincen.gov",
    )
    if created:
        invited = list(segment_members(not_yet.rules).approved().order_by("pk"))
        _history(invitation, invited, sent_at=now - timedelta(days=2), rng=rng)
    return []
