from datetime import timedelta

import factory
from django.utils import timezone

from initiatives.models import (
    EligibleSector,
    Initiative,
    InitiativeKind,
    InitiativeSession,
    InitiativeStatus,
    Participation,
    ParticipationStatus,
)
from members.models import Notification, NotificationKind
from tests.members.factories import MemberFactory


class InitiativeFactory(factory.django.DjangoModelFactory[Initiative]):
    """An open initiative with unlimited places, starting in a fortnight; pass capacity= for a limit."""

    class Meta:
        model = Initiative

    title = factory.Sequence(lambda n: f"Red-flag working group {n}")
    slug = factory.Sequence(lambda n: f"red-flag-working-group-{n}")
    summary = "Banks and investigators refine the red flags of illicit massage businesses."
    kind = InitiativeKind.WORKING_GROUP
    status = InitiativeStatus.OPEN
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=14))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=2) if o.starts_at else None)


class EligibleSectorFactory(factory.django.DjangoModelFactory[EligibleSector]):
    class Meta:
        model = EligibleSector

    initiative = factory.SubFactory(InitiativeFactory)
    sector = "financial_institution"


class ParticipationFactory(factory.django.DjangoModelFactory[Participation]):
    """An active participation; for other states prefer the services, which keep the queue honest."""

    class Meta:
        model = Participation

    member = factory.SubFactory(MemberFactory)
    initiative = factory.SubFactory(InitiativeFactory)
    status = ParticipationStatus.ACTIVE
    requested_at = factory.LazyFunction(timezone.now)
    joined_at = factory.LazyAttribute(lambda o: o.requested_at if o.status == ParticipationStatus.ACTIVE else None)


class NotificationFactory(factory.django.DjangoModelFactory[Notification]):
    class Meta:
        model = Notification

    member = factory.SubFactory(MemberFactory)
    kind = NotificationKind.INITIATIVE_CHANGED
    title = factory.Sequence(lambda n: f"Initiative {n} has changed")
    url = "/initiatives/"


class InitiativeSessionFactory(factory.django.DjangoModelFactory[InitiativeSession]):
    """A session of an initiative that took place yesterday."""

    class Meta:
        model = InitiativeSession

    initiative = factory.SubFactory(InitiativeFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
