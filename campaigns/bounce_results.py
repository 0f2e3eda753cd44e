"""Read side of bounces: a campaign's bounce rates, per step and overall, in one grouped query."""

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q

from campaigns.models import Bounce, BounceKind, Campaign, CampaignStep, Channel, Delivery, DeliveryStatus


@dataclass(frozen=True)
class BounceRate:
    step: CampaignStep | None  # None: the whole campaign
    emailed: int
    bounced: int
    hard: int
    soft: int

    @property
    def rate(self) -> float:
        """Bounced deliveries as a share of those sent by e-mail (0 when none was)."""
        return round(self.bounced / self.emailed, 4) if self.emailed else 0.0


def _bounce_of(kind: BounceKind) -> Exists:
    return Exists(Bounce.objects.filter(delivery=OuterRef("pk"), kind=kind))


def bounce_rates(campaign: Campaign) -> list[BounceRate]:
    """The campaign as a whole first, then each step. A delivery counts once, as hard when any of its
    notifications was hard; `soft` counts those that only soft-bounced."""
    steps = list(campaign.steps.order_by("position"))
    emailed = Q(channel__in=[Channel.EMAIL, Channel.BOTH], status__in=[DeliveryStatus.SENT, DeliveryStatus.BOUNCED])
    hard = _bounce_of(BounceKind.HARD)
    soft = _bounce_of(BounceKind.SOFT)
    rows = (
        Delivery.objects.filter(campaign=campaign)
        .values("step_id")
        .annotate(
            emailed=Count("id", filter=emailed),
            bounced=Count("id", filter=Q(status=DeliveryStatus.BOUNCED)),
            hard=Count("id", filter=Q(hard)),
            soft=Count("id", filter=Q(soft) & ~Q(hard)),
        )
        .order_by()
    )
    counts = {row.pop("step_id"): row for row in rows}
    zero = {"emailed": 0, "bounced": 0, "hard": 0, "soft": 0}
    per_step = [BounceRate(step=step, **counts.get(step.pk, zero)) for step in steps]
    total = BounceRate(step=None, **{name: sum(getattr(r, name) for r in per_step) for name in zero})
    return [total, *per_step]
