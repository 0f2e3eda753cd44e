"""The unread-notification count of the navigation, kept in the cache (members.unread): never stale after a change
through the members services, and no query on a page once it is cached."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members import unread
from members.models import Notification, NotificationKind
from members.selectors import unread_notification_count
from members.services import (
    notification_create,
    notification_mark_read,
    notifications_create,
    notifications_delete,
    notifications_mark_all_read,
)
from tests.members.factories import MemberFactory, staff_user

pytestmark = pytest.mark.django_db


def notice(member, title="Changed"):
    return notification_create(member=member, kind=NotificationKind.INITIATIVE_CHANGED, title=title)


def test_the_count_is_cached_and_follows_every_change_at_once():
    member = MemberFactory()
    assert unread.count(member_id=member.pk) == 0
    with CaptureQueriesContext(connection) as queries:
        assert unread.count(member_id=member.pk) == 0
    assert len(queries) == 0  # from the cache

    first = notice(member)
    notice(member)
    assert unread.count(member_id=member.pk) == 2
    notifications_create([Notification(member=member, kind=NotificationKind.INITIATIVE_CHANGED, title="Many")])
    assert unread.count(member_id=member.pk) == 3
    notification_mark_read(member=member, notification_id=first.pk)
    assert unread.count(member_id=member.pk) == 2
    notifications_delete(Notification.objects.filter(title="Many"))
    assert unread.count(member_id=member.pk) == 1
    notifications_mark_all_read(member=member)
    assert unread.count(member_id=member.pk) == 0


def test_one_members_change_leaves_anothers_cached_count_alone():
    member, other = MemberFactory(), MemberFactory()
    notice(other)
    assert unread.count(member_id=other.pk) == 1
    notice(member)
    with CaptureQueriesContext(connection) as queries:
        assert unread.count(member_id=other.pk) == 1
    assert len(queries) == 0


def test_a_count_read_before_the_commit_is_not_served_after_it(django_capture_on_commit_callbacks):
    """A request that counted while the notice was not committed yet caches the old number under the old
    generation; the commit starts a new one, so the next page counts again."""
    member = MemberFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notice(member)
    # The stale number a concurrent request could have cached before the commit:
    unread.count(member_id=member.pk)
    generation = cache.get(f"members:unread:{member.pk}:generation")
    cache.set(f"members:unread:{member.pk}:{generation}", 0)
    assert unread.count(member_id=member.pk) == 0
    for callback in callbacks:  # the commit
        callback()
    assert unread.count(member_id=member.pk) == 1


def test_an_account_without_a_member_has_no_unread_notices_and_costs_no_query():
    user = staff_user()
    with CaptureQueriesContext(connection) as queries:
        assert unread_notification_count(user=user) == 0
    assert len(queries) <= 1  # at most the member lookup of a user not loaded by the backends


def test_the_navigation_shows_a_new_notice_at_once_and_drops_it_when_read(client):
    member = MemberFactory()
    client.force_login(member.user)
    home = reverse("initiatives:home")
    assert client.get(home).context["unread_notifications"] == 0
    created = notice(member, title="Session moved")
    assert client.get(home).context["unread_notifications"] == 1
    client.post(reverse("initiatives:notification_read", args=[created.pk]))
    assert client.get(home).context["unread_notifications"] == 0
    notice(member)
    notice(member)
    assert client.get(home).context["unread_notifications"] == 2
    client.post(reverse("initiatives:notifications_read_all"))
    assert client.get(home).context["unread_notifications"] == 0
