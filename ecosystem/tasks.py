from smtplib import SMTPException

from celery import shared_task
from celery.contrib.django.task import DjangoTask

from ecosystem.emails import suggestion_outcome_notify


@shared_task(base=DjangoTask, autoretry_for=(SMTPException, ConnectionError), retry_backoff=True, max_retries=5)
def send_suggestion_outcome_email(suggestion_id: int) -> None:
    suggestion_outcome_notify(suggestion_id=suggestion_id)
