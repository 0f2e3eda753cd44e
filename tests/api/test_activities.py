import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from members.models import Activity, Origin, Source
from members.services import record_activity
from tests.api.conftest import assert_list_queries_constant, client_for
from tests.members.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db
ACTIVITIES = "/api/v1/activities/"
BATCH = "/api/v1/activities/batch/"


def event(who, **overrides):
    return {
        "client_id": str(uuid.uuid4()),
        "member": who.pk,
        "verb": "resource_viewed",
        "occurred_at": (timezone.now() - timedelta(minutes=1)).isoformat(),
        **overrides,
    }


def test_members_read_only_their_own_activity_staff_read_all(callers):
    member = callers["member"]
    mine = record_activity(member=member.member, verb="logged_in")
    theirs = record_activity(member=MemberFactory(), verb="logged_in")
    assert [row["id"] for row in member.client.get(ACTIVITIES).json()["results"]] == [mine.pk]
    assert member.client.get(f"{ACTIVITIES}{theirs.pk}/").status_code == 404
    staff_rows = callers["staff"].client.get(ACTIVITIES, {"member": theirs.member_id}).json()["results"]
    assert [row["id"] for row in staff_rows] == [theirs.pk]


def test_date_time_filters_compare_in_utc_whatever_offset_they_carry(callers):
    member = callers["member"]
    at = datetime(2026, 1, 19, 12, 0, tzinfo=UTC)
    record_activity(member=member.member, verb="logged_in", occurred_at=at)

    def ids(**query):
        response = member.client.get(ACTIVITIES, query)
        assert response.status_code == 200, response.content
        return len(response.json()["results"])

    # 10:49:04 at -23:17 is 10:06:04 the next day in UTC; PostgreSQL itself refuses an offset of -23:17.
    assert ids(occurred_before="2026-01-19T10:49:04-23:17") == 1
    assert ids(occurred_after="2026-01-19T10:49:04-23:17") == 0
    assert ids(occurred_after="2026-01-19T14:00:00+01:45") == 0  # 12:15 UTC
    assert ids(occurred_before="2026-01-19T14:00:00+01:45") == 1


@pytest.mark.parametrize(
    "moment",
    ["0001-01-01T00:00:00+23:59", "9999-12-31T23:59:59-23:59", "2026-01-19T10:49:04-24:00", "2026-13-01T00:00"],
)
def test_a_date_time_without_a_utc_equivalent_is_a_400(callers, moment):
    response = callers["member"].client.get(ACTIVITIES, {"occurred_before": moment})
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"occurred_before"}


def test_activity_is_paged_by_cursor_newest_first(callers):
    member = callers["member"]
    now = timezone.now()
    for minutes in range(5):
        record_activity(member=member.member, verb="logged_in", occurred_at=now - timedelta(minutes=minutes))
    first = member.client.get(ACTIVITIES, {"page_size": 2}).json()
    second = member.client.get(first["next"]).json()
    times = [row["occurred_at"] for row in first["results"] + second["results"]]
    assert times == sorted(times, reverse=True)
    assert len(set(times)) == 4
    assert "count" not in first


def test_a_batch_is_stored_once_even_when_resent(callers):
    members = [MemberFactory() for _ in range(3)]
    events = [event(member) for member in members for _ in range(2)]
    staff = callers["staff"].client
    assert staff.post(BATCH, {"events": events}, format="json").json() == {"received": 6, "stored": 6}
    assert staff.post(BATCH, {"events": events}, format="json").json() == {"received": 6, "stored": 0}
    assert Activity.objects.filter(source=Source.API).count() == 6


def test_one_malformed_event_stores_none_and_is_named(callers):
    member = MemberFactory()
    events = [event(member), event(member, verb="teleported"), event(member)]
    response = callers["staff"].client.post(BATCH, {"events": events}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["events"] == {"1": {"verb": ['"teleported" is not a valid choice.']}}
    assert not Activity.objects.filter(source=Source.API).exists()


def test_a_batch_records_the_origin_its_client_states_within_what_the_verb_allows(callers):
    member = MemberFactory()
    staff = callers["staff"].client
    events = [event(member, verb="initiative_joined", origin="staff"), event(member, verb="link_clicked")]
    assert staff.post(BATCH, {"events": events}, format="json").json() == {"received": 2, "stored": 2}
    assert dict(Activity.objects.filter(member=member).values_list("verb", "origin")) == {
        "initiative_joined": Origin.STAFF,
        "link_clicked": Origin.MEMBER,
    }
    response = staff.post(BATCH, {"events": [event(member, verb="message_sent", origin="member")]}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["events"] == {
        "0": {"origin": ["“message_sent” may only have the origin system."]}
    }


def test_a_client_id_twice_in_one_batch_is_refused(callers):
    member = MemberFactory()
    twice = event(member)
    response = callers["staff"].client.post(BATCH, {"events": [twice, twice]}, format="json")
    assert response.json()["error"]["fields"]["events"] == {
        "1": {"client_id": ["This client id appears twice in the batch."]}
    }


def test_unknown_members_and_subjects_are_refused_together(callers):
    member = MemberFactory()
    events = [event(member), event(member, member=999_999), event(member, subject_type="nowhere.nothing", subject_id=1)]
    response = callers["staff"].client.post(BATCH, {"events": events}, format="json")
    assert response.json()["error"]["fields"]["events"] == {
        "1": {"member": ["There is no member 999999."]},
        "2": {"subject_type": ["Unknown subject type 'nowhere.nothing'."]},
    }
    assert not Activity.objects.filter(source=Source.API).exists()


def test_a_batch_has_at_most_a_thousand_events(callers):
    member = MemberFactory()
    response = callers["staff"].client.post(BATCH, {"events": [event(member)] * 1001}, format="json")
    assert response.status_code == 400
    assert not Activity.objects.filter(source=Source.API).exists()


def test_a_service_token_with_the_permission_may_post_and_members_may_not(callers):
    service = UserFactory()
    service.user_permissions.add(Permission.objects.get(codename="record_activity_batch"))
    member = MemberFactory()
    assert client_for(service).post(BATCH, {"events": [event(member)]}, format="json").status_code == 200
    assert callers["member"].client.post(BATCH, {"events": [event(member)]}, format="json").status_code == 403
    assert callers["leadership"].client.post(BATCH, {"events": [event(member)]}, format="json").status_code == 403


def test_the_activity_list_query_count_stays_constant(callers, django_assert_num_queries):
    member = callers["member"]

    def grow():
        for _ in range(5):
            record_activity(member=member.member, verb="logged_in", subject=member.member)

    grow()
    assert_list_queries_constant(django_assert_num_queries, member.client, ACTIVITIES, grow, queries=4)
