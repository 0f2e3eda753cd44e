import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from analytics.models import RollupRefresh
from analytics.services import digest_request
from engagement.models import MemberEngagement
from engagement.tasks import engagement_nightly
from members.models import Verb
from tests.engagement.factories import activity, onboarded_member
from tests.members.factories import leadership_user

pytestmark = pytest.mark.integration


def wait_for(condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError("the worker did not finish in time")


def test_a_real_worker_scores_members_and_refreshes_the_roll_ups(celery_worker_process):
    member = onboarded_member(approved_at=timezone.now() - timedelta(days=40))
    activity(member, Verb.RED_FLAG_RATED, timezone.now() - timedelta(days=1), times=2)
    engagement_nightly.delay()
    wait_for(lambda: RollupRefresh.objects.exists())
    assert MemberEngagement.objects.get(member=member).score == pytest.approx(2 * 3 * 0.5 ** (1 / 30))


def test_send_me_this_now_reaches_the_leader_over_smtp(celery_worker_process):
    _worker, inbox = celery_worker_process
    leader = leadership_user(email="chair@knoble.example")
    with transaction.atomic():
        digest_request(user=leader)
    messages = inbox.wait_for(1)
    assert messages[0]["To"] == "chair@knoble.example"
    assert "weekly active" in messages[0]["Subject"]
