from celery import shared_task
from celery.contrib.django.task import DjangoTask

from spaces.orphans import orphan_files_remove
from spaces.services import action_items_remind, audiences_sync


@shared_task(base=DjangoTask)
def remind_overdue_action_items() -> int:
    """Reminds each overdue action item's owner once (the claim on the row makes a rerun remind nobody twice)."""
    return action_items_remind()


@shared_task(base=DjangoTask)
def sync_space_audiences() -> int:
    """Keeps each space's TLP:AMBER audience (its sharing group) in step with who takes part."""
    return audiences_sync()


@shared_task(base=DjangoTask)
def remove_orphan_files() -> int:
    """Deletes stored files no document version names (an upload whose transaction rolled back)."""
    return orphan_files_remove()
