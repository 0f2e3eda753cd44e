"""Staff actions on a campaign: launch, pause, resume, cancel, and the test send. Each locks the campaign and checks
that its status allows the move; launch and resume enqueue the engine's next run once the change is committed."""

from django.contrib.admin.models import CHANGE, LogEntry
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.advance import WAITING_STATUSES
from campaigns.models import Campaign, CampaignStatus, Delivery, DeliveryStatus
from campaigns.segments import segment_members
from campaigns.tasks.campaigns import advance_campaigns, send_campaign_test
from members.models import User


def _lock(campaign: Campaign) -> Campaign:
    return Campaign.objects.select_for_update().select_related("segment").get(pk=campaign.pk)


def _require(campaign: Campaign, *allowed: str, action: str) -> None:
    if campaign.status not in allowed:
        raise ValidationError(
            _("“%(campaign)s” is %(status)s: it cannot be %(action)s.")
            % {"campaign": campaign, "status": campaign.get_status_display().lower(), "action": action}
        )


def _advance_soon() -> None:
    advance_campaigns.delay_on_commit()


def _log(campaign: Campaign, actor: User, message: str) -> None:
    """The campaign's admin history records who paused, resumed or cancelled it (from the admin or the API)."""
    LogEntry.objects.log_actions(
        user_id=actor.pk, queryset=[campaign], action_flag=CHANGE, change_message=message, single_object=True
    )


@transaction.atomic
def campaign_launch(*, campaign: Campaign, actor: User) -> Campaign:
    """Draft → scheduled (start in the future) or running; members are enrolled by the next engine run."""
    locked = _lock(campaign)
    _require(locked, CampaignStatus.DRAFT, action="launched")
    if not locked.steps.exists():
        raise ValidationError(_("“%(locked)s” has no steps yet.") % {"locked": locked})
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
    _log(locked, actor, "Paused.")
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
    _log(locked, actor, "Resumed.")
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
    _log(locked, actor, "Cancelled.")
    return locked


def campaign_test_send_enqueue(*, campaign: Campaign, actor: User) -> None:
    """Every step, rendered for the staff member, to their own address (never tracked)."""
    if not campaign.steps.exists():
        raise ValidationError(_("“%(campaign)s” has no steps to test.") % {"campaign": campaign})
    send_campaign_test.delay_on_commit(campaign.pk, actor.pk)
