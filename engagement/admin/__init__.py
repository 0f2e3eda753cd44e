from engagement.admin import scoring

__all__ = ["scoring"]
