"""The Celery app and the whole beat schedule, in one place.

The schedule is written to the database by django-celery-beat's scheduler when beat starts, so staff
see (and can pause) every periodic task in the admin.
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "knoble.settings")

app = Celery("knoble")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Task names are the ones they had before engagement split into three apps (docs/adr/0007-three-apps-not-two.md):
# the schedule rows staff see in the admin, and messages already queued, keep working across the upgrade.
app.conf.beat_schedule = {
    # Introductions nobody answered in 14 days close (issue 23).
    "expire-introductions": {
        "task": "directory.tasks.introductions_expire_task",
        "schedule": 60 * 60,
        "options": {"expire_seconds": 60 * 55},
    },
    "purge-expired-sessions": {
        "task": "knoble.tasks.clear_expired_sessions",
        "schedule": 60 * 60 * 24,
    },
    "advance-campaigns": {
        "task": "engagement.tasks.campaigns.advance_campaigns",
        "schedule": 60,
        # A run still queued when the next one is due is redundant: the next run does all it would have done.
        # django-celery-beat's scheduler stores this key (as the row's expiry) and sends it as `expires`.
        "options": {"expire_seconds": 55},
    },
    "poll-bounce-mailbox": {
        "task": "engagement.tasks.bounces.poll_bounce_mailbox",
        "schedule": 5 * 60,
    },
    "engagement-nightly-scores-and-rollups": {
        "task": "engagement.tasks.scoring.engagement_nightly",
        "schedule": crontab(hour=2, minute=15),
    },
    "engagement-weekly-leadership-digest": {
        "task": "engagement.tasks.scoring.send_weekly_digest",
        "schedule": crontab(day_of_week="mon", hour=7, minute=0),
    },
    "spaces-remind-overdue-action-items": {
        "task": "spaces.tasks.remind_overdue_action_items",
        "schedule": crontab(hour=8, minute=0),
    },
    "spaces-sync-audiences": {
        "task": "spaces.tasks.sync_space_audiences",
        "schedule": 60 * 60,
    },
    "spaces-remove-orphan-files": {
        "task": "spaces.tasks.remove_orphan_files",
        "schedule": crontab(hour=3, minute=40),
    },
    # The member digest (daily or weekly, the member's choice; not the leadership digest above): every hour from
    # 05:30 UTC, one chunk per run; repeated runs send nothing twice (campaigns/digests.py).
    "campaigns-member-digests": {
        "task": "campaigns.tasks.digests.send_member_digests",
        "schedule": crontab(minute=30),
        "options": {"expire_seconds": 50 * 60},
    },
}
