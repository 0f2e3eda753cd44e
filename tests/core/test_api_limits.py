"""The API's throttles: the client's address from trusted proxies only, and exact limits under concurrency."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory
from rest_framework.throttling import SimpleRateThrottle

from core.api_limits import AnonRateThrottle
from tests.conftest import require_redis


@pytest.fixture
def rates(monkeypatch):
    def lower(**changes: str) -> None:
        monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, **changes})

    return lower


def anonymous(peer: str = "203.0.113.7", forwarded: str | None = None) -> Request:
    raw = APIRequestFactory().get("/api/v1/personas/")
    raw.META["REMOTE_ADDR"] = peer
    if forwarded:
        raw.META["HTTP_X_FORWARDED_FOR"] = forwarded
    request = Request(raw)
    request.user = AnonymousUser()
    return request


def allowed(request: Request) -> bool:
    return AnonRateThrottle().allow_request(request, view=None)  # type: ignore[arg-type]


def test_a_spoofed_forwarded_for_does_not_lift_the_anonymous_limit(rates, settings):
    rates(anon="2/minute")
    settings.KNOBLE_TRUSTED_PROXY_COUNT = 0
    assert [allowed(anonymous()) for _ in range(3)] == [True, True, False]
    assert not allowed(anonymous(forwarded="198.51.100.1"))
    assert not allowed(anonymous(forwarded="198.51.100.2, 198.51.100.3"))
    assert allowed(anonymous(peer="203.0.113.8"))  # another client has a budget of its own


def test_behind_one_trusted_proxy_each_forwarded_client_has_its_own_budget(rates, settings):
    rates(anon="1/minute")
    settings.KNOBLE_TRUSTED_PROXY_COUNT = 1
    assert allowed(anonymous(peer="10.0.0.2", forwarded="198.51.100.1"))
    assert not allowed(anonymous(peer="10.0.0.2", forwarded="198.51.100.1"))
    assert not allowed(anonymous(peer="10.0.0.2", forwarded="6.6.6.6, 198.51.100.1"))  # its own prefix is ignored
    assert allowed(anonymous(peer="10.0.0.2", forwarded="198.51.100.2"))


def test_concurrent_requests_never_pass_more_than_the_limit(rates):
    require_redis()
    assert isinstance(caches["default"], RedisCache)
    rates(anon="50/minute")

    def attempt(_: int) -> bool:
        return allowed(anonymous())

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(attempt, range(400)))
    assert results.count(True) == 50
    throttle = AnonRateThrottle()
    assert not throttle.allow_request(anonymous(), view=None)
    wait = throttle.wait()
    assert wait is not None
    assert 0 < wait <= 60
