import pytest

from roadmap.services import roadmap_publish
from tests.api.conftest import assert_list_queries_constant
from tests.members.factories import MemberFactory
from tests.personas.factories import JobFactory, PersonaFactory
from tests.roadmap.factories import make_roadmap, place
from tests.voice.factories import IdeaFactory
from voice.models import Follow, SurveyResponse, SurveyStatus, Vote
from voice.services import vote_cast
from voice.surveys import survey_create, survey_respond, survey_set_status

pytestmark = pytest.mark.django_db

IDEAS = "/api/v1/ideas/"


def test_members_submit_and_list_ideas_with_a_constant_query_count(callers, django_assert_num_queries):
    member = callers["member"]
    response = member.client.post(IDEAS, {"title": "Shared library", "problem": "We rebuild it alone."}, format="json")
    assert response.status_code == 201
    assert response.json()["following"] is True

    def grow():
        for idea in IdeaFactory.create_batch(3):
            vote_cast(member=MemberFactory(), idea=idea)

    assert_list_queries_constant(django_assert_num_queries, member.client, IDEAS, grow, queries=7)
    assert callers["anonymous"].client.get(IDEAS).status_code == 401
    assert callers["pending"].client.get(IDEAS).status_code == 403


def test_one_vote_per_member_through_the_api(callers):
    client = callers["member"].client
    idea = IdeaFactory()
    first = client.post("/api/v1/me/votes/", {"idea": idea.pk, "importance": "critical"}, format="json")
    again = client.post("/api/v1/me/votes/", {"idea": idea.pk, "importance": "nice"}, format="json")
    assert first.status_code == again.status_code == 201
    assert Vote.objects.get().importance == "nice"
    both = client.post("/api/v1/me/votes/", {"idea": idea.pk, "opportunity": 1}, format="json")
    assert both.status_code == 400
    assert client.delete(f"/api/v1/me/votes/{first.json()['id']}/").status_code == 204
    assert not Vote.objects.exists()


def test_votes_and_follows_on_published_items_only(callers):
    client = callers["member"].client
    roadmap = make_roadmap()
    item = place(roadmap, 1, 3)
    draft = place(make_roadmap(title="Draft"), 1, 3)
    roadmap_publish(roadmap=roadmap, by=None)
    assert client.post("/api/v1/me/votes/", {"opportunity": item.opportunity_id}, format="json").status_code == 201
    assert client.post("/api/v1/me/votes/", {"opportunity": draft.opportunity_id}, format="json").status_code == 400
    assert client.post("/api/v1/me/follows/", {"opportunity": item.opportunity_id}, format="json").status_code == 201
    assert client.post("/api/v1/me/follows/", {"opportunity": item.opportunity_id}, format="json").status_code == 201
    assert Follow.objects.count() == 1
    assert [row["opportunity"] for row in client.get("/api/v1/me/follows/").json()["results"]] == [item.opportunity_id]


def test_survey_responses_are_mine_only_and_results_are_staffs(callers):
    persona = PersonaFactory()
    job = JobFactory(persona=persona)
    survey = survey_set_status(
        survey=survey_create(persona=persona, title="Quarterly", by=None), status=SurveyStatus.OPEN, by=None
    )
    survey_respond(member=MemberFactory(), survey=survey, answers={job.pk: (1, 1)})
    client = callers["member"].client
    body = {"survey": survey.pk, "answers": [{"job": job.pk, "importance": 5, "satisfaction": None}]}
    assert client.post("/api/v1/me/survey-responses/", body, format="json").status_code == 201
    mine = client.get("/api/v1/me/survey-responses/").json()["results"]
    assert [row["answers"] for row in mine] == [[{"job": job.pk, "importance": 5, "satisfaction": None}]]
    assert SurveyResponse.objects.count() == 2
    assert client.get(f"/api/v1/surveys/{survey.pk}/results/").status_code == 403
    results = callers["leadership"].client.get(f"/api/v1/surveys/{survey.pk}/results/")
    assert results.status_code == 200
    assert results.json()["responses"] == 2
    assert results.json()["jobs"][0]["importance"]["sample"] == 2


def test_my_lists_and_surveys_have_constant_query_counts(callers, django_assert_num_queries):
    member = callers["member"]
    persona = PersonaFactory()
    job = JobFactory(persona=persona)

    def grow():
        for _ in range(2):
            idea = IdeaFactory()
            vote_cast(member=member.member, idea=idea)
            Follow.objects.create(member=member.member, idea=idea)
            survey = survey_set_status(
                survey=survey_create(persona=persona, title="Again", by=None), status=SurveyStatus.OPEN, by=None
            )
            survey_respond(member=member.member, survey=survey, answers={job.pk: (3, 3)})

    grow()
    client = member.client
    for url, queries in (
        ("/api/v1/me/votes/", 6),
        ("/api/v1/me/follows/", 6),
        ("/api/v1/me/survey-responses/", 7),
        ("/api/v1/surveys/", 6),
    ):
        assert_list_queries_constant(django_assert_num_queries, client, url, grow, queries=queries)
