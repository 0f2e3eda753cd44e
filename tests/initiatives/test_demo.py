import pytest
from django.core.management import call_command

from core.demo_files import demo_json
from initiatives.models import Initiative, InitiativeStatus, Participation, ParticipationStatus
from initiatives.services import waitlist_position

pytestmark = pytest.mark.django_db

INITIATIVES = demo_json("initiatives/initiatives.json")
LAUNCHED_FROM = {row["slug"]: row["launched_from"] for row in INITIATIVES if row["launched_from"]}
WORKS_ON_STAGES = {row["slug"]: row["works_on_stages"] for row in INITIATIVES if row["works_on_stages"]}
WORKS_ON_RED_FLAGS = {row["slug"]: row["works_on_red_flags"] for row in INITIATIVES if row["works_on_red_flags"]}


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


def test_seed_demo_links_initiatives_to_the_demo_roadmap_and_the_imb_map_once():
    call_command("seed_demo")
    links = Initiative.objects.filter(roadmap_item__isnull=False).values_list(
        "slug", "roadmap_item__opportunity__title"
    )
    assert dict(links) == LAUNCHED_FROM
    for slug, names in WORKS_ON_STAGES.items():
        assert sorted(Initiative.objects.get(slug=slug).stages.values_list("name", flat=True)) == sorted(names)
    for slug, indicators in WORKS_ON_RED_FLAGS.items():
        linked = Initiative.objects.get(slug=slug).red_flags.published().values_list("indicator", flat=True)
        assert sorted(linked) == sorted(indicators), slug  # every demo red flag is found, and published

    through = (Initiative.stages.through.objects.count(), Initiative.red_flags.through.objects.count())
    call_command("seed_demo")
    assert (Initiative.stages.through.objects.count(), Initiative.red_flags.through.objects.count()) == through
    assert Initiative.objects.filter(roadmap_item__isnull=False).count() == len(LAUNCHED_FROM)
