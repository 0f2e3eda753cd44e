"""Members see the latest published roadmap, and nothing of drafts, ratings or prioritisation."""

import pytest
from django.urls import reverse

from initiatives.models import InitiativeStatus
from roadmap.models import ItemStatus, RoadmapItem
from roadmap.services import roadmap_publish
from tests.initiatives.factories import InitiativeFactory
from tests.members.factories import UserFactory, staff_user
from tests.roadmap.factories import CriterionFactory, RatingFactory, make_roadmap, place

pytestmark = pytest.mark.django_db


def test_nothing_published_yet(member_client):
    make_roadmap()
    response = member_client.get(reverse("roadmap:published"))
    assert "has not been published yet" in response.content.decode()


def test_members_see_the_latest_published_revision_only(member_client):
    roadmap = make_roadmap()
    published = place(roadmap, 1, 3)
    RatingFactory(opportunity=published.opportunity, criterion=CriterionFactory(name="Secret criterion"), value=7)
    roadmap_publish(roadmap=roadmap, by=None, note="First public roadmap")
    RoadmapItem.objects.filter(pk=published.pk).update(status=ItemStatus.AT_RISK)
    draft = place(roadmap, 7, 9)
    content = member_client.get(reverse("roadmap:published")).content.decode()
    assert published.opportunity.title in content
    assert "Planned" in content
    assert "At risk" not in content
    assert draft.opportunity.title not in content
    assert "Secret criterion" not in content
    assert "Foundations: what members need first" in content  # the horizon's theme
    assert "Jan 2027" in content


def test_people_without_portal_access_cannot_see_the_roadmap(client):
    client.force_login(UserFactory())
    response = client.get(reverse("roadmap:published"))
    assert response.status_code == 302
    assert response["Location"] == reverse("members:awaiting_approval")


def test_the_roadmap_is_linked_from_the_member_navigation(member_client):
    assert f'href="{reverse("roadmap:published")}"' in member_client.get("/").content.decode()


@pytest.mark.parametrize("items", [2, 15])
def test_published_roadmap_query_count_is_constant(member_client, django_assert_num_queries, items):
    roadmap = make_roadmap()
    for index in range(items):
        place(roadmap, 1 + index % 18, 1 + index % 18)
    roadmap_publish(roadmap=roadmap, by=None)
    member_client.get("/")
    # 6 of the page, then the initiatives launched from its items and the research evidence behind them (one query
    # each for the whole revision)
    with django_assert_num_queries(4):
        assert member_client.get(reverse("roadmap:published")).status_code == 200


def test_each_item_shows_the_initiatives_launched_from_it_but_never_drafts(member_client):
    roadmap = make_roadmap()
    library, forum = place(roadmap, 1, 3), place(roadmap, 2, 6)
    training = InitiativeFactory(title="Typology training", roadmap_item=library)
    InitiativeFactory(title="Secret draft briefing", roadmap_item=library, status=InitiativeStatus.DRAFT)
    InitiativeFactory(title="From another roadmap", roadmap_item=place(make_roadmap(title="Other"), 1, 2))
    roadmap_publish(roadmap=roadmap, by=None)

    content = member_client.get(reverse("roadmap:published")).content.decode()
    library_entry = content[content.index(f'id="item-{library.opportunity_id}"') :]
    library_entry = library_entry[: library_entry.index("</li>", library_entry.index("</p>"))]
    assert f'<a href="{training.get_absolute_url()}">Typology training</a>' in content
    assert "Initiatives launched from it" in library_entry
    forum_entry = content[content.index(f'id="item-{forum.opportunity_id}"') :]
    assert "Initiatives launched from it" not in forum_entry[: forum_entry.index("</li>")]
    assert "Secret draft briefing" not in content
    assert "From another roadmap" not in content


def test_staff_also_see_draft_initiatives_on_the_roadmap(client, without_mfa_requirement):
    roadmap = make_roadmap()
    InitiativeFactory(title="Draft briefing", roadmap_item=place(roadmap, 1, 3), status=InitiativeStatus.DRAFT)
    roadmap_publish(roadmap=roadmap, by=None)
    client.force_login(staff_user())
    assert (
        'Draft briefing</a> <span class="muted">(draft, staff only)</span>'
        in client.get(reverse("roadmap:published")).content.decode()
    )


@pytest.mark.parametrize("items", [2, 12])
def test_launched_initiatives_keep_the_query_count_constant(member_client, django_assert_num_queries, items):
    roadmap = make_roadmap()
    for index in range(items):
        item = place(roadmap, 1 + index % 18, 1 + index % 18)
        InitiativeFactory.create_batch(2, roadmap_item=item)
    roadmap_publish(roadmap=roadmap, by=None)
    member_client.get("/")
    with django_assert_num_queries(4):  # the page, the launched initiatives, the research evidence
        content = member_client.get(reverse("roadmap:published")).content.decode()
    assert content.count("Initiatives launched from it") == items
