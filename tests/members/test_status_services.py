"""Suspend, reinstate and mark as left: a reason in the history, an e-mail, sessions and tokens ended at once."""

import pytest
from allauth.usersessions.models import UserSession
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from members.models import ApiToken, Member
from members.services import api_token_create, member_mark_left, member_reinstate, member_suspend
from tests.members.factories import PASSWORD, MemberFactory, UserFactory, staff_user

pytestmark = pytest.mark.django_db


def signed_in(member: Member):
    """A browser signed in through the real login form, so that allauth tracks its session."""
    from django.test import Client

    client = Client()
    response = client.post(reverse("account_login"), {"login": member.user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/initiatives/").status_code == 200
    return client


def test_suspension_records_the_reason_tells_the_member_and_ends_sessions_and_tokens(
    mailoutbox, django_capture_on_commit_callbacks
):
    member = MemberFactory(user__email="noor@example.net")
    browser = signed_in(member)
    _, secret = api_token_create(user=member.user, name="script")
    api = APIClient(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get("/api/v1/me/").status_code == 200
    by = staff_user()

    with django_capture_on_commit_callbacks(execute=True):
        member_suspend(member=member, by=by, reason="Shared a case file outside the network")

    member.refresh_from_db()
    assert member.status == Member.Status.SUSPENDED
    latest = member.history.latest()
    assert (latest.history_change_reason, latest.history_user) == ("Shared a case file outside the network", by)
    assert [message.to for message in mailoutbox] == [["noor@example.net"]]
    assert "suspended" in mailoutbox[0].subject
    assert "case file" not in mailoutbox[0].body
    assert not UserSession.objects.filter(user=member.user).exists()
    assert browser.get("/initiatives/").status_code == 302  # signed out: the login page
    assert api.get("/api/v1/me/").status_code == 401
    assert not ApiToken.objects.usable_at(member.status_changed_at).filter(user=member.user).exists()

    with django_capture_on_commit_callbacks(execute=True):
        member_reinstate(member=member, by=by, reason="Cleared")
    member.refresh_from_db()
    assert member.status == Member.Status.APPROVED
    assert "restored" in mailoutbox[1].subject
    assert signed_in(member).get("/initiatives/").status_code == 200


@pytest.mark.parametrize(
    ("status", "change"),
    [
        (Member.Status.PENDING, member_suspend),
        (Member.Status.SUSPENDED, member_suspend),
        (Member.Status.APPROVED, member_reinstate),
        (Member.Status.LEFT, member_reinstate),
        (Member.Status.LEFT, member_mark_left),
        (Member.Status.REJECTED, member_mark_left),
    ],
)
def test_an_invalid_transition_is_refused_and_changes_nothing(status, change, mailoutbox):
    member = MemberFactory(status=status)
    with pytest.raises(ValidationError):
        change(member=member, by=staff_user(), reason="Because")
    member.refresh_from_db()
    assert member.status == status
    assert member.history.count() == 1
    assert mailoutbox == []


def test_a_reason_is_required_nobody_changes_their_own_status_and_only_superusers_touch_staff():
    member = MemberFactory()
    with pytest.raises(ValidationError, match="reason"):
        member_suspend(member=member, by=staff_user(), reason="  ")
    staff = staff_user()
    staff_member = MemberFactory(user=staff)
    with pytest.raises(ValidationError):
        member_suspend(member=staff_member, by=staff, reason="Me")
    with pytest.raises(ValidationError):
        member_suspend(member=staff_member, by=staff_user(), reason="A colleague")
    root = UserFactory(is_staff=True, is_superuser=True)
    assert member_suspend(member=staff_member, by=root, reason="A colleague").status == Member.Status.SUSPENDED
    assert member_mark_left(member=staff_member, by=root, reason="Left").status == Member.Status.LEFT


def test_the_admin_actions_take_the_reason(client, without_mfa_requirement, django_capture_on_commit_callbacks):
    client.force_login(staff_user())
    members = MemberFactory.create_batch(2)
    changelist = reverse("admin:members_member_changelist")
    selected = {helpers.ACTION_CHECKBOX_NAME: [m.pk for m in members]}
    response = client.post(changelist, {"action": "suspend", "reason": "", **selected}, follow=True)
    assert "Give a reason" in response.content.decode()
    assert set(Member.objects.values_list("status", flat=True)) == {"approved"}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(changelist, {"action": "suspend", "reason": "Audit", **selected})
    assert set(Member.objects.values_list("status", flat=True)) == {"suspended"}
    assert members[0].history.latest().history_change_reason == "Audit"
    client.post(changelist, {"action": "mark_left", "reason": "Retired", **selected})
    assert set(Member.objects.values_list("status", flat=True)) == {"left"}
