from typing import Any

from django.http import HttpRequest

from core.permissions import DASHBOARD_PERMISSION, PORTAL_PERMISSION


def navigation(request: HttpRequest) -> dict[str, Any]:
    """What the navigation may show, by permission rather than by group name."""
    # A request Django refuses before the authentication middleware ran (a bad Host: the 400 page) has no user.
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": {}}
    return {
        "nav": {
            "portal": user.has_perm(PORTAL_PERMISSION),
            "dashboards": user.has_perm(DASHBOARD_PERMISSION),
            "admin": user.is_staff,
        }
    }
