"""Campaigns and their deliveries and bounces. The tables keep the `engagement_*` names they had before the app
split out of engagement (docs/adr/0007-three-apps-not-two.md): only Django's idea of the owning app moved."""

from campaigns.models.bounces import Bounce, BounceKind, UndeliverableAddress
from campaigns.models.campaigns import (
    FINAL_STATUSES,
    PREVIOUS_CONDITIONS,
    Campaign,
    CampaignStatus,
    CampaignStep,
    Channel,
    Delivery,
    DeliveryStatus,
    Segment,
    StepCondition,
)
from campaigns.models.digests import DigestDelivery, DigestFrequency, DigestPreference, DigestStatus

__all__ = [
    "FINAL_STATUSES",
    "PREVIOUS_CONDITIONS",
    "Bounce",
    "BounceKind",
    "Campaign",
    "CampaignStatus",
    "CampaignStep",
    "Channel",
    "Delivery",
    "DeliveryStatus",
    "DigestDelivery",
    "DigestFrequency",
    "DigestPreference",
    "DigestStatus",
    "Segment",
    "StepCondition",
    "UndeliverableAddress",
]
