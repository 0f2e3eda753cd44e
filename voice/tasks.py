from celery import shared_task
from celery.contrib.django.task import DjangoTask

from voice.notices import revision_notify


@shared_task(base=DjangoTask)
def notify_revision(revision_id: int) -> int:
    """Idempotent: a revision is notified once (`RevisionNotice`)."""
    return revision_notify(revision_id=revision_id)
