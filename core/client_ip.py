"""The client's address, for every rate limit (API throttles, allauth's login limits) and the session list.

`X-Forwarded-For` is written by whoever sends the request, so it is believed only as far as the deployment
says proxies of its own stand in front of the portal (`KNOBLE_TRUSTED_PROXY_COUNT`, default 0: none).
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    """Each trusted proxy appends the address it received the request from, so with N of them the client is
    the Nth entry from the right; anything to its left was written by the client and is ignored. A request
    with fewer entries did not pass through the proxies: its own peer address is the client."""
    peer = request.META.get("REMOTE_ADDR", "")
    proxies: int = settings.KNOBLE_TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return peer
    forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < proxies:
        return peer
    return _address(forwarded[-proxies]) or peer
