"""The member digest's task: beat runs it every hour; each run plans the periods just ended and sends one chunk,
so a day's digests go out in the morning's first runs, and a run that repeats (or a worker that died) sends
nothing twice (`campaigns.digests`)."""

from celery import shared_task
from celery.contrib.django.task import DjangoTask

from campaigns.digests import digests_send


@shared_task(base=DjangoTask, name="campaigns.tasks.digests.send_member_digests", ignore_result=True)
def send_member_digests() -> int:
    return digests_send().sent
