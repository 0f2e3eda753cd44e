"""18 months of plausible engagement history for `seed_demo`, then scores, stages and roll-ups.

Adds a few hundred demo members approved over the roadmap's 18 months, each with a habit (champion,
regular, fading, lurker), a persona, usually an initiative, and the activity that habit produces; then
replays the nightly job week by week so that stage trends have a history. Rows are written in bulk; a
second run only refreshes the figures.
"""

import random
from datetime import datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from analytics.rollups import rollups_refresh
from engagement.scoring import engagement_recompute, engagement_replay, engagement_settings
from initiatives.models import (
    Attendance,
    Initiative,
    InitiativeSession,
    InitiativeStatus,
    Participation,
    ParticipationStatus,
)
from members.models import Activity, Member, Organisation, Origin, Source, User, Verb, origin_for
from members.roles import MEMBER_ROLE
from personas.models import Persona

HISTORY_DAYS = 540
HISTORY_MEMBERS = 240
EMAIL_DOMAIN = "history.demo.example"
FIRST = ["Alex", "Bea", "Carlos", "Dana", "Eli", "Fatima", "Gabe", "Hana", "Ivan", "Jade", "Kofi", "Lena"]
LAST = ["Abbott", "Brennan", "Costa", "Dubois", "Eriksen", "Fontaine", "Gupta", "Haddad", "Ibrahim", "Juarez"]
# habit: (share of members, active weeks after approval (None: to this day), events a week)
HABITS = {
    "champion": (0.15, None, 4.0),
    "regular": (0.35, None, 2.0),
    "fading": (0.30, (6, 20), 1.5),
    "lurker": (0.20, None, 0.25),
}
EVERYDAY = [
    (Verb.LOGGED_IN, 30),
    (Verb.RESOURCE_VIEWED, 18),
    (Verb.MESSAGE_OPENED, 12),
    (Verb.LINK_CLICKED, 8),
    (Verb.INITIATIVE_VIEWED, 20),
    (Verb.RED_FLAG_RATED, 6),
    (Verb.MESSAGE_SENT, 5),
    (Verb.RED_FLAG_SUGGESTED, 1),
]


def _members(rng: random.Random, now: datetime) -> list[tuple[Member, datetime, str]]:
    organisations = list(Organisation.objects.order_by("pk"))
    personas = list(Persona.objects.order_by("pk"))
    if not organisations:
        return []
    password = make_password(None)
    users = User.objects.bulk_create(
        User(
            email=f"history{n}@{EMAIL_DOMAIN}",
            first_name=FIRST[n % len(FIRST)],
            last_name=LAST[(n * 7) % len(LAST)],
            password=password,
        )
        for n in range(HISTORY_MEMBERS)
    )
    habits = list(HABITS)
    weights = [share for share, _, _ in HABITS.values()]
    plan = []
    rows = []
    for user in users:
        organisation = rng.choice(organisations)
        # More joined recently than at the start: the network grows.
        approved = now - timedelta(days=HISTORY_DAYS * (1 - rng.random() ** 0.7), hours=rng.randint(0, 23))
        matching = [p for p in personas if p.sector == organisation.sector] or personas
        member = Member(
            user=user,
            organisation=organisation,
            job_title="Analyst",
            status=Member.Status.APPROVED,
            status_changed_at=approved,
            persona=rng.choice(matching) if matching and rng.random() < 0.9 else None,
        )
        rows.append(member)
        plan.append((member, approved, rng.choices(habits, weights)[0]))
    Member.objects.bulk_create(rows)
    Member.objects.filter(pk__in=[m.pk for m in rows]).update(created_at=now - timedelta(days=HISTORY_DAYS + 1))
    Group.objects.get(name=MEMBER_ROLE).user_set.add(*users)
    return plan


def _participations(
    plan: list[tuple[Member, datetime, str]], rng: random.Random, now: datetime
) -> dict[int, tuple[Initiative, datetime]]:
    """Most members join an initiative a few weeks after approval; where it is full today, they have since left."""
    initiatives = list(Initiative.objects.exclude(status=InitiativeStatus.DRAFT).order_by("pk"))
    if not initiatives:
        return {}
    taken = {i.pk: i.participations.filter(status=ParticipationStatus.ACTIVE).count() for i in initiatives}
    joined: dict[int, tuple[Initiative, datetime]] = {}
    rows = []
    for member, approved, habit in plan:
        if habit == "lurker" and rng.random() < 0.5:
            continue
        initiative = rng.choice(initiatives)
        when = min(approved + timedelta(days=rng.randint(2, 45)), now - timedelta(hours=2))
        stays = habit != "fading" and (initiative.capacity is None or taken[initiative.pk] < initiative.capacity)
        left = None if stays else min(when + timedelta(weeks=rng.randint(4, 20)), now - timedelta(hours=1))
        taken[initiative.pk] += 1 if stays else 0
        joined[member.pk] = (initiative, when)
        rows.append(
            Participation(
                member=member,
                initiative=initiative,
                status=ParticipationStatus.ACTIVE if stays else ParticipationStatus.LEFT,
                requested_at=when,
                joined_at=when,
                left_at=left,
            )
        )
    Participation.objects.bulk_create(rows)
    return joined


def _activity(
    plan: list[tuple[Member, datetime, str]],
    joined: dict[int, tuple[Initiative, datetime]],
    rng: random.Random,
    now: datetime,
) -> None:
    initiative_type = ContentType.objects.get_for_model(Initiative)
    verbs = [verb for verb, _ in EVERYDAY]
    weights = [weight for _, weight in EVERYDAY]
    rows = []
    for member, approved, habit in plan:
        _, window, per_week = HABITS[habit]
        rows.append(
            Activity(member=member, verb=Verb.APPROVED, occurred_at=approved, source=Source.ADMIN, origin=Origin.STAFF)
        )
        rows.append(Activity(member=member, verb=Verb.ONBOARDING_STEP, occurred_at=approved + timedelta(hours=2)))
        initiative, join_time = joined.get(member.pk, (None, None))
        if initiative is not None and join_time is not None:
            rows.append(Activity(member=member, verb=Verb.INITIATIVE_JOINED, occurred_at=join_time, subject=initiative))
        weeks = int((now - approved).days / 7)
        if window is not None:
            weeks = min(weeks, rng.randint(*window))
        for week in range(weeks):
            for _ in range(int(rng.expovariate(1 / per_week) + 0.5)):
                moment = approved + timedelta(weeks=week, seconds=rng.randint(0, 7 * 86400))
                if moment >= now:
                    continue
                verb = rng.choices(verbs, weights)[0]
                about_initiative = (
                    verb == Verb.INITIATIVE_VIEWED
                    and join_time is not None
                    and moment > join_time
                    and rng.random() < (0.6 if habit == "champion" else 0.15)
                )
                origin = origin_for(verb, Source.WEB)
                rows.append(
                    Activity(
                        member=member,
                        verb=verb,
                        source=Source.SYSTEM if origin == Origin.SYSTEM else Source.WEB,
                        origin=origin,
                        occurred_at=moment,
                        subject_type=initiative_type if about_initiative else None,
                        subject_id=initiative.pk if about_initiative and initiative else None,
                    )
                )
    Activity.objects.bulk_create(rows, batch_size=2000)


# habit: the chance of attending a session of the initiative one takes part in
ATTENDS = {"champion": 0.7, "regular": 0.3, "fading": 0.35, "lurker": 0.05}
SESSION_EVERY = timedelta(weeks=3)


def _sessions_and_attendance(plan: list[tuple[Member, datetime, str]], now: datetime) -> None:
    """A session of every initiative the demo members take part in every three weeks, and who attended: the
    contributions that make members collaborating. A random generator of its own, so that the rest of the
    story stays the same as before sessions existed."""
    rng = random.Random(20261206)
    recorder = User.objects.filter(is_staff=True).order_by("pk").first()
    habits = {member.pk: habit for member, _, habit in plan}
    taking_part = list(
        Participation.objects.filter(member_id__in=habits, joined_at__isnull=False).select_related("initiative")
    )
    first = now - timedelta(days=HISTORY_DAYS)
    sessions: dict[int, list[InitiativeSession]] = {}
    for initiative in {participation.initiative for participation in taking_part}:
        count = int((now - first) / SESSION_EVERY)
        sessions[initiative.pk] = InitiativeSession.objects.bulk_create(
            InitiativeSession(initiative=initiative, starts_at=first + SESSION_EVERY * (n + 1)) for n in range(count)
        )
    attendances, rows = [], []
    for participation in taking_part:
        until = participation.left_at or now
        joined = participation.joined_at or until  # never None: filtered above
        for session in sessions[participation.initiative_id]:
            if not joined < session.starts_at < until:
                continue
            if rng.random() >= ATTENDS[habits[participation.member_id]]:
                continue
            attendances.append(Attendance(session=session, member_id=participation.member_id, recorded_by=recorder))
            rows.append(
                Activity(
                    member_id=participation.member_id,
                    verb=Verb.SESSION_ATTENDED,
                    origin=Origin.MEMBER,
                    occurred_at=session.starts_at,
                    subject=participation.initiative,
                    details={"session": session.pk},
                )
            )
    Attendance.objects.bulk_create(attendances, batch_size=2000)
    Activity.objects.bulk_create(rows, batch_size=2000)


def seed() -> list[tuple[str, str]]:
    """Idempotent: the history is written once; later runs only recompute today's figures."""
    now = timezone.now()
    engagement_settings()
    if not User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").exists():
        rng = random.Random(20261126)
        plan = _members(rng, now)
        _activity(plan, _participations(plan, rng, now), rng, now)
        _sessions_and_attendance(plan, now)
        # The nightly job as if it had run every other Monday of the last 18 months, for the stage trends.
        engagement_replay(weeks=HISTORY_DAYS // 7, every_weeks=2, now=now)
    engagement_recompute(now=now)
    rollups_refresh(now=now)
    return []
