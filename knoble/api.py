"""The API router: every app registers its viewsets here, under /api/v1/."""

from rest_framework.routers import DefaultRouter

from members.api import MeView

router = DefaultRouter()

api_v1_urls = [*router.urls]
__all__ = ["MeView", "api_v1_urls", "router"]
