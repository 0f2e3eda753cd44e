import pytest

from analytics.panels import PANELS, default_filters
from ecosystem.models import CategoryStatus
from tests.ecosystem.factories import CategoryFactory, red_flag

pytestmark = pytest.mark.django_db


def test_the_knowledge_panel_counts_mapped_categories_and_verified_red_flags():
    CategoryFactory(status=CategoryStatus.MAPPED)
    CategoryFactory(status=CategoryStatus.IN_PROGRESS)
    CategoryFactory(status=CategoryStatus.NOT_STARTED)
    red_flag()
    red_flag(publish=False)
    rows = dict(PANELS["knowledge"](default_filters()).rows)
    # red_flag() makes a mapped category of its own for its stage.
    assert rows == {
        "Categories mapped": 3,
        "Categories being mapped": 1,
        "Red flags published": 1,
        "Red flags verified by a second reviewer": 1,
    }
