"""Throttles and pagination of the API.

Kept apart from `api_base` because DRF imports these while `rest_framework.views` is still loading.
"""

from typing import TYPE_CHECKING

from rest_framework import pagination, throttling
from rest_framework.request import Request

if TYPE_CHECKING:
    from rest_framework.views import APIView


class TokenRateThrottle(throttling.SimpleRateThrottle):
    """Each token has its own budget, on top of its user's, so one leaked script cannot starve the others."""

    scope = "token"

    def get_cache_key(self, request: Request, view: "APIView") -> str | None:
        token_id = getattr(request.auth, "pk", None)
        if token_id is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": token_id}


class ActivityBatchThrottle(throttling.UserRateThrottle):
    scope = "activity_batch"


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class ActivityCursorPagination(pagination.CursorPagination):
    """Activity grows without end: a cursor stays fast and stable where page numbers would drift."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = ("-occurred_at", "-id")
