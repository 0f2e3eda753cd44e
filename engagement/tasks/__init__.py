"""Celery autodiscovers `engagement.tasks`; each feature keeps its tasks in its own module."""

from engagement.tasks.bounces import poll_bounce_mailbox
from engagement.tasks.campaigns import advance_campaigns, send_campaign_test, send_deliveries
from engagement.tasks.scoring import engagement_nightly, send_digest, send_weekly_digest

__all__ = [
    "advance_campaigns",
    "engagement_nightly",
    "poll_bounce_mailbox",
    "send_campaign_test",
    "send_deliveries",
    "send_digest",
    "send_weekly_digest",
]
