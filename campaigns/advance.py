"""The periodic advance of running campaigns (every minute, from beat).

Scheduling lives in the database. `campaigns_advance` writes the deliveries that are due with set-based
INSERT … SELECT statements that ignore conflicts on the (step, member) key, so running it twice, or on two
machines at once, writes nothing twice; then it marks the due rows enqueued and enqueues them in chunks for
`campaigns.send` once that is committed.
"""

from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Value
from django.utils import timezone

from campaigns.models import FINAL_STATUSES, Campaign, CampaignStatus, CampaignStep, Delivery, DeliveryStatus
from campaigns.segments import segment_members
from campaigns.send_tasks import send_deliveries
from members.models import MemberStatus

LARGE_WRITE = 10_000  # deliveries written in one engine run that call for fresh planner statistics
# Pending and rejected people were never members; suspended and left ones are enrolled so that their
# deliveries are accounted for as suppressed, with the reason.
ENROLLED_STATUSES = [MemberStatus.APPROVED, MemberStatus.SUSPENDED, MemberStatus.LEFT]
# Rows an engine run may still send: due ones, and those a mail server refused for now once their time comes.
WAITING_STATUSES = [DeliveryStatus.PENDING, DeliveryStatus.DEFERRED]
# What the new rows change in the table's statistics: the share of pending rows and of the campaign and step
# (the claim, the enqueueing and the next step's lookups), and how many wait to be enqueued.
ANALYSED_COLUMNS = ("status", "campaign_id", "step_id", "enqueued_at")


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
        # rather than when autovacuum next gets round to the table. Only the columns whose distribution a large
        # step changes and those lookups filter on (the row count is refreshed whatever the columns): the
        # other dozen cost about as much again to analyse and no plan of the engine reads them.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Delivery._meta.db_table} ({', '.join(ANALYSED_COLUMNS)})")


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
            send_deliveries.delay_on_commit(due[start : start + size])
    return due


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
