"""Celery autodiscovers `campaigns.tasks`; each feature keeps its tasks in its own module."""

from campaigns.send_tasks import send_deliveries
from campaigns.tasks.bounces import poll_bounce_mailbox
from campaigns.tasks.campaigns import advance_campaigns, send_campaign_test
from campaigns.tasks.digests import send_member_digests

__all__ = ["advance_campaigns", "poll_bounce_mailbox", "send_campaign_test", "send_deliveries", "send_member_digests"]
