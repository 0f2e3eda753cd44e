"""The campaign engine: staff actions, the periodic advance, and sending a chunk of deliveries.

Scheduling lives in the database. `campaigns_advance` (every minute) writes the deliveries that are due with
set-based INSERT … SELECT statements that ignore conflicts on the (step, member) key, so running it twice, or
on two machines at once, writes nothing twice. `deliveries_send` claims rows with SELECT … FOR UPDATE SKIP
LOCKED, marks them `sending`, and marks each one `sent` right after the SMTP server accepts it: a worker killed
mid-chunk leaves at most the message in flight to be repeated, and its other rows return to `pending` when
their lease expires.

The server's reply to one message decides that row only: a 4xx defers it (`deferred`, offered again at its own
`next_attempt_at`, with the backoff of KNOBLE_CAMPAIGN_RETRY_DELAYS_SECONDS, until the horizon), a 5xx fails it
with the reply, and the chunk carries on over the same connection (smtplib resets the SMTP transaction after a
refusal). Only a failed connection stops the chunk: the message in flight is deferred and the rows not offered
yet go back to `pending` as they were. `attempts` counts the times a row was offered to the server.
"""

import smtplib
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import get_connection
from django.db import connection, transaction
from django.db.models import Count, Exists, F, Min, OuterRef, Q, QuerySet, Value
from django.utils import timezone

from campaigns.bounces import normalise, undeliverable_delivery_reason, undeliverable_reasons
from campaigns.messages import Template, email_for, personalise
from campaigns.models import (
    FINAL_STATUSES,
    Campaign,
    CampaignStatus,
    CampaignStep,
    Channel,
    Delivery,
    DeliveryStatus,
    StepCondition,
)
from campaigns.segments import segment_members
from initiatives.models import Participation, ParticipationStatus
from members.models import Member, MemberStatus, NotificationKind, Source, User, Verb
from members.services import notification_create, record_activity, record_activity_for_updated

BUDGET_WINDOW = timedelta(days=7)
LARGE_WRITE = 10_000  # deliveries written in one engine run that call for fresh planner statistics
# Pending and rejected people were never members; suspended and left ones are enrolled so that their
# deliveries are accounted for as suppressed, with the reason.
ENROLLED_STATUSES = [MemberStatus.APPROVED, MemberStatus.SUSPENDED, MemberStatus.LEFT]
SUPPRESSION_REASONS = {
    MemberStatus.SUSPENDED: "Member is suspended.",
    MemberStatus.LEFT: "Member has left the network.",
}
# Rows an engine run may still send: due ones, and those a mail server refused for now once their time comes.
WAITING_STATUSES = [DeliveryStatus.PENDING, DeliveryStatus.DEFERRED]


class TransientSendError(Exception):
    """The connection to the SMTP server failed: the chunk's rows not offered yet are pending again; retry later."""


# Staff actions ---------------------------------------------------------------------------------------------


def _lock(campaign: Campaign) -> Campaign:
    return Campaign.objects.select_for_update().select_related("segment").get(pk=campaign.pk)


def _require(campaign: Campaign, *allowed: str, action: str) -> None:
    if campaign.status not in allowed:
        raise ValidationError(f"“{campaign}” is {campaign.get_status_display().lower()}: it cannot be {action}.")


def _advance_soon() -> None:
    from campaigns.tasks.campaigns import advance_campaigns

    transaction.on_commit(advance_campaigns.delay)


@transaction.atomic
def campaign_launch(*, campaign: Campaign, actor: User) -> Campaign:
    """Draft → scheduled (start in the future) or running; members are enrolled by the next engine run."""
    locked = _lock(campaign)
    _require(locked, CampaignStatus.DRAFT, action="launched")
    if not locked.steps.exists():
        raise ValidationError(f"“{locked}” has no steps yet.")
    segment_members(locked.segment.rules)  # refuses rules that no longer hold (a deleted initiative, say)
    now = timezone.now()
    locked.starts_at = locked.starts_at or now
    locked.status = CampaignStatus.SCHEDULED if locked.starts_at > now else CampaignStatus.RUNNING
    locked.launched_at, locked.launched_by = now, actor
    locked.save(update_fields=["starts_at", "status", "launched_at", "launched_by", "updated_at"])
    _advance_soon()
    return locked


@transaction.atomic
def campaign_pause(*, campaign: Campaign, actor: User) -> Campaign:
    """Nothing more is sent until it resumes; pending deliveries wait."""
    locked = _lock(campaign)
    _require(locked, CampaignStatus.SCHEDULED, CampaignStatus.RUNNING, action="paused")
    locked.status = CampaignStatus.PAUSED
    locked.save(update_fields=["status", "updated_at"])
    return locked


@transaction.atomic
def campaign_resume(*, campaign: Campaign, actor: User) -> Campaign:
    locked = _lock(campaign)
    _require(locked, CampaignStatus.PAUSED, action="resumed")
    future = locked.starts_at is not None and locked.starts_at > timezone.now()
    locked.status = CampaignStatus.SCHEDULED if future else CampaignStatus.RUNNING
    locked.save(update_fields=["status", "updated_at"])
    # Sends enqueued before the pause found the campaign paused and left their rows: enqueue them afresh.
    Delivery.objects.filter(campaign=locked, status__in=WAITING_STATUSES).update(enqueued_at=None)
    _advance_soon()
    return locked


@transaction.atomic
def campaign_cancel(*, campaign: Campaign, actor: User) -> Campaign:
    """Stops for good: every delivery not yet sent is skipped, so each one still ends in a final state."""
    locked = _lock(campaign)
    _require(
        locked,
        CampaignStatus.DRAFT,
        CampaignStatus.SCHEDULED,
        CampaignStatus.RUNNING,
        CampaignStatus.PAUSED,
        action="cancelled",
    )
    locked.status = CampaignStatus.CANCELLED
    locked.save(update_fields=["status", "updated_at"])
    # A row a worker is sending right now finishes as sent; its lease would otherwise expire into this.
    Delivery.objects.filter(campaign=locked, status__in=WAITING_STATUSES).update(
        status=DeliveryStatus.SKIPPED,
        next_attempt_at=None,
        finished_at=timezone.now(),
        last_error="Campaign cancelled.",
    )
    return locked


def campaign_test_send_enqueue(*, campaign: Campaign, actor: User) -> None:
    """Every step, rendered for the staff member, to their own address (never tracked)."""
    from campaigns.tasks.campaigns import send_campaign_test

    if not campaign.steps.exists():
        raise ValidationError(f"“{campaign}” has no steps to test.")
    campaign_id, user_id = campaign.pk, actor.pk
    transaction.on_commit(lambda: send_campaign_test.delay(campaign_id, user_id))


def campaign_test_send(*, campaign: Campaign, actor: User) -> int:
    member = Member.objects.select_related("user", "organisation").filter(user=actor).first()
    stand_in = member or Member(user=actor)
    emails = [
        email_for(
            personalise(Template.for_step(step), member=stand_in, campaign=campaign, delivery=None),
            to=actor.email,
            delivery=None,
        )
        for step in campaign.steps.order_by("position")
    ]
    for email in emails:
        email.subject = f"[Test] {email.subject}"
    return get_connection().send_messages(emails) or 0


# The periodic advance --------------------------------------------------------------------------------------


def _insert_ignoring_conflicts(rows: QuerySet[Any]) -> int:
    """INSERT … SELECT of a values_list in the column order below; rows that already exist are skipped."""
    select_sql, params = rows.query.sql_with_params()
    table = Delivery._meta.db_table
    sql = (
        f"INSERT INTO {table} (campaign_id, step_id, member_id, status, channel, due_at, attempts, last_error, "
        f"created_at) {select_sql} ON CONFLICT (step_id, member_id) DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _row_values(campaign: Campaign, step: CampaignStep, now: datetime, due: Any, member: str) -> list[Any]:
    return [
        Value(campaign.pk),
        Value(step.pk),
        member,
        Value(DeliveryStatus.PENDING.value),
        Value(""),
        due,
        Value(0),
        Value(""),
        Value(now),
    ]


def _not_delivered(step: CampaignStep, member: str) -> Exists:
    return Exists(Delivery.objects.filter(step=step, member_id=OuterRef(member)))


def _enrol(campaign: Campaign, first: CampaignStep, now: datetime) -> int:
    """Step 1 for every segment member not yet enrolled, due its delay after the start."""
    start = max(campaign.starts_at or now, now)
    members = (
        segment_members(campaign.segment.rules)
        .filter(status__in=ENROLLED_STATUSES)
        .filter(~_not_delivered(first, "pk"))
        .order_by()
        .values_list(*_row_values(campaign, first, now, Value(start + first.delay), "pk"))
    )
    return _insert_ignoring_conflicts(members)


def _follow(campaign: Campaign, previous: CampaignStep, step: CampaignStep, now: datetime) -> int:
    """The next step for every member whose previous delivery is final, due its delay after that."""
    rows = (
        Delivery.objects.filter(step=previous, status__in=FINAL_STATUSES)
        .filter(~_not_delivered(step, "member_id"))
        .order_by()
        .values_list(*_row_values(campaign, step, now, F("finished_at") + Value(step.delay), "member_id"))
    )
    return _insert_ignoring_conflicts(rows)


def _complete_if_done(campaign: Campaign, steps: list[CampaignStep]) -> None:
    if campaign.enrol_late_joiners or campaign.deliveries.exclude(status__in=FINAL_STATUSES).exists():
        return
    counts = dict(campaign.deliveries.values_list("step").annotate(n=Count("id")).order_by())
    if counts.get(steps[-1].pk, 0) == counts.get(steps[0].pk, 0):
        campaign.status = CampaignStatus.COMPLETED
        campaign.save(update_fields=["status", "updated_at"])


def _advance_one(campaign_id: int, now: datetime) -> None:
    with transaction.atomic():
        campaign = (
            Campaign.objects.select_for_update(skip_locked=True)
            .select_related("segment")
            .filter(pk=campaign_id, status=CampaignStatus.RUNNING)
            .first()
        )
        if campaign is None:
            return  # another engine run holds it, or it was paused meanwhile
        steps = list(campaign.steps.order_by("position"))
        if not steps:
            return
        written = 0
        if campaign.enrolled_at is None or campaign.enrol_late_joiners:
            written = _enrol(campaign, steps[0], now)
            if campaign.enrolled_at is None:
                campaign.enrolled_at = now
                campaign.save(update_fields=["enrolled_at", "updated_at"])
        for previous, step in pairwise(steps):
            written += _follow(campaign, previous, step, now)
        _complete_if_done(campaign, steps)
    if written >= LARGE_WRITE and connection.vendor == "postgresql":
        # Fresh statistics keep the senders' lookups of these rows on their indexes from the first chunk on,
        # rather than when autovacuum next gets round to the table.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Delivery._meta.db_table}")


def _reclaim_expired_leases(now: datetime) -> None:
    """Rows a dead worker held go back to pending (the message in flight at the kill may repeat); those of a
    campaign cancelled meanwhile are skipped, so they too end in a final state."""
    expired = now - timedelta(seconds=settings.KNOBLE_CAMPAIGN_SEND_LEASE_SECONDS)
    stale = Delivery.objects.filter(status=DeliveryStatus.SENDING, claimed_at__lt=expired)
    stale.filter(campaign__status=CampaignStatus.CANCELLED).update(
        status=DeliveryStatus.SKIPPED, claimed_at=None, finished_at=now, last_error="Campaign cancelled."
    )
    stale.update(status=DeliveryStatus.PENDING, claimed_at=None, enqueued_at=None)


def _enqueue_due(now: datetime, limit: int) -> list[int]:
    """Marks due rows as enqueued (so the next run does not enqueue them again before the lease) and returns them:
    deferred rows whose next attempt has come first, then pending ones, each by its own partial index."""
    lease = now - timedelta(seconds=settings.KNOBLE_CAMPAIGN_SEND_LEASE_SECONDS)
    with transaction.atomic():
        rows = (
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(campaign__status=CampaignStatus.RUNNING)
            .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=lease))
            .values_list("pk", flat=True)
        )
        due = list(
            rows.filter(status=DeliveryStatus.DEFERRED, next_attempt_at__lte=now).order_by("next_attempt_at", "id")[
                :limit
            ]
        )
        due += rows.filter(status=DeliveryStatus.PENDING, due_at__lte=now).order_by("due_at", "id")[: limit - len(due)]
        Delivery.objects.filter(pk__in=due).update(enqueued_at=now)
        size = settings.KNOBLE_CAMPAIGN_CHUNK_SIZE
        for start in range(0, len(due), size):
            _send_on_commit(due[start : start + size])
    return due


def _send_on_commit(ids: list[int]) -> None:
    from campaigns.tasks.campaigns import send_deliveries

    transaction.on_commit(lambda: send_deliveries.delay(ids))


def campaigns_advance(*, now: datetime | None = None, enqueue_limit: int = 20_000) -> int:
    """Starts scheduled campaigns, writes due deliveries, reclaims expired leases, enqueues sends; returns how many."""
    now = now or timezone.now()
    Campaign.objects.filter(status=CampaignStatus.SCHEDULED, starts_at__lte=now).update(
        status=CampaignStatus.RUNNING, updated_at=now
    )
    _reclaim_expired_leases(now)
    for campaign_id in Campaign.objects.filter(status=CampaignStatus.RUNNING).values_list("pk", flat=True):
        _advance_one(campaign_id, now)
    return len(_enqueue_due(now, enqueue_limit))


# Sending ---------------------------------------------------------------------------------------------------


@dataclass
class SendResult:
    sent: int = 0
    skipped: int = 0
    suppressed: int = 0
    failed: int = 0
    postponed: int = 0
    deferred: int = 0


def _final(status: str, now: datetime, reason: str = "") -> dict[str, Any]:
    return {
        "status": status,
        "finished_at": now,
        "last_error": reason[:500],
        "claimed_at": None,
        "next_attempt_at": None,
    }


def _goal_reached(rows: list[Delivery]) -> set[tuple[int, int]]:
    """(campaign, member) pairs where the member takes part in the campaign's goal initiative."""
    by_goal = defaultdict(set)
    for row in rows:
        if row.campaign.goal_id is not None:
            by_goal[row.campaign.goal_id].add(row.member_id)
    reached = set()
    for goal_id, member_ids in by_goal.items():
        joined = Participation.objects.filter(
            initiative_id=goal_id, member_id__in=member_ids, status=ParticipationStatus.ACTIVE
        ).values_list("member_id", flat=True)
        campaigns = {row.campaign_id for row in rows if row.campaign.goal_id == goal_id}
        reached |= {(campaign_id, member_id) for member_id in joined for campaign_id in campaigns}
    return reached


def _previous_deliveries(rows: list[Delivery]) -> dict[tuple[int, int], Delivery]:
    """(step, member) → the member's delivery of the step before, for the rows whose condition looks at it."""
    wanted = [row for row in rows if row.step.condition not in (StepCondition.ALWAYS, StepCondition.GOAL_NOT_REACHED)]
    if not wanted:
        return {}
    query = Q()
    for row in wanted:
        query |= Q(step__campaign_id=row.campaign_id, step__position=row.step.position - 1, member_id=row.member_id)
    previous = (
        Delivery.objects.filter(query)
        .select_related("step")
        .only("member_id", "opened_at", "clicked_at", "status", "step__position", "step__campaign_id")
    )
    found = {(d.step.campaign_id, d.step.position, d.member_id): d for d in previous}
    return {
        (row.step_id, row.member_id): found[(row.campaign_id, row.step.position - 1, row.member_id)]
        for row in wanted
        if (row.campaign_id, row.step.position - 1, row.member_id) in found
    }


def _condition_fails(row: Delivery, goal_reached: bool, previous: Delivery | None) -> str:
    """Why the step's condition says skip, or "" to send."""
    condition = row.step.condition
    if condition == StepCondition.ALWAYS:
        return ""
    if condition == StepCondition.GOAL_NOT_REACHED:
        return "Goal already reached." if goal_reached else ""
    opened = previous is not None and previous.opened_at is not None
    clicked = previous is not None and previous.clicked_at is not None
    holds, reason = {
        StepCondition.PREVIOUS_OPENED: (opened, "The previous message was not opened."),
        StepCondition.PREVIOUS_NOT_OPENED: (not opened, "The previous message was opened."),
        StepCondition.PREVIOUS_CLICKED: (clicked, "No link in the previous message was clicked."),
        StepCondition.PREVIOUS_NOT_CLICKED: (not clicked, "A link in the previous message was clicked."),
    }[StepCondition(condition)]
    return "" if holds else reason


def _budget(member_ids: list[int], now: datetime) -> tuple[dict[int, int], dict[int, datetime]]:
    """Messages each member got in the last 7 days (or that are being sent now) and the oldest of them."""
    window = Delivery.objects.filter(member_id__in=member_ids).filter(
        # Only a sent row has a sent_at, so the (member, sent_at) index answers the first half alone.
        Q(sent_at__gte=now - BUDGET_WINDOW) | Q(status=DeliveryStatus.SENDING)
    )
    rows = window.values("member_id").annotate(n=Count("id"), oldest=Min("sent_at")).order_by()
    return {r["member_id"]: r["n"] for r in rows}, {r["member_id"]: r["oldest"] for r in rows if r["oldest"]}


def _in_app(delivery: Delivery, message_subject: str, message_text: str) -> None:
    goal = delivery.campaign.goal
    notification_create(
        member=delivery.member,
        kind=NotificationKind.CAMPAIGN_MESSAGE,
        title=message_subject,
        body=message_text,
        url=goal.get_absolute_url() if goal else "",
    )


def _sent_activity(delivery: Delivery, now: datetime) -> dict[str, Any]:
    return {
        "verb": Verb.MESSAGE_SENT,
        "subject": delivery.campaign,
        "source": Source.SYSTEM,
        "details": {"delivery": delivery.pk, "step": delivery.step.position, "channel": delivery.channel},
        "occurred_at": now,
    }


def _record_sent(delivery: Delivery, now: datetime) -> None:
    record_activity(member=delivery.member, **_sent_activity(delivery, now))


def _claim(delivery_ids: list[int], templates: dict[int, Template], result: SendResult) -> list[Delivery]:
    """Decides every claimable row in one transaction; returns those to send by e-mail, now `sending`."""
    now = timezone.now()
    with transaction.atomic():
        rows = list(
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk__in=delivery_ids, campaign__status=CampaignStatus.RUNNING)
            .filter(
                Q(status=DeliveryStatus.PENDING, due_at__lte=now)
                | Q(status=DeliveryStatus.DEFERRED, next_attempt_at__lte=now)
            )
            .select_related("step", "campaign__goal", "member__user", "member__organisation")
            .order_by("member_id", "due_at", "id")
        )
        if not rows:
            return []
        member_ids = sorted({row.member_id for row in rows})
        # Locking the members makes the contact budget hold across concurrent workers and campaigns.
        list(Member.objects.select_for_update().filter(pk__in=member_ids).order_by("pk").values_list("pk"))
        used, oldest = _budget(member_ids, now)
        reached = _goal_reached(rows)
        previous = _previous_deliveries(rows)
        undeliverable = undeliverable_reasons(row.member.user.email for row in rows)
        to_email: list[Delivery] = []
        # Rows with the same outcome are updated together: a handful of statements per chunk, not one per row.
        outcomes: dict[tuple[tuple[str, Any], ...], list[int]] = defaultdict(list)

        def decide(row: Delivery, **fields: Any) -> None:
            for name, value in fields.items():
                setattr(row, name, value)
            outcomes[tuple(sorted(fields.items()))].append(row.pk)

        for row in rows:
            if row.member.status != MemberStatus.APPROVED:
                decide(
                    row, **_final(DeliveryStatus.SUPPRESSED, now, SUPPRESSION_REASONS[MemberStatus(row.member.status)])
                )
                result.suppressed += 1
                continue
            reason = _condition_fails(
                row, (row.campaign_id, row.member_id) in reached, previous.get((row.step_id, row.member_id))
            )
            if reason:
                decide(row, **_final(DeliveryStatus.SKIPPED, now, reason))
                result.skipped += 1
                continue
            if used.get(row.member_id, 0) >= settings.KNOBLE_CAMPAIGN_CONTACT_BUDGET:
                due = (oldest.get(row.member_id) or now) + BUDGET_WINDOW
                decide(
                    row,
                    status=DeliveryStatus.PENDING,
                    next_attempt_at=None,
                    due_at=due,
                    enqueued_at=None,
                    last_error="Waiting: contact budget reached.",
                )
                result.postponed += 1
                continue
            used[row.member_id] = used.get(row.member_id, 0) + 1
            bounced = undeliverable.get(normalise(row.member.user.email), "")
            wants_email = row.step.channel in (Channel.EMAIL, Channel.BOTH) and row.member.consent_email
            # An address that bounces gets the message in the portal inbox instead, and the log says why.
            rerouted = undeliverable_delivery_reason(bounced) if wants_email and bounced else ""
            wants_email = wants_email and not bounced
            wants_in_app = (
                row.step.channel in (Channel.IN_APP, Channel.BOTH) or not row.member.consent_email or bool(bounced)
            )
            channel = (Channel.BOTH if wants_in_app else Channel.EMAIL) if wants_email else Channel.IN_APP
            if wants_email:
                decide(row, status=DeliveryStatus.SENDING, claimed_at=now, next_attempt_at=None, channel=channel)
                to_email.append(row)
                continue
            # In-app only: the notification, the row and the activity commit together, so never twice.
            decide(row, channel=channel, sent_at=now, **_final(DeliveryStatus.SENT, now, rerouted))
            message = _render(row, templates)
            _in_app(row, message.subject, message.text)
            _record_sent(row, now)
            result.sent += 1
        for fields, ids in outcomes.items():
            Delivery.objects.filter(pk__in=ids).update(**dict(fields))
    return to_email


def _render(row: Delivery, templates: dict[int, Template]) -> Any:
    if row.step_id not in templates:
        templates[row.step_id] = Template.for_step(row.step)
    return personalise(templates[row.step_id], member=row.member, campaign=row.campaign, delivery=row)


# The row is still this worker's while it carries the worker's claim time; matching on the key and that time
# alone (not on the status) keeps the planner on the primary key rather than on a status index.
MARK_SENT = (
    f"UPDATE {Delivery._meta.db_table} SET status = %s, sent_at = %s, finished_at = %s, claimed_at = NULL, "  # noqa: S608
    "last_error = '', attempts = attempts + 1 WHERE id = %s AND claimed_at = %s RETURNING member_id"
)


def _mark_sent(row: Delivery, message_subject: str, message_text: str) -> None:
    """Right after the SMTP server accepted the message: the row and its activity in one commit of their own
    (on PostgreSQL one statement, the one round trip per message the engine adds to the SMTP exchange)."""
    if row.channel != Channel.BOTH:
        _mark_sent_and_record(row)
        return
    with transaction.atomic():
        if _mark_sent_and_record(row):
            _in_app(row, message_subject, message_text)


def _mark_sent_and_record(row: Delivery) -> bool:
    """False when the lease expired and another worker took the row back: it owns the row now."""
    now = timezone.now()
    sent_at, claimed_at = (connection.ops.adapt_datetimefield_value(value) for value in (now, row.claimed_at))
    return bool(
        record_activity_for_updated(
            update_sql=MARK_SENT,
            update_params=[DeliveryStatus.SENT, sent_at, sent_at, row.pk, claimed_at],
            **_sent_activity(row, now),
        )
    )


def _release(rows: list[Delivery], error: str) -> None:
    """The connection failed before these rows were offered: back to pending with no attempt counted (still
    marked enqueued: the task's retry sends them)."""
    # Only rows that still carry this worker's claim: another worker may have taken one back after its lease.
    Delivery.objects.filter(pk__in=[row.pk for row in rows], claimed_at__in={row.claimed_at for row in rows}).update(
        status=DeliveryStatus.PENDING,
        claimed_at=None,
        last_error=f"Waiting: the connection to the mail server failed before this message was offered ({error})."[
            :500
        ],
    )


def _refusal(error: smtplib.SMTPException) -> tuple[int, str] | None:
    """The server's code and reply when it refused this one message; None when the connection itself failed."""
    reply: bytes | str
    if isinstance(error, smtplib.SMTPRecipientsRefused) and error.recipients:
        code, reply = next(iter(error.recipients.values()))  # each message has one recipient
    elif isinstance(error, smtplib.SMTPSenderRefused | smtplib.SMTPDataError):
        code, reply = error.smtp_code, error.smtp_error
    else:
        return None
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else reply
    return code, f"{code} {text}"


def _retry_delay(attempts: int) -> timedelta:
    """The wait before the next offer of a row refused for now `attempts` times: short at first, as greylisting
    servers accept a retry after a few minutes, then longer; the last delay repeats."""
    delays = settings.KNOBLE_CAMPAIGN_RETRY_DELAYS_SECONDS
    return timedelta(seconds=delays[min(attempts, len(delays)) - 1])


def _offered(row: Delivery, reply: str, *, permanent: bool, result: SendResult) -> None:
    """The row was offered and refused (or lost with the connection): failed on a 5xx, otherwise deferred until
    its next attempt, or failed once that would fall past the horizon after it was due."""
    now = timezone.now()
    attempts = row.attempts + 1
    retry_at = now + _retry_delay(attempts)
    horizon = row.due_at + timedelta(seconds=settings.KNOBLE_CAMPAIGN_RETRY_HORIZON_SECONDS)
    mine = Delivery.objects.filter(pk=row.pk, claimed_at=row.claimed_at)
    if permanent or retry_at > horizon:
        reason = reply if permanent else f"Still refused at the retry horizon (attempt {attempts}): {reply}"
        mine.update(attempts=F("attempts") + 1, **_final(DeliveryStatus.FAILED, now, reason))
        result.failed += 1
        return
    mine.update(
        status=DeliveryStatus.DEFERRED,
        next_attempt_at=retry_at,
        claimed_at=None,
        enqueued_at=None,
        attempts=F("attempts") + 1,
        last_error=f"Deferred: {reply}"[:500],
    )
    result.deferred += 1


def _connected(backend: Any) -> bool:
    """False once the SMTP server has closed the session (smtplib closes it on a 421 reply)."""
    smtp = getattr(backend, "connection", None)
    return not isinstance(smtp, smtplib.SMTP) or smtp.sock is not None


@contextmanager
def _commit_without_waiting_for_disk() -> Iterator[None]:
    """Waiting for the disk on the claim's and every message's commit would halve throughput. Such a commit can
    be lost only if PostgreSQL itself crashes (never when a worker dies); the lease then sends that message
    again."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def deliveries_send(*, delivery_ids: list[int]) -> SendResult:
    """Sends a chunk over one SMTP connection; rows that are not pending and due (any more) are left alone."""
    result = SendResult()
    templates: dict[int, Template] = {}
    with _commit_without_waiting_for_disk():
        rows = _claim(delivery_ids, templates, result)
        if rows:
            _send_claimed(rows, templates, result)
    return result


def _send_claimed(rows: list[Delivery], templates: dict[int, Template], result: SendResult) -> None:
    remaining = list(reversed(rows))  # popped from the end as each row is offered
    in_flight: Delivery | None = None
    try:
        with get_connection() as smtp:
            while remaining:
                row = in_flight = remaining.pop()
                message = _render(row, templates)
                try:
                    smtp.send_messages([email_for(message, to=row.member.user.email, delivery=row)])
                except smtplib.SMTPException as error:
                    refusal = _refusal(error)
                    if refusal is None:
                        raise
                    in_flight = None
                    code, reply = refusal
                    _offered(row, reply, permanent=code >= 500, result=result)
                    if not _connected(smtp):
                        raise smtplib.SMTPServerDisconnected(
                            f"The server closed the connection after: {reply}"
                        ) from None
                else:
                    in_flight = None
                    _mark_sent(row, message.subject, message.text)
                    result.sent += 1
    except (smtplib.SMTPException, OSError) as error:
        reason = f"{type(error).__name__}: {error}"
        if in_flight is not None:
            _offered(in_flight, reason, permanent=False, result=result)
        if remaining:
            _release(remaining, reason)
        raise TransientSendError(reason) from error
