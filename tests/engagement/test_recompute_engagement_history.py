from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from analytics.models import RollupRefresh
from engagement.models import LifecycleStage, MemberEngagement, StageTransition
from members.models import Verb
from tests.engagement.factories import activity, onboarded_member

pytestmark = pytest.mark.django_db


def test_the_command_replays_past_weeks_with_progress_and_rebuilds_the_dashboards():
    member = onboarded_member(approved_at=timezone.now() - timedelta(days=100))
    activity(member, Verb.RESOURCE_VIEWED, timezone.now() - timedelta(days=20))
    out = StringIO()
    call_command("recompute_engagement_history", "--weeks", "4", stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 6  # four Mondays, today, the summary
    assert "changes of stage" in lines[0]
    assert "5 runs replayed" in lines[-1]
    assert MemberEngagement.objects.get(member=member).stage == LifecycleStage.ACTIVATED
    assert StageTransition.objects.filter(member=member).exists()
    assert RollupRefresh.objects.count() == 1


def test_the_command_refuses_a_week_count_below_one():
    with pytest.raises(CommandError):
        call_command("recompute_engagement_history", "--weeks", "0", stdout=StringIO())
