import pytest

from ecosystem import demo
from ecosystem.models import Actor, FinancialFlow, RedFlag, Stage, Suggestion, TraffickingCategory
from members import demo as members_demo

pytestmark = pytest.mark.django_db


def test_demo_loads_the_imb_map_and_the_catalogue_once():
    members_demo.seed()
    demo.seed()
    demo.seed()
    imb = TraffickingCategory.objects.get(slug=demo.IMB_SLUG)
    assert TraffickingCategory.objects.count() == 25
    assert set(TraffickingCategory.objects.values_list("status", flat=True)) == {"mapped", "in_progress", "not_started"}
    assert list(Stage.objects.filter(category=imb).values_list("name", flat=True)) == [
        "Recruitment",
        "Transport",
        "Exploitation",
        "Revenue",
        "Laundering",
        "Repatriation",
    ]
    assert Actor.objects.filter(category=imb).count() >= 10
    assert FinancialFlow.objects.filter(category=imb).count() >= 12
    published = RedFlag.objects.published().filter(category=imb)
    assert published.count() >= 30
    assert all(flag.source for flag in published)
    assert all(flag.observers.exists() for flag in published)
    assert Suggestion.objects.count() == 3
    assert set(Suggestion.objects.values_list("status", flat=True)) == {"pending", "accepted", "rejected"}
