"""The leadership dashboards' panels are computed on the read replica when there is one (core.db_routers)."""

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from analytics import panels
from analytics.panels.base import default_filters
from tests.members.factories import MemberFactory


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_every_panel_reads_from_the_replica(settings):
    settings.KNOBLE_READ_REPLICA = True
    MemberFactory.create_batch(2)
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica"]) as replica,
    ):
        figures = panels.panels_data(list(panels.PANELS), default_filters())
    assert set(figures) == set(panels.PANELS)
    assert len(replica) > 0
    # The primary answers only which roll-up refresh is the latest (the cache key), never a panel's figures.
    assert len(primary) == 1
    assert "engagement_rolluprefresh" in primary.captured_queries[0]["sql"]
