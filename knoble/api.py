"""The API router: every app registers its viewsets here, under /api/v1/."""

from rest_framework.routers import DefaultRouter

from initiatives.api import InitiativeViewSet, MyNotificationViewSet, MyParticipationViewSet
from members.api import ActivityViewSet, MeView
from personas.api import JobViewSet, PersonaViewSet
from roadmap.api import IdeationSessionViewSet, OpportunityViewSet, PrioritisationModelViewSet, RoadmapViewSet

router = DefaultRouter()
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

api_v1_urls = [*router.urls]
__all__ = ["MeView", "api_v1_urls", "router"]
