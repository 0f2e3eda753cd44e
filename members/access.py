"""Whether a person may use the portal now: the one answer every channel asks for (pages, API with a token or a
session, the calendar feed, e-mail links, downloads), from the member's status and the account's `is_active`."""

import enum
from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from core.permissions import PORTAL_PERMISSION
from members.statuses import MemberStatus


class Access(enum.StrEnum):
    ALLOWED = "allowed"
    ANONYMOUS = "anonymous"
    INACTIVE = "account_inactive"
    SUSPENDED = "account_suspended"
    LEFT = "account_left"
    PENDING = "membership_pending"
    NO_ROLE = "no_role"


# Standings that shut the account out of everything, whatever its role: no permission holds for it.
SHUT_OUT = frozenset({Access.INACTIVE, Access.SUSPENDED, Access.LEFT})

REFUSAL_MESSAGES = {
    Access.INACTIVE: _("This account is deactivated."),
    Access.SUSPENDED: _("This account is suspended. Contact The Knoble to restore access."),
    Access.LEFT: _("This account belongs to someone who has left The Knoble."),
    Access.PENDING: _("This membership is not approved."),
    Access.NO_ROLE: _("Your role does not allow this."),
    Access.ANONYMOUS: _("Sign in first."),
}


def _member_status(user: Any) -> str | None:
    """The member record's status, or None for an account without one (staff, leadership)."""
    try:
        return str(user.member.status)
    except ObjectDoesNotExist:
        return None


def account_standing(user: Any) -> Access:
    """The account's standing alone (not its role): ALLOWED, ANONYMOUS, or one of `SHUT_OUT`.

    Reads the member's status through `user.member`, which the authentication backends and the token
    authentication load with the user, so asking costs no query of its own."""
    if not (user and user.is_authenticated):
        return Access.ANONYMOUS
    if not user.is_active:
        return Access.INACTIVE
    status = _member_status(user)
    if status == MemberStatus.SUSPENDED:
        return Access.SUSPENDED
    if status == MemberStatus.LEFT:
        return Access.LEFT
    return Access.ALLOWED


def portal_access(user: Any) -> Access:
    """The standing first; then a member record, where there is one, must be approved (whatever the role's
    groups say); then the role: the portal permission. Staff and leadership without a member record are
    governed by their role alone."""
    standing = account_standing(user)
    if standing is not Access.ALLOWED:
        return standing
    status = _member_status(user)
    if status is not None and status != MemberStatus.APPROVED:
        return Access.PENDING
    return Access.ALLOWED if user.has_perm(PORTAL_PERMISSION) else Access.NO_ROLE


def may_use_portal(user: Any) -> bool:
    return portal_access(user) is Access.ALLOWED


class AccessRefused(Exception):
    """Raised by a service acting for a member (an e-mail link) who may not use the portal now."""

    def __init__(self, access: Access) -> None:
        super().__init__(access.value)
        self.access = access


def require_portal_access(user: Any) -> None:
    access = portal_access(user)
    if access is not Access.ALLOWED:
        raise AccessRefused(access)


def refusal_page(request: HttpRequest, access: Access) -> HttpResponse:
    """The page every HTML channel answers with when the account is shut out."""
    return render(
        request,
        "members/access_refused.html",
        {"access": access, "message": REFUSAL_MESSAGES.get(access, REFUSAL_MESSAGES[Access.NO_ROLE])},
        status=403,
    )


def portal_member_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The one check of every member-facing page: signed in (anyone else is sent to sign in) and holding the
    portal permission (refused with 403 otherwise; a shut-out account holds no permission at all)."""
    return login_required(permission_required(PORTAL_PERMISSION, raise_exception=True)(view))
