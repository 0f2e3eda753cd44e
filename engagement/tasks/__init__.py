"""Celery autodiscovers `engagement.tasks`; each feature keeps its tasks in its own module."""

from engagement.tasks.campaigns import advance_campaigns, send_campaign_test, send_deliveries

__all__ = ["advance_campaigns", "send_campaign_test", "send_deliveries"]
