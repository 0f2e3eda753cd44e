"""Sending a chunk of deliveries over one SMTP connection, and the staff member's test send.

`deliveries_send` claims rows with SELECT … FOR UPDATE SKIP LOCKED, decides each one (`campaigns.decisions`),
marks those to e-mail `sending`, and marks each one `sent` right after the SMTP server accepts it (on PostgreSQL
the mark is sent then and its result read before the next mark: `_Marks`): a worker killed mid-chunk leaves at
most the message in flight to be repeated, and its other rows return to `pending` when their lease expires
(`campaigns.advance`).

The server's reply to one message decides that row only: a 4xx defers it (`deferred`, offered again at its own
`next_attempt_at`, with the backoff of KNOBLE_CAMPAIGN_RETRY_DELAYS_SECONDS, until the horizon), a 5xx fails it
with the reply, and the chunk carries on over the same connection (smtplib resets the SMTP transaction after a
refusal). Only a failed connection stops the chunk: the message in flight is deferred and the rows not offered
yet go back to `pending` as they were. `attempts` counts the times a row was offered to the server.
"""

import selectors
import smtplib
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import get_connection
from django.db import connection, transaction
from django.db.models import Count, F, Min, Q
from django.utils import timezone
from psycopg import ClientCursor, pq
from psycopg import errors as psycopg_errors

from campaigns.bounces import normalise, undeliverable_reasons
from campaigns.decisions import BUDGET_WINDOW, Outcome, delivery_decision
from campaigns.messages import Message, Template, email_for, personalise
from campaigns.models import Bounce, Campaign, CampaignStatus, Channel, Delivery, DeliveryStatus, StepCondition
from initiatives.models import Participation, ParticipationStatus
from members.models import Member, NotificationKind, Source, User, Verb
from members.services import (
    activity_insert_sql,
    notification_create,
    record_activity,
    record_activity_for_members,
)
from translations.languages import target_of

# The steps' messages of a chunk, by step and the language of the members (None: as written).
Templates = dict[tuple[int, str | None], Template]


class TransientSendError(Exception):
    """The connection to the SMTP server failed: the chunk's rows not offered yet are pending again; retry later."""


def campaign_test_send(*, campaign: Campaign, actor: User) -> int:
    member = Member.objects.select_related("user", "organisation").filter(user=actor).first()
    stand_in = member or Member(user=actor)
    emails = [
        email_for(
            personalise(
                Template.for_step(step, language=target_of(stand_in.language)),
                member=stand_in,
                campaign=campaign,
                delivery=None,
            ),
            to=actor.email,
            delivery=None,
        )
        for step in campaign.steps.order_by("position")
    ]
    for email in emails:
        email.subject = f"[Test] {email.subject}"
    return get_connection().send_messages(emails) or 0


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


def _claim(delivery_ids: list[int], templates: Templates, result: SendResult) -> list[Delivery]:
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
            before = previous.get((row.step_id, row.member_id))
            decision = delivery_decision(
                member_status=row.member.status,
                condition=row.step.condition,
                goal_reached=(row.campaign_id, row.member_id) in reached,
                previous_opened=before is not None and before.opened_at is not None,
                previous_clicked=before is not None and before.clicked_at is not None,
                sent_in_window=used.get(row.member_id, 0),
                oldest_in_window=oldest.get(row.member_id),
                budget=settings.KNOBLE_CAMPAIGN_CONTACT_BUDGET,
                step_channel=row.step.channel,
                consent_email=row.member.consent_email,
                undeliverable=undeliverable.get(normalise(row.member.user.email), ""),
                now=now,
            )
            if decision.outcome == Outcome.SUPPRESS:
                decide(row, **_final(DeliveryStatus.SUPPRESSED, now, decision.reason))
                result.suppressed += 1
            elif decision.outcome == Outcome.SKIP:
                decide(row, **_final(DeliveryStatus.SKIPPED, now, decision.reason))
                result.skipped += 1
            elif decision.outcome == Outcome.POSTPONE:
                decide(
                    row,
                    status=DeliveryStatus.PENDING,
                    next_attempt_at=None,
                    due_at=decision.due_at,
                    enqueued_at=None,
                    last_error=decision.reason,
                )
                result.postponed += 1
            elif decision.outcome == Outcome.EMAIL:
                used[row.member_id] = used.get(row.member_id, 0) + 1
                decide(
                    row, status=DeliveryStatus.SENDING, claimed_at=now, next_attempt_at=None, channel=decision.channel
                )
                to_email.append(row)
            else:
                # In-app only: the notification, the row and the activity commit together, so never twice.
                used[row.member_id] = used.get(row.member_id, 0) + 1
                decide(row, channel=decision.channel, sent_at=now, **_final(DeliveryStatus.SENT, now, decision.reason))
                message = _render(row, templates)
                _in_app(row, message.subject, message.text)
                _record_sent(row, now)
                result.sent += 1
        for fields, ids in outcomes.items():
            Delivery.objects.filter(pk__in=ids).update(**dict(fields))
    return to_email


def _render(row: Delivery, templates: Templates) -> Any:
    # Rendered once per step and language: a chunk in English costs no query for translations.
    key = (row.step_id, target_of(row.member.language))
    if key not in templates:
        templates[key] = Template.for_step(row.step, language=key[1])
    return personalise(templates[key], member=row.member, campaign=row.campaign, delivery=row)


# The row is still this worker's while it carries the worker's claim time; matching on the key and that time
# alone (not on the status) keeps the planner on the primary key rather than on a status index.
# A notification can be recorded while the row is still `sending` (read between the SMTP server's acceptance and
# this mark, or after a worker died there): the row then ends `bounced`, with the bounce's reason, as
# `bounces.bounce_record` marks a row already `sent`.
_BOUNCE_OF_ROW = f"FROM {Bounce._meta.db_table} b WHERE b.delivery_id = {Delivery._meta.db_table}.id"
MARK_SENT = (
    f"UPDATE {Delivery._meta.db_table} SET "  # noqa: S608
    f"status = CASE WHEN EXISTS (SELECT 1 {_BOUNCE_OF_ROW}) THEN '{DeliveryStatus.BOUNCED.value}' ELSE %s END, "
    "sent_at = %s, finished_at = %s, claimed_at = NULL, "
    "last_error = COALESCE((SELECT COALESCE(NULLIF(b.diagnostic, ''), NULLIF(b.status, ''), b.action) "
    f"{_BOUNCE_OF_ROW} ORDER BY b.id LIMIT 1), ''), "
    "attempts = attempts + 1 WHERE id = %s AND claimed_at = %s RETURNING member_id"
)


def _mark_sent(row: Delivery, message_subject: str, message_text: str) -> None:
    """Right after the SMTP server accepted the message: the row and its activity in one commit of their own,
    waiting for it (`_Marks` sends it without waiting where it can)."""
    if row.channel != Channel.BOTH:
        _mark_sent_and_record(row)
        return
    with transaction.atomic():
        if _mark_sent_and_record(row):
            _in_app(row, message_subject, message_text)


def _mark_sent_statement(row: Delivery) -> tuple[str, list[Any]]:
    """PostgreSQL: the row and its activity in one statement, so in one commit with one round trip."""
    now = timezone.now()
    insert_sql, insert_params = activity_insert_sql(member_ids_from="updated", **_sent_activity(row, now))
    return f"WITH updated AS ({MARK_SENT}) {insert_sql}", [
        DeliveryStatus.SENT,
        now,
        now,
        row.pk,
        row.claimed_at,
        *insert_params,
    ]


def _mark_sent_and_record(row: Delivery) -> bool:
    """False when the lease expired and another worker took the row back: it owns the row now."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(*_mark_sent_statement(row))
            return bool(cursor.rowcount)
    # The same in two statements and one transaction, where an UPDATE cannot feed an INSERT.
    now = timezone.now()
    sent_at, claimed_at = (connection.ops.adapt_datetimefield_value(value) for value in (now, row.claimed_at))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(MARK_SENT, [DeliveryStatus.SENT, sent_at, sent_at, row.pk, claimed_at])
        member_ids = [member_id for (member_id,) in cursor.fetchall()]
        return bool(record_activity_for_members(member_ids=member_ids, **_sent_activity(row, now)))


class _Marks:
    """Marks each accepted message sent, as `_mark_sent` does, without waiting for the database between messages.

    On PostgreSQL the mark of an e-mail-only row goes to the server as a query of its own (libpq's asynchronous
    query, on the worker's connection, in autocommit: one statement, one commit) as soon as the SMTP server has
    accepted the message, and its result is read only before the next mark or before any other statement on the
    connection (this object is the connection's execute wrapper meanwhile). Its round trip and execution overlap
    the next message's rendering and SMTP exchange instead of adding to them.

    What a crash repeats stays the message in flight: the query is handed to the server, whole, before the next
    message is offered, and the server runs and commits a query it has received whether or not the worker is
    still there to read the result. Only a failure of the database itself while that query runs (the server
    crashing or the connection breaking before the query reached it) can leave that message unmarked too; an
    error in it stops the chunk before the next mark, like a failed mark always did. Rows sent to both channels
    are marked waiting, in one transaction with their in-app copy.
    """

    def __init__(self) -> None:
        self._pgconn: pq.abc.PGconn | None = None
        self._pending = False
        if connection.vendor == "postgresql":
            self._pgconn = connection.connection.pgconn
            # Django's own client-side binding (the adapters it registered on the connection), without a cursor.
            self._cursor = ClientCursor(connection.connection)

    def mark(self, row: Delivery, message: Message) -> None:
        self.confirm()
        if self._pgconn is None or row.channel == Channel.BOTH:
            _mark_sent(row, message.subject, message.text)
            return
        query = self._cursor.mogrify(*_mark_sent_statement(row))
        with connection.wrap_database_errors:
            self._pgconn.send_query(query.encode(connection.connection.info.encoding))
            self._pending = True
            while self._pgconn.flush():
                _wait(self._pgconn.socket, selectors.EVENT_WRITE)

    def confirm(self) -> None:
        """Reads the result of the mark sent last, if any: raises if it failed."""
        if self._pgconn is None or not self._pending:
            return
        self._pending = False
        with connection.wrap_database_errors:
            for result in _results(self._pgconn):
                if result.status == pq.ExecStatus.FATAL_ERROR:
                    sqlstate = result.error_field(pq.DiagnosticField.SQLSTATE)
                    error = psycopg_errors.lookup(sqlstate.decode()) if sqlstate else psycopg_errors.DatabaseError
                    raise error((result.error_message or b"").decode(errors="replace"))

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
        self.confirm()
        return execute(sql, params, many, context)


def _wait(socket: int, event: int) -> None:
    with selectors.DefaultSelector() as selector:
        selector.register(socket, event)
        selector.select()


def _results(pgconn: pq.abc.PGconn) -> list[pq.abc.PGresult]:
    """Every result of the query in progress, waiting for the server where they have not all arrived yet."""
    results: list[pq.abc.PGresult] = []
    while True:
        pgconn.consume_input()
        while not pgconn.is_busy():
            result = pgconn.get_result()
            if result is None:
                return results
            results.append(result)
        _wait(pgconn.socket, selectors.EVENT_READ)


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
    templates: Templates = {}
    with _commit_without_waiting_for_disk():
        rows = _claim(delivery_ids, templates, result)
        if rows:
            _send_claimed(rows, templates, result)
    return result


def _send_claimed(rows: list[Delivery], templates: Templates, result: SendResult) -> None:
    remaining = list(reversed(rows))  # popped from the end as each row is offered
    in_flight: Delivery | None = None
    marks = _Marks()
    try:
        with connection.execute_wrapper(marks), get_connection() as smtp:
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
                    marks.mark(row, message)
                    result.sent += 1
    except (smtplib.SMTPException, OSError) as error:
        reason = f"{type(error).__name__}: {error}"
        marks.confirm()
        if in_flight is not None:
            _offered(in_flight, reason, permanent=False, result=result)
        if remaining:
            _release(remaining, reason)
        raise TransientSendError(reason) from error
    finally:
        # Whatever stopped the chunk, the connection is left with no query in progress.
        marks.confirm()
