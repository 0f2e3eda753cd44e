import pytest

from initiatives.models import Initiative, InitiativeStatus, Participation
from members.models import Activity, Notification, Source, Verb
from tests.api.conftest import assert_list_queries_constant
from tests.initiatives.factories import (
    EligibleSectorFactory,
    InitiativeFactory,
    NotificationFactory,
    ParticipationFactory,
)

pytestmark = pytest.mark.django_db
INITIATIVES = "/api/v1/initiatives/"


def slugs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["slug"] for row in response.json()["results"]]


def test_members_never_see_drafts_staff_do(callers):
    InitiativeFactory(slug="open-group")
    InitiativeFactory(slug="draft-group", status=InitiativeStatus.DRAFT)
    assert slugs(callers["member"].client.get(INITIATIVES)) == ["open-group"]
    assert callers["member"].client.get(f"{INITIATIVES}draft-group/").status_code == 404
    assert sorted(slugs(callers["staff"].client.get(INITIATIVES))) == ["draft-group", "open-group"]


def test_join_and_leave_go_through_the_services_and_record_activity(callers):
    initiative = InitiativeFactory(capacity=1, has_waitlist=True)
    first, member = ParticipationFactory(initiative=initiative).member, callers["member"]
    joined = member.client.post(f"{INITIATIVES}{initiative.slug}/join/")
    assert joined.status_code == 200
    assert joined.json()["status"] == "waitlisted"
    assert joined.json()["position"] == 1
    detail = member.client.get(f"{INITIATIVES}{initiative.slug}/").json()
    assert (detail["active_count"], detail["waitlist_count"], detail["my_status"]) == (1, 1, "waitlisted")
    assert member.client.get(f"{INITIATIVES}{initiative.slug}/participation/").json()["position"] == 1
    assert Activity.objects.filter(member=member.member, verb=Verb.INITIATIVE_WAITLISTED, source=Source.API).exists()
    left = member.client.post(f"{INITIATIVES}{initiative.slug}/leave/")
    assert left.json()["status"] == "left"
    assert Participation.objects.get(member=first).status == "active"


def test_joining_from_an_ineligible_sector_is_refused_and_changes_nothing(callers):
    initiative = InitiativeFactory()
    EligibleSectorFactory(initiative=initiative, sector="ngo")
    response = callers["member"].client.post(f"{INITIATIVES}{initiative.slug}/join/")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert response.json()["error"]["message"] == f"“{initiative}” is open only to members from: NGO."
    assert not Participation.objects.exists()


def test_refusals_to_join_and_leave_say_why_in_plain_text(callers):
    closed = InitiativeFactory(status=InitiativeStatus.CLOSED)
    joined = callers["member"].client.post(f"{INITIATIVES}{closed.slug}/join/")
    assert joined.status_code == 400
    assert joined.json()["error"]["message"] == f"“{closed}” is closed: sign-up is not open."
    left = callers["member"].client.post(f"{INITIATIVES}{InitiativeFactory().slug}/leave/")
    assert left.status_code == 400
    assert left.json()["error"]["message"].startswith("You are not taking part in “")
    assert "ErrorDetail" not in joined.content.decode() + left.content.decode()


def test_a_caller_without_participation_gets_404_for_it(callers):
    initiative = InitiativeFactory()
    assert callers["member"].client.get(f"{INITIATIVES}{initiative.slug}/participation/").status_code == 404


def test_staff_edits_notify_participants(callers):
    participation = ParticipationFactory()
    url = f"{INITIATIVES}{participation.initiative.slug}/"
    response = callers["staff"].client.patch(url, {"location": "Lyon", "is_online": False}, format="json")
    assert response.status_code == 200, response.content
    assert Notification.objects.filter(member=participation.member).count() == 1


def test_staff_create_an_initiative_through_the_service_which_records_them_as_its_author(callers):
    response = callers["staff"].client.post(
        INITIATIVES,
        {"slug": "api-made", "title": "Made over the API", "summary": "s", "kind": "working_group"},
        format="json",
    )
    assert response.status_code == 201, response.content
    created = Initiative.objects.get(slug="api-made")
    assert [(row.history_user, row.history_change_reason) for row in created.history.all()] == [
        (callers["staff"].user, Source.API)
    ]


def test_staff_cannot_save_an_initiative_the_model_refuses(callers):
    initiative = InitiativeFactory()
    response = callers["staff"].client.patch(
        f"{INITIATIVES}{initiative.slug}/", {"ends_at": "2000-01-01T00:00:00Z"}, format="json"
    )
    assert response.status_code == 400


def test_my_participations_and_notifications_are_only_mine(callers):
    member = callers["member"]
    ParticipationFactory(member=member.member)
    ParticipationFactory()
    mine = NotificationFactory(member=member.member)
    theirs = NotificationFactory()
    assert len(member.client.get("/api/v1/me/participations/").json()["results"]) == 1
    inbox = member.client.get("/api/v1/me/notifications/", {"unread": "true"}).json()["results"]
    assert [row["id"] for row in inbox] == [mine.pk]
    assert member.client.post(f"/api/v1/me/notifications/{theirs.pk}/read/").status_code == 404
    assert member.client.post(f"/api/v1/me/notifications/{mine.pk}/read/").json()["read_at"] is not None
    assert member.client.post("/api/v1/me/notifications/read-all/").json() == {"marked": 0}


def test_list_query_counts_stay_constant(callers, django_assert_num_queries):
    member = callers["member"]

    def grow():
        for _ in range(5):
            initiative = InitiativeFactory()
            EligibleSectorFactory(initiative=initiative)
            ParticipationFactory(member=member.member, initiative=initiative)
            NotificationFactory(member=member.member)

    grow()
    # Token, permissions (two), the caller's member, count, page, sectors of the page.
    assert_list_queries_constant(django_assert_num_queries, member.client, INITIATIVES, grow, queries=7)
    assert_list_queries_constant(django_assert_num_queries, member.client, "/api/v1/me/participations/", grow, 6)
    assert_list_queries_constant(django_assert_num_queries, member.client, "/api/v1/me/notifications/", grow, 6)
