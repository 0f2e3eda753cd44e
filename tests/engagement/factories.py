"""Engagement test data: campaigns and their deliveries; onboarded members and activity placed at chosen moments."""

from datetime import datetime, timedelta

import factory
from django.utils import timezone

from engagement.models import Campaign, CampaignStatus, CampaignStep, Channel, Delivery, DeliveryStatus, Segment
from initiatives.models import Initiative
from members.models import Member, User
from members.services import record_activity
from tests.initiatives.factories import InitiativeFactory, ParticipationFactory
from tests.members.factories import MemberFactory, OrganisationFactory
from tests.personas.factories import PersonaFactory


class SegmentFactory(factory.django.DjangoModelFactory[Segment]):
    """Everyone, unless rules= says otherwise."""

    class Meta:
        model = Segment

    name = factory.Sequence(lambda n: f"Segment {n}")
    rules = factory.LazyFunction(list)


class CampaignFactory(factory.django.DjangoModelFactory[Campaign]):
    """A draft; launch it with `campaign_launch` (or pass status=running and starts_at)."""

    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"Campaign {n}")
    segment = factory.SubFactory(SegmentFactory)
    status = CampaignStatus.DRAFT


class CampaignStepFactory(factory.django.DjangoModelFactory[CampaignStep]):
    class Meta:
        model = CampaignStep

    campaign = factory.SubFactory(CampaignFactory)
    position = factory.Sequence(lambda n: n + 1)
    delay = timedelta(0)
    channel = Channel.EMAIL
    subject = "Hello {name}"
    body = "Dear {name} of {organisation},\n\n[See what is new](/initiatives/)."


class DeliveryFactory(factory.django.DjangoModelFactory[Delivery]):
    class Meta:
        model = Delivery

    step = factory.SubFactory(CampaignStepFactory)
    campaign = factory.LazyAttribute(lambda o: o.step.campaign)
    member = factory.SubFactory(MemberFactory)
    status = DeliveryStatus.PENDING
    due_at = factory.LazyFunction(timezone.now)


def approved_members_in_bulk(count: int, *, prefix: str = "bulk") -> list[Member]:
    """Many approved members fast (bulk inserts, no password hashing), for the engine's volume tests."""
    organisation = OrganisationFactory.create(name=f"{prefix.title()} Bank", sector="financial_institution")
    users = User.objects.bulk_create(
        User(email=f"{prefix}{n}@bank.example", first_name=f"Member{n}", password="!") for n in range(count)
    )
    return Member.objects.bulk_create(
        Member(user=user, organisation=organisation, status=Member.Status.APPROVED) for user in users
    )


NAMED = {"user__first_name": "Ada", "user__last_name": "Lovelace", "job_title": "AML Investigator"}


def onboarded_member(*, approved_at: datetime, initiative: Initiative | None = None, **kwargs: object) -> Member:
    """An approved member with a complete profile, a persona and a joined initiative (so: activated)."""
    kwargs.setdefault("persona", PersonaFactory())
    kwargs.setdefault("organisation", OrganisationFactory())
    member = MemberFactory.create(status_changed_at=approved_at, **NAMED, **kwargs)
    ParticipationFactory(member=member, initiative=initiative or InitiativeFactory(), requested_at=approved_at)
    return member


def activity(member: Member, verb: str, at: datetime, *, times: int = 1, subject: Initiative | None = None) -> None:
    """Records activity in the past, through the one function that writes it."""
    for _ in range(times):
        record_activity(member=member, verb=verb, subject=subject, occurred_at=at)
