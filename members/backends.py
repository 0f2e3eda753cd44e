"""The authentication backends, loading the member's status with the user: `members.access` reads it on every
request, and this way it costs no query of its own."""

from typing import Any

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

from members.models import User


def _user_with_member(user_id: Any) -> User | None:
    return User.objects.select_related("member").filter(pk=user_id).first()


class ModelBackend(DjangoModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        user = _user_with_member(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class AuthenticationBackend(AllauthBackend):
    def get_user(self, user_id: Any) -> User | None:
        user = _user_with_member(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
