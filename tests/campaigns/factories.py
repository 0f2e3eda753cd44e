"""Campaigns test data: segments, campaigns, their steps and deliveries; approved members in bulk."""

from datetime import timedelta

import factory
from django.utils import timezone

from campaigns.models import Campaign, CampaignStatus, CampaignStep, Channel, Delivery, DeliveryStatus, Segment
from campaigns.transitions import campaign_launch
from members.models import Member, User
from tests.members.factories import MemberFactory, OrganisationFactory, staff_user


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
    """Many approved members who agreed to e-mail, fast (bulk inserts, no password hashing), for the engine's volume
    tests."""
    organisation = OrganisationFactory.create(name=f"{prefix.title()} Bank", sector="financial_institution")
    users = User.objects.bulk_create(
        User(email=f"{prefix}{n}@bank.example", first_name=f"Member{n}", password="!") for n in range(count)
    )
    return Member.objects.bulk_create(
        Member(user=user, organisation=organisation, status=Member.Status.APPROVED, consent_email=True)
        for user in users
    )


def launched(*steps: dict, segment=None, **campaign_fields) -> Campaign:
    """A campaign with these steps (one default step if none), launched by staff."""
    campaign = CampaignFactory.create(segment=segment or SegmentFactory.create(), **campaign_fields)
    for position, fields in enumerate(steps or [{}], start=1):
        CampaignStepFactory(campaign=campaign, position=position, **fields)
    return campaign_launch(campaign=campaign, actor=staff_user())


def deliveries(campaign, position=None):
    """The campaign's deliveries, of one step if `position` is given."""
    rows = Delivery.objects.filter(campaign=campaign)
    return rows.filter(step__position=position) if position else rows
