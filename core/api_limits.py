"""Throttles and pagination of the API.

Kept apart from `api_base` because DRF imports these while `rest_framework.views` is still loading.
"""

import functools
import uuid
from typing import TYPE_CHECKING, Any

import redis
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.utils.translation import gettext as _
from rest_framework import pagination, throttling
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from core.client_ip import client_ip

if TYPE_CHECKING:
    from rest_framework.views import APIView


# A sliding window kept in a sorted set of request times (milliseconds), checked and extended in one step on
# the server: two requests can no longer both read "one left" and both pass. Returns {1, 0} when the request
# is admitted, {0, oldest} when it is not (the oldest request still in the window, to say when to retry).
_SLIDING_WINDOW = """
local now, window, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {0, tonumber(oldest[2])}
end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], window)
return {1, 0}
"""


@functools.cache
def _redis(url: str) -> redis.Redis:
    """One connection pool per server, beside the cache's own: Django's cache API has no scripts."""
    return redis.Redis.from_url(url)


class AtomicRateThrottle(throttling.SimpleRateThrottle):
    """DRF's throttle reads the history, decides, then writes it back: under concurrency several requests pass
    on the same last place (630 of 600). On Redis the decision is one script; other caches (the embedded
    setup's file cache, one process per role) keep DRF's way. The client's address follows `client_ip`."""

    def get_ident(self, request: Request) -> str:
        return client_ip(request)

    def allow_request(self, request: Request, view: "APIView") -> bool:
        backend = caches["default"]
        if self.rate is None or not isinstance(backend, RedisCache):
            return super().allow_request(request, view)
        self.key = self.get_cache_key(request, view)
        limit, seconds = self.parse_rate(self.rate)
        if self.key is None or limit is None or seconds is None:
            return True
        key = backend.make_and_validate_key(self.key)
        self.now = self.timer()
        now_ms, window_ms = int(self.now * 1000), seconds * 1000
        script = _redis(settings.CACHES["default"]["LOCATION"]).register_script(_SLIDING_WINDOW)
        admitted, oldest = script(keys=[key], args=[now_ms, window_ms, limit, uuid.uuid4().hex])
        self._retry_after = None if admitted else max(window_ms - (now_ms - int(oldest)), 0) / 1000
        return bool(admitted)

    def wait(self) -> float | None:
        retry_after: float | None = getattr(self, "_retry_after", None)
        return retry_after if retry_after is not None else super().wait()


class AnonRateThrottle(AtomicRateThrottle, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(AtomicRateThrottle, throttling.UserRateThrottle):
    pass


class TokenRateThrottle(AtomicRateThrottle):
    """Each token has its own budget, on top of its user's, so one leaked script cannot starve the others."""

    scope = "token"

    def get_cache_key(self, request: Request, view: "APIView") -> str | None:
        token_id = getattr(request.auth, "pk", None)
        if token_id is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": token_id}


class ActivityBatchThrottle(AtomicRateThrottle, throttling.UserRateThrottle):
    scope = "activity_batch"


def strict_page_size(request: Request, default: int, largest: int) -> int:
    """DRF quietly ignores a malformed page size; a client that asked for one is told instead."""
    raw = request.query_params.get("page_size")
    if raw is None:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= largest:
        raise ValidationError({"page_size": [_("Give a whole number from 1 to %(largest)s.") % {"largest": largest}]})
    return int(raw)


def _bounded_in_schema(parameters: list[dict[str, Any]], largest: int) -> list[dict[str, Any]]:
    """The schema states the bounds `strict_page_size` enforces (and that a page number starts at 1)."""
    for parameter in parameters:
        if parameter["name"] == "page_size":
            parameter["schema"] = {**parameter["schema"], "minimum": 1, "maximum": largest}
        elif parameter["name"] == "page":
            parameter["schema"] = {**parameter["schema"], "minimum": 1}
    return parameters


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request: Request) -> int:
        return strict_page_size(request, self.page_size, self.max_page_size)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return _bounded_in_schema(super().get_schema_operation_parameters(view), self.max_page_size)

    def get_page_number(self, request: Request, paginator: Any) -> int | str:
        raw = request.query_params.get(self.page_query_param)
        if raw is None:
            return 1
        if raw in self.last_page_strings:
            return raw
        if not raw.isdigit() or int(raw) < 1:
            raise ValidationError({"page": [_("Give a page number from 1.")]})
        return int(raw)


class ActivityCursorPagination(pagination.CursorPagination):
    """Activity grows without end: a cursor stays fast and stable where page numbers would drift."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = ("-occurred_at", "-id")

    def get_page_size(self, request: Request) -> int:
        return strict_page_size(request, self.page_size, self.max_page_size)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return _bounded_in_schema(super().get_schema_operation_parameters(view), self.max_page_size)
