import pytest
from django.contrib.auth.models import Group, Permission

from members.backends import user_for_request
from tests.members.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db


def _permission(codename: str) -> Permission:
    return Permission.objects.get(content_type__app_label="members", codename=codename)


def test_a_request_loads_the_user_with_own_and_group_permissions_in_one_query(django_assert_num_queries):
    member = MemberFactory()
    member.user.user_permissions.add(_permission("view_dashboards"))
    reviewers = Group.objects.create(name="reviewers")
    reviewers.permissions.add(_permission("view_activity"), _permission("view_dashboards"))
    member.user.groups.add(reviewers)

    with django_assert_num_queries(1):
        user = user_for_request(member.user.pk)
        assert user is not None
        assert user.member == member
        assert user.has_perms(["members.use_portal", "members.view_dashboards", "members.view_activity"])
        assert not user.has_perm("members.change_member")


def test_another_accounts_grants_and_groups_are_not_the_users(django_assert_num_queries):
    granted = UserFactory()
    granted.user_permissions.add(_permission("change_member"))
    reviewers = Group.objects.create(name="reviewers")
    reviewers.permissions.add(_permission("view_activity"))
    granted.groups.add(reviewers)
    plain = UserFactory()

    with django_assert_num_queries(1):
        user = user_for_request(plain.pk)
        assert user is not None
        assert not user.has_perm("members.change_member")
        assert not user.has_perm("members.view_activity")


def test_an_inactive_account_holds_no_permission():
    member = MemberFactory(user__is_active=False)
    member.user.user_permissions.add(_permission("view_dashboards"))
    user = user_for_request(member.user.pk)
    assert user is not None
    assert not user.has_perm("members.view_dashboards")


def test_an_unknown_id_is_no_user():
    assert user_for_request(0) is None
