import pytest
from simple_history.models import HistoricalRecords

from members.history import attribute_change
from members.models import Source
from tests.members.factories import MemberFactory, staff_user

pytestmark = pytest.mark.django_db


def test_attribute_change_with_no_person_names_the_system_even_inside_a_request(rf):
    member = MemberFactory()
    request = rf.get("/")
    request.user = staff_user()
    HistoricalRecords.context.request = request  # what the history middleware does for a signed-in request
    try:
        attribute_change(member, by=None, origin=Source.SYSTEM)
        member.save()
    finally:
        del HistoricalRecords.context.request
    latest = member.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (None, Source.SYSTEM)
