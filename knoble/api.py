"""The API router: every app registers its viewsets here, under /api/v1/."""

from typing import Any

from django.urls import path
from rest_framework.routers import DefaultRouter

from analytics.api import DashboardView, ImpactView
from campaigns.api import CampaignViewSet, DeliveryViewSet, SegmentViewSet
from directory.api import DirectoryViewSet, MyIntroductionViewSet
from ecosystem.api import (
    ActorViewSet,
    CategoryViewSet,
    FlowViewSet,
    IndicatorSetViewSet,
    RedFlagViewSet,
    SourceViewSet,
    StageViewSet,
    SuggestionViewSet,
)
from initiatives.api import InitiativeViewSet, MyNotificationViewSet, MyParticipationViewSet
from members.api import ActivityViewSet, MemberViewSet, MeView
from outcomes.api import IndicatorSetOutcomeAggregateViewSet, OutcomeAggregateViewSet, OutcomeReportViewSet
from personas.api import JobViewSet, PersonaViewSet
from roadmap.api import IdeationSessionViewSet, OpportunityViewSet, PrioritisationModelViewSet, RoadmapViewSet
from sharing.api import AccessLogViewSet
from spaces.api import DocumentViewSet, SpaceViewSet, ThreadViewSet
from voice.api import IdeaViewSet, MyFollowViewSet, MySurveyResponseViewSet, MyVoteViewSet, SurveyViewSet


class ApiRouter(DefaultRouter):
    """Routes any path segment to the viewset, so that a malformed id is the API's JSON 404, never Django's
    HTML one (DRF's own default refuses dots, for format suffixes this API does not use)."""

    def get_lookup_regex(self, viewset: Any, lookup_prefix: str = "") -> str:
        name = getattr(viewset, "lookup_url_kwarg", None) or getattr(viewset, "lookup_field", "pk")
        return f"(?P<{lookup_prefix}{name}>[^/]+)"


router = ApiRouter()
router.register("personas", PersonaViewSet, basename="persona")
router.register("jobs", JobViewSet, basename="job")
router.register("ideation-sessions", IdeationSessionViewSet, basename="ideation-session")
router.register("opportunities", OpportunityViewSet, basename="opportunity")
router.register("prioritisation-models", PrioritisationModelViewSet, basename="prioritisation-model")
router.register("roadmaps", RoadmapViewSet, basename="roadmap")
router.register("initiatives", InitiativeViewSet, basename="initiative")
router.register("me/participations", MyParticipationViewSet, basename="my-participation")
router.register("me/notifications", MyNotificationViewSet, basename="my-notification")
router.register("activities", ActivityViewSet, basename="activity")
router.register("members", MemberViewSet, basename="member")
router.register("directory", DirectoryViewSet, basename="directory")
router.register("me/introductions", MyIntroductionViewSet, basename="my-introduction")
router.register("ecosystem/categories", CategoryViewSet, basename="ecosystem-category")
router.register("ecosystem/stages", StageViewSet, basename="ecosystem-stage")
router.register("ecosystem/actors", ActorViewSet, basename="ecosystem-actor")
router.register("ecosystem/flows", FlowViewSet, basename="ecosystem-flow")
router.register("ecosystem/sources", SourceViewSet, basename="ecosystem-source")
router.register("red-flags", RedFlagViewSet, basename="red-flag")
router.register("indicator-sets", IndicatorSetViewSet, basename="indicator-set")
router.register("red-flag-suggestions", SuggestionViewSet, basename="red-flag-suggestion")
router.register("access-log", AccessLogViewSet, basename="access-log")
router.register("segments", SegmentViewSet, basename="segment")
router.register("campaigns", CampaignViewSet, basename="campaign")
router.register("deliveries", DeliveryViewSet, basename="delivery")
router.register("spaces", SpaceViewSet, basename="space")
router.register("space-threads", ThreadViewSet, basename="space-thread")
router.register("space-documents", DocumentViewSet, basename="space-document")
router.register("outcome-reports", OutcomeReportViewSet, basename="outcome-report")
router.register("outcome-aggregates", OutcomeAggregateViewSet, basename="outcome-aggregate")
router.register(
    "indicator-set-outcome-aggregates", IndicatorSetOutcomeAggregateViewSet, basename="indicator-set-outcome-aggregate"
)
router.register("ideas", IdeaViewSet, basename="idea")
router.register("me/votes", MyVoteViewSet, basename="my-vote")
router.register("me/follows", MyFollowViewSet, basename="my-follow")
router.register("me/survey-responses", MySurveyResponseViewSet, basename="my-survey-response")
router.register("surveys", SurveyViewSet, basename="survey")

api_v1_urls = [
    path("dashboard/", DashboardView.as_view(), name="dashboard"),
    path("dashboard/impact/", ImpactView.as_view(), name="dashboard_impact"),
    *router.urls,
]
__all__ = ["MeView", "api_v1_urls", "router"]
