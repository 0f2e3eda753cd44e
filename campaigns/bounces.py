"""Bounces: recording what the bounce mailbox reports, and the addresses that no longer take e-mail.

`bounce_record` is the one write for a bounce: it records the notification once (by its key), marks the
delivery bounced and, when the address hard-bounced or soft-bounced KNOBLE_BOUNCE_SOFT_LIMIT times within
KNOBLE_BOUNCE_SOFT_WINDOW_DAYS, marks the address undeliverable. The campaign engine then sends that member's
messages to their portal inbox instead (`undeliverable_reasons`).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.dsn import parse
from campaigns.models import Bounce, BounceKind, Delivery, DeliveryStatus, UndeliverableAddress
from members.models import User


def normalise(email: str) -> str:
    return email.strip().lower()


@dataclass(frozen=True)
class Recorded:
    bounce: Bounce
    created: bool
    undeliverable: bool


def _reason(bounce: Bounce, soft_count: int) -> str:
    reply = f" ({bounce.status}: {bounce.diagnostic})" if bounce.diagnostic else f" ({bounce.status})"
    if bounce.kind == BounceKind.HARD:
        return _("E-mail to this address bounced permanently%(reply)s.") % {"reply": reply}
    return _("E-mail to this address bounced %(count)d times in %(days)d days%(reply)s.") % {
        "count": soft_count,
        "days": settings.KNOBLE_BOUNCE_SOFT_WINDOW_DAYS,
        "reply": reply,
    }


def _soft_bounces(email: str, since: datetime) -> int:
    """Distinct messages that soft-bounced since then: a 'delayed' and a later 'failed' notice for the same
    message count once."""
    return (
        Bounce.objects.filter(email=email, kind=BounceKind.SOFT, received_at__gte=since).aggregate(
            n=Count("delivery", distinct=True)
        )["n"]
        or 0
    )


def _mark_if_undeliverable(bounce: Bounce) -> bool:
    now = timezone.now()
    mark = UndeliverableAddress.objects.select_for_update().filter(email=bounce.email).first()
    if mark is not None and mark.active:
        return True
    soft_count = 0
    if bounce.kind == BounceKind.SOFT:
        since = now - timedelta(days=settings.KNOBLE_BOUNCE_SOFT_WINDOW_DAYS)
        if mark is not None and mark.cleared_at is not None:
            since = max(since, mark.cleared_at)  # bounces before staff cleared the mark are forgiven
        soft_count = _soft_bounces(bounce.email, since)
        if soft_count < settings.KNOBLE_BOUNCE_SOFT_LIMIT:
            return False
    UndeliverableAddress.objects.update_or_create(
        email=bounce.email,
        defaults={
            "reason": _reason(bounce, soft_count)[:500],
            "bounce": bounce,
            "marked_at": now,
            "cleared_at": None,
            "cleared_by": None,
        },
    )
    return True


@transaction.atomic
def bounce_record(
    *, delivery_id: int, kind: BounceKind, action: str, status: str, diagnostic: str, message_key: str
) -> Recorded | None:
    """Records one notification about one delivery; the same notification again records nothing more.
    None when the delivery no longer exists."""
    delivery = (
        Delivery.objects.select_for_update(of=("self",)).select_related("member__user").filter(pk=delivery_id).first()
    )
    if delivery is None:
        return None
    bounce, created = Bounce.objects.get_or_create(
        message_key=message_key,
        defaults={
            "delivery": delivery,
            "kind": kind,
            "email": normalise(delivery.member.user.email),
            "action": action[:16],
            "status": status[:16],
            "diagnostic": diagnostic[:500],
        },
    )
    if not created:
        return Recorded(bounce, created=False, undeliverable=False)
    if delivery.status == DeliveryStatus.SENT:
        # A row still being sent (its acceptance not yet committed) keeps its status; the bounce is recorded.
        delivery.status = DeliveryStatus.BOUNCED
        delivery.last_error = (bounce.diagnostic or bounce.status or bounce.action)[:500]
        delivery.save(update_fields=["status", "last_error"])
    return Recorded(bounce, created=True, undeliverable=_mark_if_undeliverable(bounce))


def bounce_message_process(*, raw: bytes) -> Recorded | None:
    """Reads one message from the bounce mailbox; None when it is not a notification about one of our
    deliveries (an auto-reply, a notification about a test send or another sender's mail, a forged token)."""
    notification = parse(raw)
    if notification is None or notification.delivery_id is None or notification.bounce is None:
        return None
    report = notification.bounce
    return bounce_record(
        delivery_id=notification.delivery_id,
        kind=report.kind,
        action=report.action,
        status=report.status,
        diagnostic=report.diagnostic,
        message_key=notification.key,
    )


@transaction.atomic
def undeliverable_clear(*, marks: Iterable[UndeliverableAddress], actor: User) -> int:
    """Staff clear marks: e-mail to these addresses is tried again, and earlier soft bounces are forgiven."""
    return UndeliverableAddress.objects.filter(pk__in=[mark.pk for mark in marks], cleared_at__isnull=True).update(
        cleared_at=timezone.now(), cleared_by=actor
    )


def undeliverable_reasons(emails: Iterable[str]) -> dict[str, str]:
    """Normalised address → why it is undeliverable, for those of these addresses that are."""
    wanted = {normalise(email) for email in emails}
    return dict(
        UndeliverableAddress.objects.filter(email__in=wanted, cleared_at__isnull=True).values_list("email", "reason")
    )


def undeliverable_delivery_reason(bounce_reason: str) -> str:
    """The delivery log's line for a message sent to the portal inbox instead of an undeliverable address."""
    return _("Sent to the member's portal inbox instead of e-mail: %(reason)s") % {"reason": bounce_reason}
