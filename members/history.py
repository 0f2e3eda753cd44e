"""Who made a change, for the history that django-simple-history keeps of our models.

Outside a request (a Celery task, a management command, one service called by another) the history
middleware knows nobody, so a service that takes the acting user names it on every instance it saves; a
change the system makes (`by=None`: a waitlist promotion, a scheduled job) names nobody even inside a staff
member's request, and its origin says it was the system."""

from django.db import models

from members.models import Source, User


def attribute_change(instance: models.Model, *, by: User | None, origin: Source | str) -> None:
    """The next `save()` of `instance` records `by` as the author of its history row and `origin` as the row's
    change reason: where the change came from (a `Source` value), or the reason staff gave where the model
    keeps one (a member's status)."""
    instance._history_user = by  # type: ignore[attr-defined]
    instance._change_reason = str(origin)  # type: ignore[attr-defined]
