"""The authentication backends. Loading the user for a request costs one query: the user, the member row with its
organisation (`members.access` and `members.selectors.member_for_user` read them on every request) and the names of
the permissions the account holds through its own grants and its groups, which `has_perm` then answers from."""

from typing import Any

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.contrib.auth.models import Permission
from django.db.models import F, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Concat

from core.aggregates import joined_subquery
from members.models import User

# Neither an app label nor a codename holds a space.
_SEPARATOR = " "


def _permission_names(held: QuerySet[Permission]) -> Subquery:
    """ "app_label.codename" of the permissions `held` (correlated with the outer user), joined."""
    return joined_subquery(held, Concat(F("content_type__app_label"), Value("."), F("codename")), _SEPARATOR)


def user_for_request(user_id: Any) -> User | None:
    """The signed-in user with the member, the organisation and the permissions, in one query.

    The account's own grants and its groups' are two subqueries, each read through the user's index: one with
    "own OR through a group" joins both link tables and filters after, reading every member's group link
    (tens of milliseconds a request at 100,000 members)."""
    user = (
        User.objects.select_related("member", "member__organisation")
        .annotate(
            own_permission_names=_permission_names(Permission.objects.filter(user=OuterRef("pk"))),
            group_permission_names=_permission_names(Permission.objects.filter(group__user=OuterRef("pk"))),
        )
        .filter(pk=user_id)
        .first()
    )
    if user is not None and user.is_active and not user.is_superuser:
        # Django's ModelBackend keeps what `get_all_permissions` found here for the life of the object.
        user._perm_cache = {  # type: ignore[attr-defined]
            name
            for names in (user.own_permission_names, user.group_permission_names)
            if names
            for name in names.split(_SEPARATOR)
        }
    return user


class ModelBackend(DjangoModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        user = user_for_request(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class AuthenticationBackend(AllauthBackend):
    def get_user(self, user_id: Any) -> User | None:
        user = user_for_request(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
