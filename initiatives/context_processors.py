from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from core.permissions import PORTAL_PERMISSION
from members.selectors import unread_notification_count


def notifications(request: HttpRequest) -> dict[str, Any]:
    """The unread count for the navigation: one COUNT, run only if a template shows it, once per request."""
    user = getattr(request, "user", None)  # none on a request refused before authentication (the 400 page)
    if user is None or not user.is_authenticated or not user.has_perm(PORTAL_PERMISSION):
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: unread_notification_count(user=user))}
