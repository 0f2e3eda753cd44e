import pytest
from django.core.management import call_command

from initiatives.models import Initiative, InitiativeStatus, Participation, ParticipationStatus
from initiatives.services import waitlist_position

pytestmark = pytest.mark.django_db


def test_seed_demo_adds_initiatives_with_participation_and_a_waitlist_once():
    call_command("seed_demo", stdout=None)
    counts = (Initiative.objects.count(), Participation.objects.count())
    call_command("seed_demo")
    assert (Initiative.objects.count(), Participation.objects.count()) == counts

    assert Initiative.objects.count() >= 12
    mine = Participation.objects.filter(member__user__email="member@example.org", status=ParticipationStatus.ACTIVE)
    assert mine.count() == 2
    full = Initiative.objects.get(slug="case-sharing-forum-pilot")
    assert full.participations.filter(status=ParticipationStatus.ACTIVE).count() == full.capacity
    waiting = full.participations.filter(status=ParticipationStatus.WAITLISTED).order_by("requested_at", "id")
    assert [waitlist_position(p) for p in waiting] == [1, 2, 3]
    assert not Initiative.objects.filter(status=InitiativeStatus.DRAFT, participations__isnull=False).exists()
