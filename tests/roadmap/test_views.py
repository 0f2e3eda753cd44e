"""Members see the latest published roadmap, and nothing of drafts, ratings or prioritisation."""

import pytest
from django.urls import reverse

from roadmap.models import ItemStatus, RoadmapItem
from roadmap.services import roadmap_publish
from tests.members.factories import MemberFactory, UserFactory
from tests.roadmap.factories import CriterionFactory, RatingFactory, make_roadmap, place

pytestmark = pytest.mark.django_db


@pytest.fixture
def member_client(client):
    client.force_login(MemberFactory().user)
    return client


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
    # 6 of the page, then the initiatives launched from its items (one query for the whole revision)
    with django_assert_num_queries(7):
        assert member_client.get(reverse("roadmap:published")).status_code == 200
