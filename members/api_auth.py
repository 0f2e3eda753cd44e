"""Personal API tokens as a DRF authentication class: `Authorization: Bearer knb_…`."""

from datetime import timedelta
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import authentication, exceptions, permissions
from rest_framework.request import Request

from members.access import REFUSAL_MESSAGES, SHUT_OUT, account_standing, may_use_portal
from members.models import ApiToken, User
from members.services import api_token_digest

if TYPE_CHECKING:
    # Only for types: DRF imports this module while rest_framework.views is still loading.
    from rest_framework.views import APIView


class AccountShutOut(exceptions.PermissionDenied):
    """A suspended or departed member's token or session: refused with the reason as the error's code."""


def refuse_if_shut_out(user: User) -> None:
    standing = account_standing(user)
    if standing in SHUT_OUT:
        raise AccountShutOut(str(REFUSAL_MESSAGES[standing]), code=standing.value)


# Writing `last_used_at` on every request would turn each read into a write; a minute is precise enough.
LAST_USED_PRECISION = timedelta(minutes=1)


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].decode(errors="replace").lower() != self.keyword.lower():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("The Authorization header must be 'Bearer <token>'."))
        secret = parts[1].decode(errors="replace")
        now = timezone.now()
        token = (
            ApiToken.objects.usable_at(now)
            .select_related("user__member")
            .filter(digest=api_token_digest(secret), user__is_active=True)
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed(_("The token is unknown, expired or revoked."))
        if token.last_used_at is None or token.last_used_at < now - LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        refuse_if_shut_out(token.user)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class PortalSessionAuthentication(authentication.SessionAuthentication):
    """DRF's session authentication, refusing a suspended or departed member's session as the token is."""

    def authenticate(self, request: Request) -> tuple[User, None] | None:
        result = super().authenticate(request)
        if result is not None:
            refuse_if_shut_out(result[0])
        return result


class IsPortalMember(permissions.BasePermission):
    """The API's side of "may this person use the portal now" (members.access decides)."""

    message = gettext_lazy("Only approved members may do this.")

    def has_permission(self, request: Request, view: "APIView") -> bool:
        return may_use_portal(request.user)
