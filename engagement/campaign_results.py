"""Read side of campaigns: per-step results, conversions included, each in one grouped query."""

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q

from engagement.models import Campaign, CampaignStatus, CampaignStep, Delivery, DeliveryStatus
from initiatives.models import Participation, ParticipationStatus


@dataclass(frozen=True)
class StepResult:
    step: CampaignStep
    total: int
    waiting: int
    sent: int
    skipped: int
    suppressed: int
    failed: int
    opened: int
    clicked: int
    converted: int


def _converted(campaign: Campaign) -> Q:
    """Sent, and the member joined the goal initiative afterwards (and still takes part)."""
    if campaign.goal_id is None:
        return Q(pk__in=[])
    joined_after = Participation.objects.filter(
        member=OuterRef("member_id"),
        initiative_id=campaign.goal_id,
        status=ParticipationStatus.ACTIVE,
        joined_at__gte=OuterRef("sent_at"),
    )
    return Q(status=DeliveryStatus.SENT) & Q(Exists(joined_after))


def step_results(campaign: Campaign) -> list[StepResult]:
    steps = list(campaign.steps.order_by("position"))
    counts = {
        row["step_id"]: row
        for row in Delivery.objects.filter(campaign=campaign)
        .values("step_id")
        .annotate(
            total=Count("id"),
            waiting=Count("id", filter=Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENDING])),
            sent=Count("id", filter=Q(status=DeliveryStatus.SENT)),
            skipped=Count("id", filter=Q(status=DeliveryStatus.SKIPPED)),
            suppressed=Count("id", filter=Q(status=DeliveryStatus.SUPPRESSED)),
            failed=Count("id", filter=Q(status=DeliveryStatus.FAILED)),
            opened=Count("id", filter=Q(opened_at__isnull=False)),
            clicked=Count("id", filter=Q(clicked_at__isnull=False)),
            converted=Count("id", filter=_converted(campaign)),
        )
        .order_by()
    }
    names = ["total", "waiting", "sent", "skipped", "suppressed", "failed", "opened", "clicked", "converted"]
    return [StepResult(step=step, **{name: counts.get(step.pk, {}).get(name, 0) for name in names}) for step in steps]


@dataclass(frozen=True)
class StepTotals:
    campaign: str
    status: str
    position: int
    subject: str
    sent: int
    opened: int
    clicked: int
    converted: int


def results_by_step() -> list[StepTotals]:
    """Sent, opened, clicked and converted for every step of every launched campaign, in one grouped query."""
    joined_goal_after = Participation.objects.filter(
        member=OuterRef("deliveries__member_id"),
        initiative_id=OuterRef("campaign__goal_id"),
        status=ParticipationStatus.ACTIVE,
        joined_at__gte=OuterRef("deliveries__sent_at"),
    )
    sent = Q(deliveries__status=DeliveryStatus.SENT)
    rows = (
        CampaignStep.objects.exclude(campaign__status=CampaignStatus.DRAFT)
        .values("campaign__name", "campaign__status", "position", "subject")
        .annotate(
            sent=Count("deliveries", filter=sent),
            opened=Count("deliveries", filter=Q(deliveries__opened_at__isnull=False)),
            clicked=Count("deliveries", filter=Q(deliveries__clicked_at__isnull=False)),
            converted=Count("deliveries", filter=sent & Q(Exists(joined_goal_after))),
        )
        .order_by("-campaign__created_at", "campaign_id", "position")
    )
    return [
        StepTotals(
            campaign=row["campaign__name"],
            status=row["campaign__status"],
            position=row["position"],
            subject=row["subject"],
            sent=row["sent"],
            opened=row["opened"],
            clicked=row["clicked"],
            converted=row["converted"],
        )
        for row in rows
    ]
