"""The send task, apart from `campaigns.tasks`: the advance (a service) enqueues it and the advance task calls that
service, so the task it enqueues must sit below both for the imports to run one way."""

from celery import shared_task
from celery.contrib.django.task import DjangoTask

from campaigns.send import TransientSendError, deliveries_send


# Late acknowledgement is safe: a redelivered chunk claims only rows that are still pending and due. The hard
# time limit stays well under the send lease, so a row is never reclaimed while its worker still holds it. The
# name is the one it had before engagement split into three apps, so that chunks queued during an upgrade still run.
@shared_task(
    base=DjangoTask,
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
