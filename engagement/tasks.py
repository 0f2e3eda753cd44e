"""Thin tasks: the nightly recompute of scores and stages."""

from celery import shared_task
from django.db import OperationalError

from engagement.scoring import engagement_recompute, engagement_replay
from engagement.signals import scores_recomputed


# The name it had before engagement split into three apps, so that a message queued during an upgrade still runs.
# Every step replaces what it wrote before, so a redelivered run is harmless: late acks are safe. The roll-ups
# are rebuilt by analytics' receiver within this task, so a database error retries both, as before the split.
@shared_task(
    name="engagement.tasks.scoring.engagement_nightly",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=60,
    max_retries=3,
)
def engagement_nightly(*, full: bool = False) -> None:
    engagement_recompute(full=full)
    scores_recomputed.send(sender=engagement_nightly)


# Hours of work at full size, in one transaction: no automatic retry, staff start it again if it fails.
@shared_task(acks_late=True)
def engagement_replay_history() -> None:
    engagement_replay()
    scores_recomputed.send(sender=engagement_replay_history)
