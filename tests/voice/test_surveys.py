from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.urls import reverse

from personas.models import JobToBeDone, ScoreSource
from roadmap.models import CriterionSource
from roadmap.ranking import rank_opportunities
from tests.members.factories import MemberFactory, leadership_user, staff_user
from tests.personas.factories import JobFactory, PersonaFactory
from tests.roadmap.factories import CriterionFactory, OpportunityFactory, PrioritisationModelFactory
from voice.models import SurveyResponse, SurveyScale, SurveyStatus
from voice.selectors import job_trend, survey_results
from voice.surveys import (
    job_score_override,
    job_score_override_clear,
    survey_create,
    survey_rerun,
    survey_respond,
    survey_set_status,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def persona():
    return PersonaFactory()


@pytest.fixture
def job(persona):
    return JobFactory(persona=persona, importance=5, satisfaction=5)


def open_survey(persona, **kwargs):
    survey = survey_create(persona=persona, title="How are your jobs going?", by=None, **kwargs)
    return survey_set_status(survey=survey, status=SurveyStatus.OPEN, by=None)


def answer(survey, job, *pairs, **member_kwargs):
    for importance, satisfaction in pairs:
        survey_respond(
            member=MemberFactory(persona=survey.persona, **member_kwargs),
            survey=survey,
            answers={job.pk: (importance, satisfaction)},
        )


def test_responses_compute_the_jobs_scores_and_the_opportunity_follows(
    persona, job, django_capture_on_commit_callbacks
):
    survey = open_survey(persona)
    with django_capture_on_commit_callbacks(execute=True):
        # 1–5 answers: importance 5, 4, 5 → 10, 7.5, 10 (mean 9.2); satisfaction 2, 1, missing → 2.5, 0 (mean 1.3)
        answer(survey, job, (5, 2), (4, 1), (5, None))
    job = JobToBeDone.objects.with_opportunity_score().get(pk=job.pk)
    assert job.score_source == ScoreSource.COMPUTED
    assert (job.importance, job.satisfaction) == (Decimal("9.2"), Decimal("1.3"))
    assert (job.importance_sample, job.satisfaction_sample) == (3, 2)
    assert job.importance_margin is not None
    assert job.responses_from is not None
    # importance + max(importance − satisfaction, 0) = 9.2 + 7.9
    assert job.opportunity == Decimal("17.1")


def test_the_criterion_fed_from_jobs_uses_the_computed_scores(persona, job, django_capture_on_commit_callbacks):
    model = PrioritisationModelFactory()
    CriterionFactory(model=model, name="Job opportunity", source=CriterionSource.JOBS, scale_min=0, scale_max=20)
    opportunity = OpportunityFactory()
    opportunity.jobs.add(job)
    before = rank_opportunities(model=model)
    survey = open_survey(persona, scale=SurveyScale.ZERO_TO_TEN)
    with django_capture_on_commit_callbacks(execute=True):
        answer(survey, job, (10, 0), (10, 0))
    after = rank_opportunities(model=model)
    assert str(before) != str(after)
    job.refresh_from_db()
    assert (job.importance, job.satisfaction) == (Decimal(10), Decimal(0))


def test_a_staff_override_wins_and_shows_its_reason(persona, job, django_capture_on_commit_callbacks):
    staff = staff_user()
    with pytest.raises(ValidationError):
        job_score_override(job=job, importance=Decimal(7), satisfaction=Decimal(6), reason=" ", by=staff)
    job_score_override(job=job, importance=Decimal(7), satisfaction=Decimal(6), reason="Interviews say so", by=staff)
    survey = open_survey(persona)
    with django_capture_on_commit_callbacks(execute=True):
        answer(survey, job, (5, 1))
    job.refresh_from_db()
    assert (job.score_source, job.importance, job.override_reason) == (ScoreSource.OVERRIDE, 7, "Interviews say so")
    assert job.computed_importance == Decimal(10)
    assert job.history.filter(history_user=staff).exists()
    job_score_override_clear(job=job, by=staff)
    job.refresh_from_db()
    assert (job.score_source, job.importance, job.satisfaction) == (ScoreSource.COMPUTED, 10, 0)


def test_an_override_needs_a_reason_in_the_database(job):
    job.score_source = ScoreSource.OVERRIDE
    with pytest.raises(IntegrityError):
        job.save()


def test_one_response_per_member_answering_again_replaces_it(persona, job):
    survey = open_survey(persona)
    member = MemberFactory(persona=persona)
    survey_respond(member=member, survey=survey, answers={job.pk: (2, 2)})
    survey_respond(member=member, survey=survey, answers={job.pk: (5, None)})
    response = SurveyResponse.objects.get(survey=survey, member=member)
    assert [(a.importance, a.satisfaction) for a in response.answers.all()] == [(5, None)]


def test_answers_are_checked(persona, job):
    survey = open_survey(persona)
    member = MemberFactory(persona=persona)
    for bad in ({job.pk: (0, 3)}, {job.pk: (None, None)}, {JobFactory().pk: (3, 3)}):
        with pytest.raises(ValidationError):
            survey_respond(member=member, survey=survey, answers=bad)
    survey_set_status(survey=survey, status=SurveyStatus.CLOSED, by=None)
    with pytest.raises(ValidationError):
        survey_respond(member=member, survey=survey, answers={job.pk: (3, 3)})


def test_a_rerun_shows_the_change_over_time_and_by_sector(persona, job):
    first = open_survey(persona)
    answer(first, job, (5, 1), (5, 1), organisation__sector="ngo")
    second = survey_set_status(survey=survey_rerun(survey=first, by=None), status=SurveyStatus.OPEN, by=None)
    answer(second, job, (5, 5), (5, 5), organisation__sector="law_enforcement")
    trend = job_trend(job=job)
    assert [point.survey for point in trend] == [first, second]
    assert [point.result.satisfaction.mean for point in trend] == [Decimal(0), Decimal(10)]
    assert [point.result.opportunity for point in trend] == [Decimal(20), Decimal(10)]
    results = survey_results(survey=second)
    assert list(results.by_sector) == ["Law enforcement"]
    assert results.responses == 2


def test_members_answer_and_never_see_others_answers(client, persona, job):
    survey = open_survey(persona)
    other = MemberFactory(persona=persona)
    survey_respond(member=other, survey=survey, answers={job.pk: (2, 4)})
    member = MemberFactory(persona=persona)
    client.force_login(member.user)
    page = client.get(reverse("voice:survey", args=[survey.pk]))
    assert page.status_code == 200
    assert b"checked" not in page.content
    response = client.post(reverse("voice:survey", args=[survey.pk]), {f"importance_{job.pk}": "4"})
    assert response.status_code == 302
    page = client.get(reverse("voice:survey", args=[survey.pk]))
    assert page.content.count(b"checked") == 1
    assert client.get(reverse("voice:survey_results", args=[survey.pk])).status_code == 403
    assert client.get(reverse("voice:job_scores", args=[job.pk])).status_code == 403


def test_staff_read_results_and_override(client, persona, job, without_mfa_requirement, django_assert_num_queries):
    survey = open_survey(persona)
    answer(survey, job, (4, 2), (5, 1))
    client.force_login(leadership_user())
    client.get(reverse("voice:survey_results", args=[survey.pk]))
    with django_assert_num_queries(5):
        assert client.get(reverse("voice:survey_results", args=[survey.pk])).status_code == 200
    assert client.post(reverse("voice:job_scores", args=[job.pk]), {"clear": "1"}).status_code == 403
    client.force_login(staff_user())
    data = {"importance": "6", "satisfaction": "3", "reason": "Workshop evidence"}
    assert client.post(reverse("voice:job_scores", args=[job.pk]), data).status_code == 302
    page = client.get(reverse("voice:job_scores", args=[job.pk]))
    assert b"Workshop evidence" in page.content
