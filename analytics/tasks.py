"""Thin tasks: the leadership digest. (The nightly roll-ups follow engagement's nightly scores: see `apps.py`.)"""

from smtplib import SMTPException

from celery import shared_task
from celery.contrib.django.task import DjangoTask

from analytics.digest import digest_recipients, digest_send
from members.models import User


# Names are the ones they had before engagement split into three apps, so that messages queued during an
# upgrade still run.
@shared_task(name="engagement.tasks.scoring.send_weekly_digest")
def send_weekly_digest() -> None:
    for user_id in digest_recipients().values_list("pk", flat=True):
        send_digest.delay(user_id)


@shared_task(
    base=DjangoTask,
    name="engagement.tasks.scoring.send_digest",
    autoretry_for=(SMTPException, ConnectionError),
    retry_backoff=True,
    max_retries=5,
)
def send_digest(user_id: int) -> None:
    digest_send(user=User.objects.select_related("member").get(pk=user_id))
