"""Each feature of the engagement app registers its own admin classes in its own module."""

from engagement.admin import bounces, campaigns, scoring

__all__ = ["bounces", "campaigns", "scoring"]
