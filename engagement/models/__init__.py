from engagement.models.campaigns import (
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

__all__ = [
    "FINAL_STATUSES",
    "PREVIOUS_CONDITIONS",
    "Campaign",
    "CampaignStatus",
    "CampaignStep",
    "Channel",
    "Delivery",
    "DeliveryStatus",
    "Segment",
    "StepCondition",
]
