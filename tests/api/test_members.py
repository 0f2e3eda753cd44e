"""/api/v1/members/: staff list members and change their status, with a reason, in the API's error shape."""

import pytest

from members.models import Member
from tests.api.conftest import client_for
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_only_staff_list_members(callers, django_assert_num_queries):
    for role in ("pending", "member", "leadership"):
        assert callers[role].client.get("/api/v1/members/").status_code == 403
    assert callers["anonymous"].client.get("/api/v1/members/").status_code == 401
    staff = callers["staff"].client
    staff.get("/api/v1/members/")
    with django_assert_num_queries(5):
        first = staff.get("/api/v1/members/").json()
    MemberFactory.create_batch(3)
    with django_assert_num_queries(5):
        assert staff.get("/api/v1/members/").json()["count"] == first["count"] + 3


def test_staff_suspend_reinstate_and_mark_left_with_a_reason(callers, django_capture_on_commit_callbacks):
    target = MemberFactory()
    api = callers["staff"].client
    member_api = client_for(target.user)
    assert member_api.get("/api/v1/me/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/members/{target.pk}/suspend/", {"reason": "Audit"})
    assert response.status_code == 200
    assert response.json()["status"] == "suspended"
    assert member_api.get("/api/v1/me/").status_code == 401  # the token was revoked at once
    assert api.post(f"/api/v1/members/{target.pk}/reinstate/", {"reason": "Cleared"}).json()["status"] == "approved"
    assert api.post(f"/api/v1/members/{target.pk}/leave/", {"reason": "Retired"}).json()["status"] == "left"
    assert target.history.latest().history_change_reason == "Retired"


def test_a_missing_reason_is_a_400_and_an_invalid_transition_a_409_changing_nothing(callers):
    target = MemberFactory(status=Member.Status.PENDING)
    api = callers["staff"].client
    missing = api.post(f"/api/v1/members/{target.pk}/suspend/", {})
    assert missing.status_code == 400
    assert "reason" in missing.json()["error"]["fields"]
    conflict = api.post(f"/api/v1/members/{target.pk}/suspend/", {"reason": "Audit"})
    assert conflict.status_code == 409
    assert conflict.json()["error"]["code"] == "conflict"
    assert "pending" in conflict.json()["error"]["message"]
    target.refresh_from_db()
    assert target.status == Member.Status.PENDING


def test_members_cannot_change_anyone(callers):
    target = MemberFactory()
    for role in ("member", "leadership"):
        assert callers[role].client.post(f"/api/v1/members/{target.pk}/suspend/", {"reason": "x"}).status_code == 403
    target.refresh_from_db()
    assert target.status == Member.Status.APPROVED
