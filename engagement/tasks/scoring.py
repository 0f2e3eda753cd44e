"""Thin tasks: the nightly scores and roll-ups, and the leadership digest."""

from smtplib import SMTPException

from celery import shared_task
from django.db import OperationalError

from engagement.digest import digest_recipients, digest_send
from engagement.rollups import rollups_refresh
from engagement.scoring import engagement_recompute
from members.models import User


# Both steps replace what they wrote before, so a redelivered run is harmless: late acks are safe.
@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=60, max_retries=3)
def engagement_nightly() -> None:
    engagement_recompute()
    rollups_refresh()


@shared_task
def send_weekly_digest() -> None:
    for user_id in digest_recipients().values_list("pk", flat=True):
        send_digest.delay(user_id)


@shared_task(autoretry_for=(SMTPException, ConnectionError), retry_backoff=True, max_retries=5)
def send_digest(user_id: int) -> None:
    digest_send(user=User.objects.get(pk=user_id))
