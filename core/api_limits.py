"""Throttles and pagination of the API.

Kept apart from `api_base` because DRF imports these while `rest_framework.views` is still loading.
"""

from typing import TYPE_CHECKING, Any

from rest_framework import pagination, throttling
from rest_framework.exceptions import ValidationError
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


def strict_page_size(request: Request, default: int, largest: int) -> int:
    """DRF quietly ignores a malformed page size; a client that asked for one is told instead."""
    raw = request.query_params.get("page_size")
    if raw is None:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= largest:
        raise ValidationError({"page_size": [f"Give a whole number from 1 to {largest}."]})
    return int(raw)


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request: Request) -> int:
        return strict_page_size(request, self.page_size, self.max_page_size)

    def get_page_number(self, request: Request, paginator: Any) -> int | str:
        raw = request.query_params.get(self.page_query_param)
        if raw is None:
            return 1
        if raw in self.last_page_strings:
            return raw
        if not raw.isdigit() or int(raw) < 1:
            raise ValidationError({"page": ["Give a page number from 1."]})
        return int(raw)


class ActivityCursorPagination(pagination.CursorPagination):
    """Activity grows without end: a cursor stays fast and stable where page numbers would drift."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = ("-occurred_at", "-id")

    def get_page_size(self, request: Request) -> int:
        return strict_page_size(request, self.page_size, self.max_page_size)
