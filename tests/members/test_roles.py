import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from members.models import User
from members.roles import LEADERSHIP_ROLE, MEMBER_ROLE, STAFF_ROLE
from tests.members.factories import PASSWORD, MemberFactory, leadership_user, staff_user

pytestmark = pytest.mark.django_db


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


def test_the_three_roles_exist_with_their_permissions():
    assert set(Group.objects.values_list("name", flat=True)) >= {STAFF_ROLE, LEADERSHIP_ROLE, MEMBER_ROLE}
    member = fresh(MemberFactory().user)
    leader = fresh(leadership_user())
    staff = fresh(staff_user())

    assert member.has_perm("members.use_portal")
    assert not member.has_perm("members.view_dashboards")
    assert not member.has_perm("members.change_member")
    assert leader.has_perms(["members.use_portal", "members.view_dashboards"])
    assert not leader.has_perm("members.change_member")
    assert staff.has_perms(["members.change_member", "members.view_dashboards", "django_celery_beat.view_periodictask"])


def test_nobody_may_edit_activity_by_hand():
    staff = fresh(staff_user())
    assert staff.has_perm("members.view_activity")
    assert not staff.has_perm("members.change_activity")
    assert not staff.has_perm("members.delete_activity")


def test_staff_without_mfa_are_sent_to_set_it_up(client, settings):
    settings.KNOBLE_REQUIRE_MFA = True
    client.force_login(staff_user())
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")
    # The set-up page itself stays reachable (after allauth asks for the password again).
    assert client.get(reverse("mfa_activate_totp"), follow=True).status_code == 200


def test_leadership_without_mfa_are_sent_to_set_it_up(client, settings):
    settings.KNOBLE_REQUIRE_MFA = True
    client.force_login(leadership_user())
    response = client.get("/")
    assert response.url == reverse("mfa_activate_totp")


def test_members_are_not_asked_for_mfa(client, settings):
    settings.KNOBLE_REQUIRE_MFA = True
    client.force_login(MemberFactory().user)
    assert client.get("/").status_code == 200


def test_staff_reach_the_admin_when_the_requirement_is_off(client, without_mfa_requirement):
    client.force_login(staff_user())
    assert client.get("/admin/").status_code == 200


def test_members_cannot_reach_the_admin(client):
    client.force_login(MemberFactory().user)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_failed_logins_are_rate_limited_with_429(client):
    user = MemberFactory().user
    statuses = [
        client.post(reverse("account_login"), {"login": user.email, "password": "wrong-password"}).status_code
        for _ in range(7)
    ]
    assert statuses[0] == 200
    assert statuses[-1] == 429
    # The right password is refused too while the limit holds.
    assert client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD}).status_code == 429


def test_the_admin_login_goes_through_the_same_protection(client):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_staff_with_totp_enrolled_reach_the_admin(client, settings):
    from allauth.mfa.models import Authenticator

    settings.KNOBLE_REQUIRE_MFA = True
    staff = staff_user()
    Authenticator.objects.create(user=staff, type=Authenticator.Type.TOTP, data={"secret": "unused-in-this-test"})
    client.force_login(staff)
    assert client.get("/admin/").status_code == 200


def test_members_see_their_sessions_and_can_sign_out_elsewhere(client):
    member = MemberFactory()
    other_device = type(client)()
    other_device.post(reverse("account_login"), {"login": member.user.email, "password": PASSWORD})
    client.post(reverse("account_login"), {"login": member.user.email, "password": PASSWORD})

    page = client.get(reverse("usersessions_list"))
    assert page.status_code == 200
    assert len(page.context["sessions"]) == 2

    client.post(reverse("usersessions_list"))  # "sign out other sessions"
    assert client.get(reverse("members:profile")).status_code == 200
    assert other_device.get(reverse("members:profile")).status_code == 302
