import pytest
from django.urls import reverse

from tests.members.factories import staff_user
from tests.personas.factories import JobFactory, PersonaFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, without_mfa_requirement):
    client.force_login(staff_user())
    return client


def test_jobs_list_is_sorted_by_opportunity_score_with_its_band(staff_client):
    JobFactory(situation="low need", importance=5, satisfaction=5)  # 5: low
    JobFactory(situation="extreme need", importance=9, satisfaction=1)  # 17: extreme
    JobFactory(situation="high need", importance=7, satisfaction=2)  # 12: high
    content = staff_client.get(reverse("admin:personas_jobtobedone_changelist")).content.decode()
    assert content.index("extreme need") < content.index("high need") < content.index("low need")
    assert "Extreme (above 15)" in content
    assert "High (12–15)" in content


def test_jobs_list_filters_by_band(staff_client):
    JobFactory(situation="low need", importance=5, satisfaction=5)
    JobFactory(situation="extreme need", importance=9, satisfaction=1)
    content = staff_client.get(reverse("admin:personas_jobtobedone_changelist") + "?band=extreme").content.decode()
    assert "extreme need" in content
    assert "low need" not in content


def test_persona_page_edits_jobs_inline_and_keeps_history(staff_client):
    persona = PersonaFactory(name="AML investigator")
    response = staff_client.post(
        reverse("admin:personas_persona_change", args=[persona.pk]),
        {
            "name": "AML investigator",
            "sector": "financial_institution",
            "summary": "Works alerts",
            "is_active": "on",
            "jobs-TOTAL_FORMS": "1",
            "jobs-INITIAL_FORMS": "0",
            "jobs-0-situation": "a cash business alerts",
            "jobs-0-motivation": "see red flags",
            "jobs-0-outcome": "file a SAR",
            "jobs-0-importance": "9",
            "jobs-0-satisfaction": "3",
            "jobs-0-interview_count": "4",
        },
    )
    assert response.status_code == 302
    assert persona.jobs.get().opportunity_score == 15
    assert persona.history.latest().history_user.is_staff


def test_job_scores_outside_0_10_are_refused_in_the_admin(staff_client):
    persona = PersonaFactory()
    response = staff_client.post(
        reverse("admin:personas_jobtobedone_add"),
        {
            "persona": persona.pk,
            "situation": "s",
            "motivation": "m",
            "outcome": "o",
            "importance": "11",
            "satisfaction": "2",
            "interview_count": "0",
        },
    )
    assert response.status_code == 200
    assert "less than or equal to 10" in response.content.decode()


@pytest.mark.parametrize("count", [3, 15])
def test_persona_and_job_lists_have_constant_query_counts(staff_client, django_assert_num_queries, count):
    for _ in range(count):
        JobFactory.create_batch(2, persona=PersonaFactory())
    staff_client.get("/")
    with django_assert_num_queries(4):
        assert staff_client.get(reverse("admin:personas_persona_changelist")).status_code == 200
    with django_assert_num_queries(5):
        assert staff_client.get(reverse("admin:personas_jobtobedone_changelist")).status_code == 200


def test_jobs_list_shows_where_each_score_comes_from(staff_client):
    from datetime import date

    JobFactory(situation="typed need")
    JobFactory(situation="overridden need", score_source="override", override_reason="Workshop consensus")
    JobFactory(
        situation="surveyed need",
        score_source="computed",
        computed_importance=8,
        computed_satisfaction=3,
        importance_sample=12,
        satisfaction_sample=11,
        responses_from=date(2026, 9, 1),
        responses_to=date(2026, 9, 30),
    )
    content = staff_client.get(reverse("admin:personas_jobtobedone_changelist")).content.decode()
    assert "Survey: 12 responses, 2026-09-01 to 2026-09-30" in content
    assert "Override: Workshop consensus" in content
    assert "Typed" in content
    filtered = staff_client.get(reverse("admin:personas_jobtobedone_changelist") + "?score_source=override")
    assert "overridden need" in filtered.content.decode()
    assert "typed need" not in filtered.content.decode()
