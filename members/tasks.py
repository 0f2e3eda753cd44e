from smtplib import SMTPException

from celery import shared_task
from celery.contrib.django.task import DjangoTask

from members.emails import membership_decision_email_send, membership_status_email_send
from members.models import Member


@shared_task(base=DjangoTask, autoretry_for=(SMTPException, ConnectionError), retry_backoff=True, max_retries=5)
def send_membership_decision_email(member_id: int) -> None:
    member = Member.objects.select_related("user").get(pk=member_id)
    membership_decision_email_send(member=member)


@shared_task(base=DjangoTask, autoretry_for=(SMTPException, ConnectionError), retry_backoff=True, max_retries=5)
def send_membership_status_email(member_id: int) -> None:
    member = Member.objects.select_related("user").get(pk=member_id)
    membership_status_email_send(member=member)
