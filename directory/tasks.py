from smtplib import SMTPException

from celery import shared_task
from celery.contrib.django.task import DjangoTask

from directory import emails
from directory.housekeeping import introductions_expire


@shared_task(base=DjangoTask, autoretry_for=(SMTPException, ConnectionError), retry_backoff=True, max_retries=5)
def invitation_send_task(invitation_id: int) -> bool:
    """Sends one invitation; safe to run twice (a redelivered task sends nothing more)."""
    return emails.invitation_send(invitation_id=invitation_id)


@shared_task(base=DjangoTask)
def introductions_expire_task() -> int:
    return introductions_expire()


@shared_task(base=DjangoTask, autoretry_for=(SMTPException, ConnectionError), retry_backoff=True, max_retries=5)
def introduction_email_task(introduction_id: int) -> bool:
    return emails.introduction_email_send(introduction_id=introduction_id)
