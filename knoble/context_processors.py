from typing import Any

from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict[str, Any]:
    """What the navigation may show, by permission rather than by group name."""
    user = request.user
    if not user.is_authenticated:
        return {"nav": {}}
    return {
        "nav": {
            "portal": user.has_perm("members.use_portal"),
            "dashboards": user.has_perm("members.view_dashboards"),
            "admin": user.is_staff,
        }
    }
