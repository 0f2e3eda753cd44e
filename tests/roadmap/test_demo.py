import datetime

import pytest
from django.core.management import call_command

from personas.models import JobToBeDone, Persona
from roadmap.demo import demo_first_month
from roadmap.models import Criterion, IdeationSession, Opportunity, Rating, Roadmap, RoadmapItem, RoadmapRevision
from roadmap.ranking import rank_opportunities

pytestmark = pytest.mark.django_db


MODELS = (Persona, JobToBeDone, IdeationSession, Opportunity, Criterion, Rating, RoadmapItem, RoadmapRevision)


def counts():
    return [model.objects.count() for model in MODELS]


def test_seed_demo_builds_the_strategy_studio_once():
    call_command("seed_demo")
    first = counts()
    call_command("seed_demo")
    assert counts() == first
    assert Persona.objects.values("sector").distinct().count() >= 5
    assert Persona.objects.count() >= 5
    assert JobToBeDone.objects.count() >= 20
    assert IdeationSession.objects.get().opportunities.count() >= 25
    model = Criterion.objects.filter(source="jobs").get().model
    assert model.criteria.count() >= 5
    assert rank_opportunities(model=model).rows[0].is_rated
    roadmap = Roadmap.objects.get()
    assert roadmap.months == 18
    assert roadmap.revisions.count() == 2
    assert set(RoadmapItem.objects.values_list("horizon__name", flat=True)) == {"Now", "Next", "Later"}


def test_the_demo_roadmap_started_three_months_ago():
    assert demo_first_month(datetime.date(2026, 11, 25)) == datetime.date(2026, 8, 1)
    assert demo_first_month(datetime.date(2027, 2, 3)) == datetime.date(2026, 11, 1)
