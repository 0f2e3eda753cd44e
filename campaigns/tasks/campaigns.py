"""Thin tasks over the campaign engine: ids in, one service call, safe to run twice. (The send task is in
`campaigns.send_tasks`, below the advance that enqueues it.)"""

from smtplib import SMTPException

from celery import shared_task
from celery.contrib.django.task import DjangoTask

from campaigns.advance import campaigns_advance
from campaigns.models import Campaign
from campaigns.send import campaign_test_send
from members.models import User


# Names are the ones they had before engagement split into three apps, so that messages queued during an upgrade
# (and the beat schedule rows in the database) still run.
@shared_task(base=DjangoTask, name="engagement.tasks.campaigns.advance_campaigns", ignore_result=True)
def advance_campaigns() -> int:
    """Every minute (beat): idempotent, because every insert ignores the (step, member) key."""
    return campaigns_advance()


@shared_task(
    base=DjangoTask,
    name="engagement.tasks.campaigns.send_campaign_test",
    autoretry_for=(SMTPException, ConnectionError),
    retry_backoff=True,
    max_retries=3,
    ignore_result=True,
)
def send_campaign_test(campaign_id: int, user_id: int) -> int:
    campaign = Campaign.objects.select_related("goal").get(pk=campaign_id)
    return campaign_test_send(campaign=campaign, actor=User.objects.get(pk=user_id))
