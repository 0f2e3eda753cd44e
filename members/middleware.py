from collections.abc import Callable

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation

from core.permissions import DASHBOARD_PERMISSION
from members.access import SHUT_OUT, Access, portal_access, refusal_page
from members.languages import supported

# Paths that a shut-out account (suspended, left) may still reach: signing out, health and assets.
_SHUT_OUT_OPEN_PREFIXES = ("/accounts/logout/", "/healthz", "/static/", "/i18n/")
# Paths that any signed-in user may reach whatever their membership: accounts, health, assets and the language.
# Campaign links carry their own signed token: they must work for whoever is signed in on the device.
_OPEN_PREFIXES = ("/accounts/", "/healthz", "/static/", "/api/", "/campaigns/", "/i18n/")


class MemberLanguageMiddleware:
    """A signed-in member's profile language wins over the browser's (which LocaleMiddleware, earlier, applied).
    The API is left to LocaleMiddleware: a client asks for its language with Accept-Language. Costs no query:
    the authentication backends load the member with the user."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not request.path.startswith("/api/"):
            member = getattr(user, "member", None)
            language = supported(member.language) if member is not None else None
            if language:
                translation.activate(language)
                request.LANGUAGE_CODE = language
        return self.get_response(request)


class MembershipGateMiddleware:
    """Default deny: a suspended or departed account sees only the refusal page (the admin included); a
    signed-in user without portal access sees only the awaiting-approval page; staff or leadership without MFA
    are sent to set it up before anything else. The API and campaign links answer refusals their own way."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        path = request.path
        if not user.is_authenticated:
            return self.get_response(request)
        access = portal_access(user)
        if access in SHUT_OUT and not path.startswith(("/api/", "/campaigns/", *_SHUT_OUT_OPEN_PREFIXES)):
            return refusal_page(request, access)
        if path.startswith(_OPEN_PREFIXES):
            return self.get_response(request)
        privileged = user.is_staff or user.has_perm(DASHBOARD_PERMISSION)
        if privileged and settings.KNOBLE_REQUIRE_MFA and not is_mfa_enabled(user):
            return redirect(reverse("mfa_activate_totp"))
        awaiting = reverse("members:awaiting_approval")
        # Staff reach the admin whatever their member record, and a staff page refuses a role it does not suit.
        staff_pass = user.is_staff and (path.startswith("/admin/") or access is Access.NO_ROLE)
        if access is not Access.ALLOWED and not staff_pass and path != awaiting:
            return redirect(awaiting)
        return self.get_response(request)
