import pytest

from personas.models import Persona
from tests.api.conftest import assert_list_queries_constant
from tests.personas.factories import JobFactory, PersonaFactory

pytestmark = pytest.mark.django_db
PERSONAS = "/api/v1/personas/"
JOBS = "/api/v1/jobs/"


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["results"]]


def test_members_see_only_active_personas_and_staff_see_all(callers):
    PersonaFactory(name="Investigator")
    retired = PersonaFactory(name="Retired", is_active=False)
    assert names(callers["member"].client.get(PERSONAS)) == ["Investigator"]
    assert callers["member"].client.get(f"{PERSONAS}{retired.pk}/").status_code == 404
    assert names(callers["leadership"].client.get(PERSONAS)) == ["Investigator", "Retired"]
    assert names(callers["staff"].client.get(PERSONAS, {"is_active": "false"})) == ["Retired"]


def test_personas_filter_search_and_order(callers):
    PersonaFactory(name="Detective", sector="law_enforcement", summary="Works cases")
    PersonaFactory(name="Analyst", sector="financial_institution", summary="Files reports")
    staff = callers["staff"].client
    assert names(staff.get(PERSONAS, {"sector": "law_enforcement"})) == ["Detective"]
    assert names(staff.get(PERSONAS, {"search": "reports"})) == ["Analyst"]
    assert names(staff.get(PERSONAS, {"ordering": "-name"})) == ["Detective", "Analyst"]


def test_staff_manage_personas(callers):
    staff = callers["staff"].client
    created = staff.post(PERSONAS, {"name": "Prosecutor", "sector": "prosecutor", "summary": "Brings cases"})
    assert created.status_code == 201
    url = f"{PERSONAS}{created.json()['id']}/"
    assert staff.patch(url, {"is_active": False}, format="json").json()["is_active"] is False
    assert staff.delete(url).status_code == 204


def test_text_must_arrive_as_text_as_the_schema_says(callers):
    staff = callers["staff"].client
    response = staff.post(PERSONAS, {"name": "Prosecutor", "sector": "prosecutor", "summary": -1.8e231}, format="json")
    assert response.status_code == 400
    assert "summary" in response.json()["error"]["fields"]
    assert not Persona.objects.filter(name="Prosecutor").exists()


def test_jobs_carry_their_opportunity_score_and_band_and_sort_by_it(callers):
    JobFactory(importance=9, satisfaction=2)  # 9 + 7 = 16: extreme
    JobFactory(importance=5, satisfaction=6)  # 5 + 0 = 5: low
    rows = callers["leadership"].client.get(JOBS).json()["results"]
    assert [(row["opportunity_score"], row["band"]) for row in rows] == [("16.0", "extreme"), ("5.0", "low")]
    assert len(callers["staff"].client.get(JOBS, {"min_opportunity": 10}).json()["results"]) == 1
    assert callers["member"].client.get(JOBS).status_code == 403


def test_job_scores_are_validated(callers):
    persona = PersonaFactory()
    response = callers["staff"].client.post(
        JOBS,
        {
            "persona": persona.pk,
            "situation": "s",
            "motivation": "m",
            "outcome": "o",
            "importance": 11,
            "satisfaction": 3,
        },
        format="json",
    )
    assert response.status_code == 400
    assert "importance" in response.json()["error"]["fields"]


# Token, the user's permissions (two queries), the count and the page.
@pytest.mark.parametrize(("url", "factory"), [(PERSONAS, PersonaFactory), (JOBS, JobFactory)])
def test_list_query_counts_stay_constant_as_rows_grow(callers, django_assert_num_queries, url, factory):
    factory.create_batch(2)
    assert_list_queries_constant(
        django_assert_num_queries, callers["staff"].client, url, lambda: factory.create_batch(20), queries=5
    )


def test_jobs_show_their_score_source_read_only(callers):
    job = JobFactory(score_source="override", override_reason="Workshop consensus")
    row = callers["leadership"].client.get(f"{JOBS}{job.pk}/").json()
    assert (row["score_source"], row["override_reason"]) == ("override", "Workshop consensus")
    assert row["importance_sample"] == 0
    changed = callers["staff"].client.patch(f"{JOBS}{job.pk}/", {"score_source": "typed"}, format="json")
    assert changed.status_code in (200, 400)
    job.refresh_from_db()
    assert job.score_source == "override"
