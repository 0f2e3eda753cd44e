import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from members.models import VERB_ORIGINS, Activity, Origin, Source, Verb, origin_for
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_every_verb_has_its_allowed_origins():
    assert set(VERB_ORIGINS) == set(Verb.values)


@pytest.mark.parametrize(
    ("verb", "origin"),
    [(Verb.MESSAGE_SENT, Origin.MEMBER), (Verb.LINK_CLICKED, Origin.SYSTEM), (Verb.APPROVED, Origin.MEMBER)],
)
def test_the_database_refuses_an_origin_the_verb_does_not_allow(verb, origin):
    member = MemberFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Activity.objects.create(member=member, verb=verb, origin=origin, occurred_at=timezone.now())


def test_the_database_accepts_every_allowed_origin():
    member = MemberFactory()
    Activity.objects.bulk_create(
        Activity(member=member, verb=verb, origin=origin, occurred_at=timezone.now())
        for verb, origins in VERB_ORIGINS.items()
        for origin in origins
    )
    assert Activity.objects.count() == sum(len(origins) for origins in VERB_ORIGINS.values())


@pytest.mark.parametrize(
    ("verb", "source", "origin"),
    [
        (Verb.INITIATIVE_JOINED, Source.WEB, Origin.MEMBER),
        (Verb.INITIATIVE_JOINED, Source.ADMIN, Origin.STAFF),
        (Verb.INITIATIVE_PROMOTED, Source.SYSTEM, Origin.SYSTEM),
        (Verb.INITIATIVE_PROMOTED, Source.ADMIN, Origin.STAFF),
        (Verb.MESSAGE_SENT, Source.EMAIL, Origin.SYSTEM),
        (Verb.LINK_CLICKED, Source.SYSTEM, Origin.MEMBER),
    ],
)
def test_an_unstated_origin_follows_the_verb_and_the_channel(verb, source, origin):
    assert origin_for(verb, source) == origin
