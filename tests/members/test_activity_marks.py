from datetime import UTC, datetime

import pytest
from django.db import connection, transaction

from members.activity_marks import ACTIVITY_GAP_WINDOW, activity_mark
from members.models import Activity, Verb
from members.services import record_activity
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db

AT = datetime(2026, 6, 15, tzinfo=UTC)


def test_the_mark_is_the_highest_id_and_the_gaps_the_ids_under_it_no_committed_row_holds():
    member = MemberFactory()
    record_activity(member=member, verb=Verb.LOGGED_IN, occurred_at=AT)
    with transaction.atomic():
        record_activity(member=member, verb=Verb.LOGGED_IN, occurred_at=AT)
        transaction.set_rollback(True)  # its id is taken and never used
    record_activity(member=member, verb=Verb.LOGGED_IN, occurred_at=AT)
    first, last = Activity.objects.order_by("id").values_list("id", flat=True)

    with connection.cursor() as cursor:
        seen = activity_mark(cursor)

    assert seen.mark == last
    window = range(max(last - ACTIVITY_GAP_WINDOW, 0) + 1, last + 1)
    assert seen.gaps == [number for number in window if number not in (first, last)]
