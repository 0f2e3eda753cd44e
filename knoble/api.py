"""The API router: every app registers its viewsets here, under /api/v1/."""

from rest_framework.routers import DefaultRouter

from members.api import MeView
from personas.api import JobViewSet, PersonaViewSet

router = DefaultRouter()
router.register("personas", PersonaViewSet, basename="persona")
router.register("jobs", JobViewSet, basename="job")

api_v1_urls = [*router.urls]
__all__ = ["MeView", "api_v1_urls", "router"]
