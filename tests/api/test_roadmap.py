import pytest

from roadmap.models import Opportunity
from roadmap.services import roadmap_item_move, roadmap_publish
from tests.api.conftest import assert_list_queries_constant
from tests.personas.factories import JobFactory, PersonaFactory
from tests.roadmap.factories import (
    CriterionFactory,
    IdeationSessionFactory,
    OpportunityFactory,
    PrioritisationModelFactory,
    RatingFactory,
    make_roadmap,
    place,
)

pytestmark = pytest.mark.django_db
ROADMAPS = "/api/v1/roadmaps/"
MODELS = "/api/v1/prioritisation-models/"
OPPORTUNITIES = "/api/v1/opportunities/"


def test_members_see_published_roadmaps_as_published_never_drafts(callers):
    published = make_roadmap(title="Published")
    item = place(published, 1, 2)
    roadmap_publish(roadmap=published, by=None)
    roadmap_item_move(item=item, start_month=3, end_month=4)  # a later, unpublished change
    draft = make_roadmap(title="Draft")
    member, staff = callers["member"].client, callers["staff"].client
    assert [row["title"] for row in member.get(ROADMAPS).json()["results"]] == ["Published"]
    assert member.get(f"{ROADMAPS}{draft.pk}/").status_code == 404
    assert member.get(f"{ROADMAPS}{published.pk}/items/").json()[0]["start_month"] == 1
    assert staff.get(f"{ROADMAPS}{published.pk}/items/").json()[0]["start_month"] == 3


def test_members_read_the_published_title_and_months_staff_read_the_draft(callers):
    roadmap = make_roadmap(title="Published title")
    place(roadmap, 1, 2)
    roadmap_publish(roadmap=roadmap, by=None)
    staff, member = callers["staff"].client, callers["member"].client
    patched = staff.patch(f"{ROADMAPS}{roadmap.pk}/", {"title": "Unpublished title"}, format="json")
    assert patched.json()["title"] == "Unpublished title"
    assert member.get(f"{ROADMAPS}{roadmap.pk}/").json()["title"] == "Published title"
    assert [row["title"] for row in member.get(ROADMAPS).json()["results"]] == ["Published title"]
    assert member.get(ROADMAPS, {"search": "Unpublished"}).json()["results"] == []
    assert len(member.get(ROADMAPS, {"search": "Published"}).json()["results"]) == 1
    assert staff.get(f"{ROADMAPS}{roadmap.pk}/").json()["title"] == "Unpublished title"
    roadmap_publish(roadmap=roadmap, by=None)
    assert member.get(f"{ROADMAPS}{roadmap.pk}/").json()["title"] == "Unpublished title"
    shown = member.get(f"{ROADMAPS}{roadmap.pk}/").json()
    assert (shown["first_month"], shown["months"]) == (roadmap.first_month.isoformat(), roadmap.months)


def test_revisions_and_their_diff(callers):
    roadmap = make_roadmap()
    item = place(roadmap, 1, 2)
    roadmap_publish(roadmap=roadmap, by=None)
    roadmap_item_move(item=item, start_month=3, end_month=4)
    added = place(roadmap, 5, 6)
    staff = callers["staff"].client
    published = staff.post(f"{ROADMAPS}{roadmap.pk}/publish/", {"note": "Moved"}, format="json")
    assert published.status_code == 201
    assert published.json()["number"] == 2
    assert [row["number"] for row in staff.get(f"{ROADMAPS}{roadmap.pk}/revisions/").json()] == [2, 1]
    diff = callers["member"].client.get(f"{ROADMAPS}{roadmap.pk}/diff/", {"from": 1, "to": 2}).json()
    assert diff["added"] == [added.opportunity.title]
    assert diff["moved"] == [{"title": item.opportunity.title, "from_months": [1, 2], "to_months": [3, 4]}]
    assert staff.get(f"{ROADMAPS}{roadmap.pk}/diff/", {"from": 1, "to": 9}).status_code == 404
    assert staff.get(f"{ROADMAPS}{roadmap.pk}/diff/", {"from": "x", "to": 2}).status_code == 400


def test_only_staff_create_and_publish_roadmaps(callers):
    roadmap = make_roadmap()
    place(roadmap, 1, 2)
    assert callers["leadership"].client.post(f"{ROADMAPS}{roadmap.pk}/publish/").status_code == 403
    created = callers["staff"].client.post(ROADMAPS, {"title": "Next", "first_month": "2028-01-01"}, format="json")
    assert created.status_code == 201, created.content
    refused = callers["staff"].client.post(ROADMAPS, {"title": "Bad", "first_month": "2028-01-15"}, format="json")
    assert refused.status_code == 400
    assert "first_month" in refused.json()["error"]["fields"]


def test_ranking_and_comparison(callers):
    first, second = PrioritisationModelFactory(), PrioritisationModelFactory()
    reach, other = CriterionFactory(model=first), CriterionFactory(model=second)
    high, low, unrated = OpportunityFactory(title="High"), OpportunityFactory(title="Low"), OpportunityFactory()
    RatingFactory(opportunity=high, criterion=reach, value=9)
    RatingFactory(opportunity=low, criterion=reach, value=2)
    RatingFactory(opportunity=high, criterion=other, value=1)
    RatingFactory(opportunity=low, criterion=other, value=8)
    leadership = callers["leadership"].client
    ranking = leadership.get(f"{MODELS}{first.pk}/ranking/").json()
    assert [(row["title"], row["rank"]) for row in ranking] == [("High", 1), ("Low", 2), (unrated.title, None)]
    compared = {
        row["title"]: row["change"]
        for row in leadership.get(f"{MODELS}{first.pk}/compare/", {"with": second.pk}).json()
    }
    assert compared["Low"] == 1
    assert compared["High"] == -1
    scores = leadership.get(f"{OPPORTUNITIES}{high.pk}/scores/").json()
    assert [row["rank"] for row in scores] == [1, 2]
    assert leadership.get(f"{MODELS}{first.pk}/ranking/", {"status": "nonsense"}).status_code == 400
    assert callers["member"].client.get(f"{MODELS}{first.pk}/ranking/").status_code == 403


def test_staff_manage_opportunities_and_sessions(callers):
    staff = callers["staff"].client
    job = JobFactory()
    session = staff.post(
        "/api/v1/ideation-sessions/",
        {"title": "Lyon", "held_on": "2026-04-02", "personas": [PersonaFactory().pk]},
        format="json",
    )
    assert session.status_code == 201, session.content
    created = staff.post(
        OPPORTUNITIES,
        {"title": "Shared typology", "session": session.json()["id"], "jobs": [job.pk], "effort_weeks": "4.0"},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert Opportunity.objects.get().jobs.get() == job
    assert staff.post(OPPORTUNITIES, {"title": "x", "effort_weeks": "0"}, format="json").status_code == 400


def more_roadmaps():
    roadmap = make_roadmap()
    place(roadmap, 1, 2)
    roadmap_publish(roadmap=roadmap, by=None)


def more_opportunities():
    for _ in range(3):
        OpportunityFactory.create().jobs.add(JobFactory.create())


def more_models():
    CriterionFactory.create_batch(3)


def more_sessions():
    for _ in range(3):
        IdeationSessionFactory.create().personas.add(PersonaFactory.create())


# Token, permissions (two), count, page, plus one per prefetched relation.
@pytest.mark.parametrize(
    ("url", "grow", "queries"),
    [
        (ROADMAPS, more_roadmaps, 5),
        (OPPORTUNITIES, more_opportunities, 7),
        (MODELS, more_models, 6),
        ("/api/v1/ideation-sessions/", more_sessions, 6),
    ],
)
def test_list_query_counts_stay_constant(callers, django_assert_num_queries, url, grow, queries):
    grow()
    assert_list_queries_constant(django_assert_num_queries, callers["staff"].client, url, grow, queries=queries)


def test_staff_rename_a_roadmap_but_move_its_months_only_in_the_admin(callers):
    roadmap = make_roadmap()
    staff = callers["staff"].client
    assert staff.patch(f"{ROADMAPS}{roadmap.pk}/", {"title": "Renamed"}).json()["title"] == "Renamed"
    refused = staff.patch(f"{ROADMAPS}{roadmap.pk}/", {"months": 12})
    assert refused.status_code == 400
    assert set(refused.json()["error"]["fields"]) == {"months"}
    roadmap.refresh_from_db()
    assert roadmap.months == 18
