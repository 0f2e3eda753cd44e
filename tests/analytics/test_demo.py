from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import Max, Min
from django.utils import timezone

from analytics.models import RollupRefresh, StageWeekly
from engagement.models import MemberEngagement, StageTransition
from members.models import Activity

pytestmark = pytest.mark.django_db


def test_seed_demo_tells_an_18_month_story_once():
    call_command("seed_demo")
    counts = (Activity.objects.count(), StageTransition.objects.count())
    call_command("seed_demo")
    assert (Activity.objects.count(), StageTransition.objects.count()) == counts
    assert RollupRefresh.objects.count() == 2  # the second run refreshes the figures

    span = Activity.objects.aggregate(first=Min("occurred_at"), last=Max("occurred_at"))
    assert span["last"] - span["first"] > timedelta(days=500)
    assert StageWeekly.objects.values("week").distinct().count() >= 70
    stages = set(MemberEngagement.objects.values_list("stage", flat=True))
    assert stages == {"pending", "activated", "engaged", "collaborating", "dormant"}
    assert StageWeekly.objects.filter(week__lt=timezone.now().date() - timedelta(days=365)).exists()
