from collections.abc import Callable

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from core.permissions import DASHBOARD_PERMISSION, PORTAL_PERMISSION

# Paths that any signed-in user may reach whatever their membership: accounts, health and assets.
# Campaign links carry their own signed token: they must work for whoever is signed in on the device.
_OPEN_PREFIXES = ("/accounts/", "/healthz", "/static/", "/api/", "/campaigns/")


class MembershipGateMiddleware:
    """Default deny: a signed-in user without portal permission sees only the awaiting-approval page,
    and staff or leadership without MFA are sent to set it up before anything else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        path = request.path
        if not user.is_authenticated or path.startswith(_OPEN_PREFIXES):
            return self.get_response(request)
        privileged = user.is_staff or user.has_perm(DASHBOARD_PERMISSION)
        if privileged and settings.KNOBLE_REQUIRE_MFA and not is_mfa_enabled(user):
            return redirect(reverse("mfa_activate_totp"))
        awaiting = reverse("members:awaiting_approval")
        if not user.has_perm(PORTAL_PERMISSION) and not user.is_staff and path != awaiting:
            return redirect(awaiting)
        return self.get_response(request)
