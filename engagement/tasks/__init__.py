from engagement.tasks.scoring import engagement_nightly, send_digest, send_weekly_digest

__all__ = ["engagement_nightly", "send_digest", "send_weekly_digest"]
