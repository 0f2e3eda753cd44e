import pytest
from django.urls import reverse

from roadmap.models import ItemStatus, RoadmapItem
from roadmap.services import roadmap_publish
from tests.members.factories import MemberFactory, leadership_user, staff_user
from tests.roadmap.factories import make_roadmap, place
from tests.voice.factories import IdeaFactory
from voice.models import Follow, Idea, IdeaStatus, Vote
from voice.services import comment_add, idea_decline, idea_triage, vote_cast

pytestmark = pytest.mark.django_db

# Pinned so that a new query is a decision; the comments say which are left.
IDEA_PAGE_QUERIES = 4
VOTE_QUERIES = 9


@pytest.fixture
def member():
    return MemberFactory(user__first_name="Rosa", user__last_name="Silva", organisation__name="Northbridge Bank")


@pytest.fixture
def staff_client(client, without_mfa_requirement):
    client.force_login(staff_user())
    return client


def test_the_ideas_list_has_a_pinned_query_count(member_client, django_assert_num_queries):
    for idea in IdeaFactory.create_batch(5):
        vote_cast(member=MemberFactory(), idea=idea)
    member_client.get(reverse("voice:ideas"))  # warm the session and permission caches
    with django_assert_num_queries(3):
        response = member_client.get(reverse("voice:ideas"))
    assert response.status_code == 200
    assert response.content.count(b'class="card" id="idea-') == 5


def test_submitting_shows_similar_ideas_before_saving(member_client, member):
    IdeaFactory(title="Shared typology library", problem="Banks rebuild red flags alone.")
    data = {"title": "A typology library for everyone", "problem": "Red flags are rebuilt by every bank."}
    response = member_client.post(reverse("voice:idea_new"), data)
    assert response.status_code == 200
    assert b"Shared typology library" in response.content
    assert Idea.objects.count() == 1
    response = member_client.post(reverse("voice:idea_new"), {**data, "confirm": "1"})
    idea = Idea.objects.get(author=member)
    assert response.status_code == 302
    assert response["Location"] == idea.get_absolute_url()


def test_similar_ideas_for_htmx(member_client):
    IdeaFactory(title="Shared typology library")
    response = member_client.get(reverse("voice:similar"), {"title": "typology"})
    assert b"Shared typology library" in response.content


def test_a_member_votes_and_follows_on_an_idea(member_client, member):
    idea = IdeaFactory()
    member_client.post(reverse("voice:idea_vote", args=[idea.pk]), {"importance": "critical"})
    member_client.post(reverse("voice:idea_vote", args=[idea.pk]), {"importance": "nice"})
    member_client.post(reverse("voice:idea_follow", args=[idea.pk]))
    member_client.post(reverse("voice:idea_comment", args=[idea.pk]), {"body": "Yes, please."})
    assert Vote.objects.get(member=member, idea=idea).importance == "nice"
    assert Follow.objects.filter(member=member, idea=idea).exists()
    response = member_client.get(idea.get_absolute_url())
    assert b"Yes, please." in response.content
    assert b"Withdraw my vote" in response.content


def test_members_never_see_staff_notes_nor_others_declined_ideas(member_client):
    idea = idea_decline(idea=IdeaFactory(), by=None, note="Confidential reasoning")
    assert member_client.get(reverse("voice:idea", args=[idea.pk])).status_code == 404
    open_idea = IdeaFactory(staff_note="Another confidential remark")
    response = member_client.get(open_idea.get_absolute_url())
    assert b"confidential" not in response.content.lower()


def test_a_merged_idea_redirects_to_the_one_it_joined(member_client):
    keep = IdeaFactory()
    merged = IdeaFactory(status=IdeaStatus.MERGED, merged_into=keep)
    response = member_client.get(merged.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"] == keep.get_absolute_url()


def test_you_asked_we_planned(member_client, member):
    idea = IdeaFactory(author=member, title="Shared library")
    opportunity = idea_triage(idea=idea, by=None)
    roadmap = make_roadmap()
    place(roadmap, 1, 3, opportunity=opportunity)
    roadmap_publish(roadmap=roadmap, by=None)
    response = member_client.get(reverse("voice:my_ideas"))
    assert b"You asked, we planned" in response.content


def test_voting_on_published_roadmap_items(member_client, member, django_assert_num_queries):
    roadmap = make_roadmap()
    items = [place(roadmap, 1, 3), place(roadmap, 2, 4), place(roadmap, 4, 6)]
    unpublished = place(make_roadmap(title="Draft"), 1, 3)
    roadmap_publish(roadmap=roadmap, by=None)
    RoadmapItem.objects.filter(pk=items[0].pk).update(status=ItemStatus.DONE)
    opportunity = items[0].opportunity
    response = member_client.post(reverse("voice:item_vote", args=[opportunity.pk]), {"importance": "important"})
    assert response.status_code == 302
    assert Vote.objects.get(member=member, opportunity=opportunity).importance == "important"
    assert member_client.post(reverse("voice:item_vote", args=[unpublished.opportunity_id])).status_code == 404
    member_client.post(reverse("voice:item_follow", args=[opportunity.pk]))
    assert Follow.objects.filter(member=member, opportunity=opportunity).exists()
    member_client.get(reverse("voice:roadmap_items"))
    with django_assert_num_queries(5):
        response = member_client.get(reverse("voice:roadmap_items"))
    assert response.content.count(b"Stop following") == 1


def test_staff_triage_into_a_new_opportunity_and_see_its_votes(staff_client):
    idea = IdeaFactory(title="Shared library")
    vote_cast(member=MemberFactory(), idea=idea)
    assert staff_client.get(reverse("voice:triage_queue")).status_code == 200
    response = staff_client.post(reverse("voice:triage", args=[idea.pk]), {"action": "new", "title": ""})
    idea.refresh_from_db()
    assert idea.status == IdeaStatus.TRIAGED
    assert response["Location"] == reverse("voice:opportunity_votes", args=[idea.opportunity_id])
    page = staff_client.get(response["Location"])
    assert b"Financial institution" in page.content


def test_staff_merge_a_duplicate(staff_client):
    keep, duplicate = IdeaFactory(), IdeaFactory()
    staff_client.post(reverse("voice:triage", args=[duplicate.pk]), {"action": "merge", "into": keep.pk})
    duplicate.refresh_from_db()
    assert duplicate.merged_into == keep


def test_members_cannot_triage_and_leadership_reads_the_tally(member_client, client, without_mfa_requirement):
    idea = IdeaFactory()
    assert member_client.get(reverse("voice:triage", args=[idea.pk])).status_code == 403
    opportunity = idea_triage(idea=idea, by=None)
    assert member_client.get(reverse("voice:opportunity_votes", args=[opportunity.pk])).status_code == 403
    client.force_login(leadership_user())
    assert client.get(reverse("voice:opportunity_votes", args=[opportunity.pk])).status_code == 200


@pytest.mark.parametrize("size", [1, 8])
def test_an_idea_page_has_a_pinned_query_count_whatever_its_comments_and_votes(
    member_client, django_assert_num_queries, size
):
    idea = IdeaFactory()
    for n in range(size):
        voter = MemberFactory()
        vote_cast(member=voter, idea=idea)
        comment_add(member=voter, idea=idea, body=f"Comment {n}")
    url = reverse("voice:idea", kwargs={"pk": idea.pk})
    member_client.get(url)  # warm the session and permission caches
    with django_assert_num_queries(IDEA_PAGE_QUERIES):
        response = member_client.get(url)
    assert response.status_code == 200
    assert response.content.count(b"Comment ") == size


@pytest.mark.parametrize("votes", [0, 8])
def test_a_vote_has_a_pinned_query_count_whatever_the_idea_has(member_client, member, django_assert_num_queries, votes):
    idea = IdeaFactory()
    for _ in range(votes):
        vote_cast(member=MemberFactory(), idea=idea)
    url = reverse("voice:idea_vote", kwargs={"pk": idea.pk})
    member_client.get(reverse("voice:ideas"))  # warm the session and permission caches
    with django_assert_num_queries(VOTE_QUERIES):
        response = member_client.post(url, {"importance": "critical"})
    assert response.status_code == 302
    assert Vote.objects.get(member=member, idea=idea).importance == "critical"
