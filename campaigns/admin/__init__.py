"""Each feature of the campaigns app registers its own admin classes in its own module."""

from campaigns.admin import bounces, campaigns, digests

__all__ = ["bounces", "campaigns", "digests"]
