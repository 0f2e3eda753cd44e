"""client_ip: X-Forwarded-For is believed only as far as the configured proxies reach."""

import pytest
from allauth.account.adapter import get_adapter
from django.test import RequestFactory

from core.client_ip import client_ip


def request_from(peer: str, forwarded: str | None = None):
    request = RequestFactory().get("/")
    request.META["REMOTE_ADDR"] = peer
    if forwarded is not None:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded
    return request


@pytest.mark.parametrize(
    ("proxies", "peer", "forwarded", "client"),
    [
        (0, "203.0.113.7", None, "203.0.113.7"),
        (0, "203.0.113.7", "198.51.100.1", "203.0.113.7"),  # no proxy of ours: the header is the client's word
        (1, "10.0.0.2", "198.51.100.1", "198.51.100.1"),
        (1, "10.0.0.2", "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # the client's own entry is ignored
        (2, "10.0.0.3", "6.6.6.6, 198.51.100.1, 10.0.0.2", "198.51.100.1"),
        (2, "203.0.113.7", "198.51.100.1", "203.0.113.7"),  # fewer entries: it did not come through our proxies
        (1, "10.0.0.2", "not-an-address", "10.0.0.2"),
        (1, "10.0.0.2", "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_client_is_the_entry_the_nearest_trusted_proxy_wrote(settings, proxies, peer, forwarded, client):
    settings.KNOBLE_TRUSTED_PROXY_COUNT = proxies
    assert client_ip(request_from(peer, forwarded)) == client


def test_allauths_rate_limits_and_session_list_use_the_same_address(settings):
    settings.KNOBLE_TRUSTED_PROXY_COUNT = 0
    assert get_adapter().get_client_ip(request_from("203.0.113.7", "198.51.100.1")) == "203.0.113.7"
    settings.KNOBLE_TRUSTED_PROXY_COUNT = 1
    assert get_adapter().get_client_ip(request_from("10.0.0.2", "6.6.6.6, 198.51.100.1")) == "198.51.100.1"
