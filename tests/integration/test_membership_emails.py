import pytest
from django.db import transaction

from members.models import Member
from members.services import member_approve, member_suspend
from tests.members.factories import MemberFactory, staff_user

pytestmark = pytest.mark.integration


def test_a_real_worker_sends_the_approval_email_over_smtp(celery_worker_process):
    _worker, inbox = celery_worker_process
    member = MemberFactory(status=Member.Status.PENDING, user__email="noor@harbourcu.example")

    with transaction.atomic():
        member_approve(member=member, by=staff_user())

    messages = inbox.wait_for(1)
    assert len(messages) == 1
    assert messages[0]["To"] == "noor@harbourcu.example"
    assert messages[0]["Subject"] == "[Knoble] Your membership is approved"
    assert "has been approved" in messages[0].get_payload()


def test_a_real_worker_tells_a_suspended_member_by_email(celery_worker_process):
    _worker, inbox = celery_worker_process
    member = MemberFactory(user__email="rui@harbourcu.example")

    with transaction.atomic():
        member_suspend(member=member, by=staff_user(), reason="Audit of shared case files")

    messages = inbox.wait_for(1)
    assert len(messages) == 1
    assert messages[0]["To"] == "rui@harbourcu.example"
    assert messages[0]["Subject"] == "[Knoble] Your membership is suspended"
    assert "Audit" not in messages[0].get_payload()
