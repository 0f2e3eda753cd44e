"""The directory's nightly housekeeping (its own module, so that the tasks import it at their top)."""

from datetime import datetime

from django.utils import timezone

from directory.models import Introduction, IntroductionStatus


def introductions_expire(*, now: datetime | None = None) -> int:
    """Closes the requests nobody answered in 14 days. Idempotent."""
    now = now or timezone.now()
    return Introduction.objects.filter(status=IntroductionStatus.REQUESTED, expires_at__lte=now).update(
        status=IntroductionStatus.EXPIRED
    )
