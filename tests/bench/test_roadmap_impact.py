"""The impact benchmark's steps work on a small world (the figures themselves need `make bench`'s data set)."""

import pytest

from analytics.models import ImpactScope, RoadmapImpact
from bench.roadmap_impact import impact_step, launch_from
from tests.initiatives.factories import InitiativeFactory, ParticipationFactory

pytestmark = pytest.mark.django_db


def test_launching_every_initiative_from_a_roadmap_and_rebuilding_the_impact():
    for initiative in InitiativeFactory.create_batch(3):
        ParticipationFactory(initiative=initiative)
    launch_from(2)
    impact_step()
    items = RoadmapImpact.objects.filter(scope=ImpactScope.ITEM).order_by("item__start_month")
    assert sorted(items.values_list("initiatives", flat=True)) == [1, 2]
    assert RoadmapImpact.objects.get(scope=ImpactScope.ROADMAP).members == 3
