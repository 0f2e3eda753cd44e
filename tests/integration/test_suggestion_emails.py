import time

import pytest
from django.db import transaction

from ecosystem.models import Suggestion
from ecosystem.services import suggestion_reject, suggestion_submit
from tests.ecosystem.factories import StageFactory
from tests.members.factories import MemberFactory, staff_user

pytestmark = pytest.mark.integration


def test_a_real_worker_tells_the_member_the_outcome_of_their_suggestion(celery_worker_process):
    _worker, inbox = celery_worker_process
    member = MemberFactory(user__email="kavya@lakesidepay.example")
    suggestion = suggestion_submit(member=member, kind="new", text="Cash-only spas", stage=StageFactory())

    with transaction.atomic():
        suggestion_reject(suggestion=suggestion, by=staff_user(), response="Too common on its own.")

    messages = inbox.wait_for(1)
    assert len(messages) == 1
    assert messages[0]["To"] == "kavya@lakesidepay.example"
    assert messages[0]["Subject"] == "[Knoble] Your red-flag suggestion: not accepted"
    assert "Too common on its own." in messages[0].get_payload()
    deadline = time.monotonic() + 10
    while Suggestion.objects.get().outcome_emailed_at is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert Suggestion.objects.get().outcome_emailed_at is not None
