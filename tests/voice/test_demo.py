import pytest
from django.core.management import call_command

from personas.models import ScoreSource
from voice.models import Idea, IdeaStatus, Survey, SurveyResponse, Vote

pytestmark = pytest.mark.django_db


def counts():
    return [Idea.objects.count(), Vote.objects.count(), Survey.objects.count(), SurveyResponse.objects.count()]


def test_seed_demo_loads_the_voice_once_marked_as_demo():
    call_command("seed_demo")
    first = counts()
    call_command("seed_demo")
    assert counts() == first
    assert first[0] >= 3
    assert first[1] >= 5
    assert first[3] >= 5
    assert all(idea.title.startswith("Demo idea") for idea in Idea.objects.all())
    assert Idea.objects.filter(status=IdeaStatus.TRIAGED, opportunity__roadmap_items__isnull=False).exists()
    survey = Survey.objects.get()
    assert survey.title.startswith("Demo survey")
    assert all(job.score_source == ScoreSource.COMPUTED for job in survey.jobs.all())
