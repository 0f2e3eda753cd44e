"""The member digest: what a member's inbox received in a day or a week, in one e-mail, for members who chose it.

Built from the in-app inbox (`members.Notification` of the kinds in `DIGEST_KINDS`), it closes the digest of the
spaces (issue 22), outcomes (21) and voice (24) at once. The guarantees are the campaign engine's:

- **Once per member and period.** `digests_plan` inserts one `DigestDelivery` per member and period, ignoring the
  (member, frequency, period_start) key, so running the task twice plans nothing new.
- **A worker killed mid-send.** `digests_send` claims rows with SELECT … FOR UPDATE SKIP LOCKED and marks each one
  `sent` right after the SMTP server accepts it, only while the row still carries the worker's claim. A row left
  `sending` is offered again only when its lease (`LEASE`) has expired, with the same Message-ID: at most the
  message in flight when the worker died is repeated, as in `campaigns.send`.
- **Unsubscribe.** Every digest carries a signed one-click link (RFC 8058) that turns the digest off.
- **The contact budget does not apply**: the digest is opt-in (no preference means never), so it is always a
  message the member chose; it writes no campaign `Delivery` and so never counts against campaign mail either.
- **Access at send time.** Each item is checked when the digest is built, not when the notice was written:
  a space post through `spaces.selectors.access_level` and the post's TLP label (`sharing.selectors.scope`), a red
  flag through `ecosystem.selectors.visible_red_flags`, the roadmap through the member's portal access. An item
  whose link leads anywhere else is left out (fail closed), and a member who may no longer use the portal gets
  nothing.
- **Sanitised.** Post excerpts are rendered from Markdown, cleaned by nh3 to text (scripts dropped), and escaped
  again in the HTML part.

Periods are in UTC: a daily digest covers the previous day, a weekly one the previous Monday-to-Sunday week.
"""

import html
import re
import smtplib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from typing import Any

import nh3
from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.text import Truncator

from campaigns.bounces import normalise, undeliverable_reasons
from campaigns.models import DigestDelivery, DigestFrequency, DigestPreference, DigestStatus
from core.markdown import safe_markdown
from ecosystem.selectors import visible_red_flags
from initiatives.models import Initiative
from members.access import may_use_portal
from members.languages import in_member_language
from members.models import Member, Notification, NotificationKind, User
from spaces.models import Space
from spaces.selectors import Level, access_level, posts_of, thread_for

DIGEST_KINDS = (NotificationKind.SPACE_ACTIVITY, NotificationKind.OUTCOME_FEEDBACK, NotificationKind.ROADMAP_UPDATE)
LEASE = timedelta(minutes=15)
CHUNK = 100
EXCERPT_CHARS = 280
UNSUBSCRIBE_SALT = "campaigns.digest.unsubscribe"
_POST_FRAGMENT = re.compile(r"^post-(\d+)$")


def period_for(frequency: str, now: datetime) -> tuple[datetime, datetime]:
    """The last complete period before `now`: yesterday (UTC) for a daily digest, last Monday-to-Sunday week for a
    weekly one."""
    midnight = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if frequency == DigestFrequency.DAILY:
        return midnight - timedelta(days=1), midnight
    monday = midnight - timedelta(days=midnight.weekday())
    return monday - timedelta(days=7), monday


# ---- The items, checked at send time ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DigestItem:
    kind: str
    kind_label: str
    title: str
    body: str
    url: str
    created_at: datetime
    excerpt: str = ""


def plain_excerpt(markdown_text: str, *, limit: int = EXCERPT_CHARS) -> str:
    """A post's Markdown as plain text: rendered by the one renderer (`core.markdown.safe_markdown`), every tag left
    removed by nh3, entities decoded; the templates escape it again for the HTML part."""
    text = html.unescape(nh3.clean(safe_markdown(markdown_text), tags=set()))
    return Truncator(" ".join(text.split())).chars(limit)


def _readable_thread(user: User, slug: str, pk: Any) -> Any:
    """The thread when `user` may still read its space and its label; None otherwise."""
    initiative = Initiative.objects.filter(slug=slug).first()
    if initiative is None or access_level(user=user, initiative=initiative) < Level.MEMBER:
        return None
    space = Space.objects.filter(initiative=initiative).first()
    if space is None:
        return None
    try:
        return thread_for(space=space, user=user, pk=pk)
    except Http404:
        return None


def _space_post(user: User, kwargs: dict[str, Any], fragment: str, memo: dict[Any, Any]) -> str | None:
    """The post's excerpt when `user` may still read it (the space, the thread's and the post's labels, not
    hidden); None otherwise. The thread's check is made once per digest (`memo`), then one query per post."""
    key = ("thread", kwargs.get("slug", ""), str(kwargs.get("pk")))
    if key not in memo:
        memo[key] = _readable_thread(user, kwargs.get("slug", ""), kwargs.get("pk"))
    thread = memo[key]
    if thread is None:
        return None
    match = _POST_FRAGMENT.match(fragment)
    posts = posts_of(thread=thread, user=user).filter(hidden_at__isnull=True)
    post = posts.filter(pk=int(match.group(1))).first() if match else posts.first()
    return None if post is None else plain_excerpt(post.body)


def _red_flag(user: User, kwargs: dict[str, Any], fragment: str, memo: dict[Any, Any]) -> str | None:
    return "" if visible_red_flags(user=user).filter(pk=int(kwargs.get("pk", 0))).exists() else None


def _roadmap(user: User, kwargs: dict[str, Any], fragment: str, memo: dict[Any, Any]) -> str | None:
    return ""  # the published roadmap: every member who may use the portal (checked for the whole digest)


# Where an inbox item may lead, and how access to it is decided now; anything else is left out.
ACCESS_CHECKS: dict[str, Callable[[User, dict[str, Any], str, dict[Any, Any]], str | None]] = {
    "spaces:thread": _space_post,
    "ecosystem:red_flag": _red_flag,
    "voice:roadmap_items": _roadmap,
}


def visible_items(*, member: Member, notifications: Iterable[Notification]) -> list[DigestItem]:
    """The notices `member` may still see now, each with its excerpt; an empty list for a member who may not use
    the portal."""
    user = member.user
    if not may_use_portal(user):
        return []
    labels = dict(NotificationKind.choices)
    memo: dict[Any, Any] = {}
    items = []
    for notice in notifications:
        path, _sep, fragment = notice.url.partition("#")
        try:
            match = resolve(path)
        except Resolver404:
            continue
        check = ACCESS_CHECKS.get(match.view_name)
        excerpt = check(user, match.kwargs, fragment, memo) if check else None
        if excerpt is None:
            continue
        items.append(
            DigestItem(
                kind=notice.kind,
                kind_label=str(labels.get(notice.kind, notice.kind)),
                title=notice.title,
                body=notice.body,
                url=settings.SITE_URL.rstrip("/") + notice.url,
                created_at=notice.created_at,
                excerpt=excerpt,
            )
        )
    return items


def digest_items(*, delivery: DigestDelivery) -> list[DigestItem]:
    notices = Notification.objects.filter(
        member_id=delivery.member_id,
        kind__in=DIGEST_KINDS,
        created_at__gte=delivery.period_start,
        created_at__lt=delivery.period_end,
    ).order_by("created_at", "id")
    return visible_items(member=delivery.member, notifications=notices)


# ---- Preference and unsubscribe ----------------------------------------------------------------------------------


def digest_frequency(*, member: Member) -> str:
    return (
        DigestPreference.objects.filter(member=member).values_list("frequency", flat=True).first()
        or DigestFrequency.OFF
    )


@transaction.atomic
def digest_preference_set(*, member: Member, frequency: str) -> DigestPreference:
    if frequency not in DigestFrequency.values:
        raise ValueError(frequency)
    preference, _created = DigestPreference.objects.update_or_create(member=member, defaults={"frequency": frequency})
    return preference


def unsubscribe_token(member: Member) -> str:
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object(member.pk, compress=False)


def unsubscribe_url(member: Member) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("campaigns:digest_unsubscribe", args=[unsubscribe_token(member)])


def member_for_unsubscribe(token: str) -> Member | None:
    """The member a token names; None when the token is bad or the member is gone."""
    try:
        member_id = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign_object(token)
    except (signing.BadSignature, ValueError):
        return None
    if type(member_id) is not int:
        return None
    return Member.objects.select_related("user").filter(pk=member_id).first()


def digest_unsubscribe(*, member: Member) -> None:
    digest_preference_set(member=member, frequency=DigestFrequency.OFF)


# ---- Planning and sending ----------------------------------------------------------------------------------------


@dataclass
class DigestResult:
    planned: int = 0
    sent: int = 0
    empty: int = 0
    skipped: int = 0
    deferred: int = 0
    claimed: list[int] = field(default_factory=list)


def digests_plan(*, now: datetime) -> int:
    """One pending row per member who chose a digest and the period just ended; rows already there stay as they
    are (the unique key), so planning twice plans nothing."""
    planned = 0
    for frequency in (DigestFrequency.DAILY, DigestFrequency.WEEKLY):
        start, end = period_for(frequency, now)
        member_ids = DigestPreference.objects.filter(frequency=frequency).values_list("member_id", flat=True)
        rows = [
            DigestDelivery(member_id=pk, frequency=frequency, period_start=start, period_end=end) for pk in member_ids
        ]
        before = DigestDelivery.objects.filter(frequency=frequency, period_start=start).count()
        DigestDelivery.objects.bulk_create(rows, ignore_conflicts=True)
        planned += DigestDelivery.objects.filter(frequency=frequency, period_start=start).count() - before
    return planned


def _claim(*, now: datetime, limit: int) -> list[DigestDelivery]:
    """Pending rows, and rows whose sender's lease expired, marked `sending` under this worker's claim."""
    with transaction.atomic():
        ids = list(
            DigestDelivery.objects.select_for_update(skip_locked=True)
            .filter(Q(status=DigestStatus.PENDING) | Q(status=DigestStatus.SENDING, claimed_at__lt=now - LEASE))
            .order_by("id")
            .values_list("id", flat=True)[:limit]
        )
        DigestDelivery.objects.filter(pk__in=ids).update(
            status=DigestStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
    return list(DigestDelivery.objects.filter(pk__in=ids).select_related("member__user").order_by("id"))


def _mark(row: DigestDelivery, status: str, **fields: Any) -> bool:
    """Marks the row only while it still carries this worker's claim (a later worker may have taken it over)."""
    return bool(
        DigestDelivery.objects.filter(pk=row.pk, status=DigestStatus.SENDING, claimed_at=row.claimed_at).update(
            status=status, **fields
        )
    )


def message_id_for(row: DigestDelivery) -> str:
    """Stable per digest, so a repeat after a crash is recognisable as the same message."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "knoble.local"
    return f"<digest-{row.pk}@{domain}>"


def digest_email(*, row: DigestDelivery, items: list[DigestItem]) -> EmailMultiAlternatives:
    member = row.member
    unsubscribe = unsubscribe_url(member)
    context = {
        "member": member,
        "items": items,
        "frequency": row.frequency,
        "period_start": row.period_start,
        "period_end": row.period_end - timedelta(seconds=1),
        "unsubscribe_url": unsubscribe,
        "profile_url": settings.SITE_URL.rstrip("/") + reverse("members:profile"),
    }
    with in_member_language(member.language):
        subject = render_to_string("campaigns/email/digest_subject.txt", context).strip()
        body = render_to_string("campaigns/email/digest.txt", context)
        html = render_to_string("campaigns/email/digest.html", context)
    email = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=body,
        to=[member.user.email],
        headers={
            "Message-ID": message_id_for(row),
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    email.attach_alternative(html, "text/html")
    return email


def digests_send(*, now: datetime | None = None, limit: int = CHUNK) -> DigestResult:
    """Plans the periods just ended, then sends a chunk of digests over one SMTP connection."""
    now = now or timezone.now()
    result = DigestResult(planned=digests_plan(now=now))
    rows = _claim(now=now, limit=limit)
    result.claimed = [row.pk for row in rows]
    if not rows:
        return result
    chosen = dict(
        DigestPreference.objects.filter(member_id__in=[row.member_id for row in rows]).values_list(
            "member_id", "frequency"
        )
    )
    undeliverable = undeliverable_reasons(row.member.user.email for row in rows)
    connection = get_connection()
    try:
        for row in rows:
            if chosen.get(row.member_id) != row.frequency or normalise(row.member.user.email) in undeliverable:
                result.skipped += _mark(row, DigestStatus.SKIPPED)
                continue
            items = digest_items(delivery=row)
            if not items:
                result.empty += _mark(row, DigestStatus.EMPTY)
                continue
            try:
                connection.send_messages([digest_email(row=row, items=items)])
            except (smtplib.SMTPException, OSError):
                # Offered again at the next run; nothing was accepted for this row.
                result.deferred += _mark(row, DigestStatus.PENDING, claimed_at=None)
                continue
            result.sent += _mark(row, DigestStatus.SENT, sent_at=timezone.now(), items=len(items))
    finally:
        connection.close()
    return result
