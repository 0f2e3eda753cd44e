"""The dashboards benchmark's nightly step works on a small world (the figures need `make bench`'s data set)."""

import pytest

from analytics.models import RollupRefresh
from analytics.rollups import rollups_refresh
from bench.dashboards import after_a_day
from engagement.models import EngagementRun, MemberEngagement
from engagement.scoring import engagement_recompute
from members.models import Activity
from tests.members.factories import MemberFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgresql_only]


def test_each_night_times_the_incremental_score_job_and_refresh_after_a_days_activity():
    MemberFactory.create_batch(5)
    engagement_recompute()
    rollups_refresh()

    after_a_day(repeats=2, day_of_activity=40)

    assert Activity.objects.count() == 80
    assert not EngagementRun.objects.get().full
    assert list(RollupRefresh.objects.order_by("id").values_list("full", flat=True)) == [True, False, False]
    assert MemberEngagement.objects.count() == 5


def test_a_night_that_is_not_incremental_is_refused():
    MemberFactory.create_batch(2)
    with pytest.raises(RuntimeError, match="incremental"):
        after_a_day(repeats=1, day_of_activity=10)  # no run before: the score job recomputes in full
