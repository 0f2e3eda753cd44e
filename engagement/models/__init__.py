from engagement.models.rollups import (
    CohortActivity,
    InitiativeSectorCount,
    JoinDaily,
    OrganisationEngagement,
    PeriodActive,
    RollupRefresh,
    StageWeekly,
)
from engagement.models.scoring import (
    EngagementSettings,
    LifecycleStage,
    MemberEngagement,
    StageTransition,
    VerbScore,
)

__all__ = [
    "CohortActivity",
    "EngagementSettings",
    "InitiativeSectorCount",
    "JoinDaily",
    "LifecycleStage",
    "MemberEngagement",
    "OrganisationEngagement",
    "PeriodActive",
    "RollupRefresh",
    "StageTransition",
    "StageWeekly",
    "VerbScore",
]
