"""Staff who are not superusers cannot grant rights (superuser, staff, roles, permissions) through the admin."""

import pytest
from django.contrib.admin import helpers
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from members.models import User
from members.roles import STAFF_ROLE
from tests.members.factories import UserFactory, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, without_mfa_requirement) -> User:
    user = staff_user()
    client.force_login(user)
    return user


def _rights(user: User) -> tuple:
    user.refresh_from_db()
    return (
        user.is_staff,
        user.is_superuser,
        sorted(user.groups.values_list("name", flat=True)),
        sorted(user.user_permissions.values_list("codename", flat=True)),
    )


def _escalating_post(user: User) -> dict:
    return {
        "email": user.email,
        "first_name": "Changed",
        "last_name": user.last_name,
        "is_active": "on",
        "is_staff": "on",
        "is_superuser": "on",
        "groups": [group.pk for group in Group.objects.all()],
        "user_permissions": [Permission.objects.get(codename="change_user").pk],
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "10:00:00",
    }


@pytest.mark.parametrize("target", ["self", "other"])
def test_the_change_form_ignores_rights_posted_by_non_superuser_staff(client, staff, target):
    user = staff if target == "self" else UserFactory()
    before = _rights(user)
    response = client.post(reverse("admin:members_user_change", args=[user.pk]), _escalating_post(user))
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.first_name == "Changed"  # the form saved, but only what staff may change
    assert _rights(user) == before
    assert not user.is_superuser


def test_the_add_form_creates_a_user_without_rights(client, staff):
    data = {"email": "new@example.net", "password1": "a-long-pass-phrase-9", "password2": "a-long-pass-phrase-9"}
    data |= {"is_superuser": "on", "is_staff": "on", "groups": [Group.objects.get(name=STAFF_ROLE).pk]}
    client.post(reverse("admin:members_user_add"), data)
    created = User.objects.get(email="new@example.net")
    assert _rights(created) == (False, False, [], [])


def test_staff_cannot_change_a_superuser_or_their_password(client, staff):
    root = UserFactory(is_staff=True, is_superuser=True)
    password = root.password
    assert client.post(reverse("admin:members_user_change", args=[root.pk]), _escalating_post(root)).status_code == 403
    response = client.post(
        reverse("admin:auth_user_password_change", args=[root.pk]),
        {"password1": "taken-over-pass-99", "password2": "taken-over-pass-99", "usable_password": "true"},
    )
    assert response.status_code == 403
    root.refresh_from_db()
    assert root.password == password


def test_no_admin_action_grants_rights(client, staff):
    other = UserFactory()
    before = _rights(other)
    changelist = reverse("admin:members_user_changelist")
    actions = client.get(changelist).context["action_form"].fields["action"].choices
    for name, _label in actions:
        if name:
            client.post(changelist, {"action": name, helpers.ACTION_CHECKBOX_NAME: [other.pk, staff.pk]})
    assert _rights(other) == before
    assert not User.objects.get(pk=staff.pk).is_superuser


def test_a_superuser_may_grant_rights(client, without_mfa_requirement):
    root = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(root)
    user = UserFactory()
    client.post(reverse("admin:members_user_change", args=[user.pk]), _escalating_post(user))
    user.refresh_from_db()
    assert user.is_superuser
    assert user.groups.count() == Group.objects.count()
