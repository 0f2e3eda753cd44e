"""The member digest through a real worker and SMTP: run twice, received once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns.digests import digest_preference_set
from campaigns.models import DigestDelivery, DigestFrequency, DigestStatus
from campaigns.tasks.digests import send_member_digests
from members.models import Notification, NotificationKind
from members.services import notification_create
from spaces import services as space_services
from tests.integration.test_engagement_tasks import wait_for
from tests.spaces.factories import participant, working_group

pytestmark = pytest.mark.integration


def test_a_real_worker_sends_the_digest_once_however_often_the_task_runs(celery_worker_process):
    _worker, inbox = celery_worker_process
    initiative = working_group()
    author, reader = participant(initiative), participant(initiative)
    started = space_services.thread_start(initiative=initiative, member=author, title="Typologies", body="Hello")
    notice = notification_create(
        member=reader, kind=NotificationKind.SPACE_ACTIVITY, title="A new thread", url=started.get_absolute_url()
    )
    Notification.objects.filter(pk=notice.pk).update(created_at=timezone.now() - timedelta(days=1))
    digest_preference_set(member=reader, frequency=DigestFrequency.DAILY)
    send_member_digests.delay()
    send_member_digests.delay()
    wait_for(lambda: DigestDelivery.objects.filter(status=DigestStatus.SENT).exists())
    messages = inbox.wait_for(2, timeout=3)  # a second message would arrive within the wait
    assert len(messages) == 1
    assert messages[0]["To"] == reader.user.email
    assert messages[0]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
