"""Thin tasks over the campaign engine: ids in, one service call, safe to run twice."""

from smtplib import SMTPException

from celery import shared_task

from campaigns.engine import TransientSendError, campaign_test_send, campaigns_advance, deliveries_send
from campaigns.models import Campaign
from members.models import User


# Names are the ones they had before engagement split into three apps, so that messages queued during an upgrade
# (and the beat schedule rows in the database) still run.
@shared_task(name="engagement.tasks.campaigns.advance_campaigns", ignore_result=True)
def advance_campaigns() -> int:
    """Every minute (beat): idempotent, because every insert ignores the (step, member) key."""
    return campaigns_advance()


# Late acknowledgement is safe: a redelivered chunk claims only rows that are still pending and due. The hard
# time limit stays well under the send lease, so a row is never reclaimed while its worker still holds it.
@shared_task(
    name="engagement.tasks.campaigns.send_deliveries",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=120,
    time_limit=150,
    autoretry_for=(TransientSendError,),
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=6,
    ignore_result=True,
)
def send_deliveries(delivery_ids: list[int]) -> int:
    return deliveries_send(delivery_ids=delivery_ids).sent


@shared_task(
    name="engagement.tasks.campaigns.send_campaign_test",
    autoretry_for=(SMTPException, ConnectionError),
    retry_backoff=True,
    max_retries=3,
    ignore_result=True,
)
def send_campaign_test(campaign_id: int, user_id: int) -> int:
    campaign = Campaign.objects.select_related("goal").get(pk=campaign_id)
    return campaign_test_send(campaign=campaign, actor=User.objects.get(pk=user_id))
