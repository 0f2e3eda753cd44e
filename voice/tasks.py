from celery import shared_task
from celery.contrib.django.task import DjangoTask

from voice.notices import revision_notify
from voice.scoring import job_scores_recompute


@shared_task(base=DjangoTask)
def notify_revision(revision_id: int) -> int:
    """Idempotent: a revision is notified once (`RevisionNotice`)."""
    return revision_notify(revision_id=revision_id)


@shared_task(base=DjangoTask)
def recompute_job_scores(job_ids: list[int]) -> int:
    """Idempotent: recomputes from every answer so far."""
    return job_scores_recompute(job_ids=job_ids)
