"""Each feature of the engagement app registers its own admin classes in its own module."""

from engagement.admin import campaigns, scoring

__all__ = ["campaigns", "scoring"]
