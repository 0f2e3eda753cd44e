from datetime import timedelta

import pytest
from django.contrib.admin import helpers
from django.urls import reverse

from initiatives.models import CalendarFeed, InitiativeStatus, Participation, ParticipationStatus
from initiatives.services import calendar_feed_reset, initiative_join
from members.models import Notification, NotificationKind
from tests.ecosystem.factories import StageFactory, red_flag
from tests.initiatives.factories import EligibleSectorFactory, InitiativeFactory, ParticipationFactory
from tests.members.factories import MemberFactory, staff_user
from tests.roadmap.factories import make_roadmap, place

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, without_mfa_requirement):
    client.force_login(staff_user())
    return client


def change_form_data(initiative, *, participations=(), new_members=(), **changes) -> dict:
    """What the admin's change form posts: the initiative's fields and both inlines."""
    data = {
        "title": initiative.title,
        "slug": initiative.slug,
        "summary": initiative.summary,
        "description": initiative.description,
        "kind": initiative.kind,
        "status": initiative.status,
        "capacity": initiative.capacity or "",
        "has_waitlist": "on",
        "starts_at_0": f"{initiative.starts_at:%Y-%m-%d}",
        "starts_at_1": f"{initiative.starts_at:%H:%M:%S}",
        "ends_at_0": f"{initiative.ends_at:%Y-%m-%d}",
        "ends_at_1": f"{initiative.ends_at:%H:%M:%S}",
        "is_online": "on",
        "eligible_sectors-TOTAL_FORMS": "0",
        "eligible_sectors-INITIAL_FORMS": "0",
        "sessions-TOTAL_FORMS": "0",
        "sessions-INITIAL_FORMS": "0",
        "participations-TOTAL_FORMS": str(len(participations) + len(new_members)),
        "participations-INITIAL_FORMS": str(len(participations)),
        **changes,
    }
    for index, participation in enumerate(participations):
        data |= {
            f"participations-{index}-id": participation.pk,
            f"participations-{index}-initiative": initiative.pk,
            f"participations-{index}-member": participation.member_id,
            f"participations-{index}-role": participation.role,
        }
    for offset, (member, role) in enumerate(new_members):
        index = len(participations) + offset
        data |= {f"participations-{index}-member": member.pk, f"participations-{index}-role": role}
    return data


def test_moving_the_start_in_the_admin_notifies_those_taking_part(staff_client):
    initiative = InitiativeFactory()
    member = MemberFactory()
    initiative_join(member=member, initiative=initiative)
    later = initiative.starts_at + timedelta(days=7)
    data = change_form_data(initiative, participations=list(initiative.participations.all()))
    data |= {"starts_at_0": f"{later:%Y-%m-%d}", "ends_at_0": f"{later + timedelta(days=1):%Y-%m-%d}"}

    response = staff_client.post(reverse("admin:initiatives_initiative_change", args=[initiative.pk]), data)

    assert response.status_code == 302, response.context["errors"] if response.context else response
    notice = Notification.objects.get(member=member)
    assert notice.kind == NotificationKind.INITIATIVE_CHANGED
    assert initiative.history.latest().history_user.is_staff


def test_the_history_keeps_the_stages_an_initiative_worked_on(staff_client):
    initiative = InitiativeFactory()
    first, second = StageFactory(), StageFactory()
    url = reverse("admin:initiatives_initiative_change", args=[initiative.pk])
    for stages in ([first.pk], [second.pk]):
        response = staff_client.post(url, change_form_data(initiative, participations=[]) | {"stages": stages})
        assert response.status_code == 302, response.context["errors"] if response.context else response
    kept = [
        sorted(row.stage_id for row in record.stages.all())
        for record in initiative.history.order_by("history_date", "history_id")
    ]
    assert [first.pk] in kept
    assert kept[-1] == [second.pk]


def test_staff_add_members_and_change_roles_through_the_inline(staff_client):
    initiative = InitiativeFactory(capacity=1)
    holder = ParticipationFactory(initiative=initiative)
    newcomer = MemberFactory()
    data = change_form_data(initiative, participations=[holder], new_members=[(newcomer, "observer")])
    data["participations-0-role"] = "co_lead"

    response = staff_client.post(reverse("admin:initiatives_initiative_change", args=[initiative.pk]), data)

    assert response.status_code == 302
    holder.refresh_from_db()
    assert holder.role == "co_lead"
    added = Participation.objects.get(member=newcomer)
    assert (added.status, added.role) == (ParticipationStatus.WAITLISTED, "observer")  # the place was taken


def test_cancel_action_notifies_and_remove_action_promotes(staff_client):
    initiative = InitiativeFactory(capacity=1)
    holder, waiting = MemberFactory(), MemberFactory()
    initiative_join(member=holder, initiative=initiative)
    initiative_join(member=waiting, initiative=initiative)

    staff_client.post(
        reverse("admin:initiatives_participation_changelist"),
        {"action": "remove", helpers.ACTION_CHECKBOX_NAME: [Participation.objects.get(member=holder).pk]},
    )
    assert Participation.objects.get(member=waiting).status == ParticipationStatus.ACTIVE
    assert Notification.objects.filter(member=waiting, kind=NotificationKind.PROMOTED).exists()

    response = staff_client.post(
        reverse("admin:initiatives_initiative_changelist"),
        {"action": "cancel", helpers.ACTION_CHECKBOX_NAME: [initiative.pk]},
        follow=True,
    )
    assert "participants were notified" in response.content.decode()
    initiative.refresh_from_db()
    assert initiative.status == InitiativeStatus.CANCELLED
    assert Notification.objects.filter(member=waiting, kind=NotificationKind.INITIATIVE_CANCELLED).exists()
    assert not Notification.objects.filter(member=holder, kind=NotificationKind.INITIATIVE_CANCELLED).exists()


@pytest.mark.parametrize("count", [3, 15])
def test_initiative_changelist_query_count_is_constant(staff_client, django_assert_num_queries, count):
    for initiative in InitiativeFactory.create_batch(count):
        EligibleSectorFactory(initiative=initiative)
        ParticipationFactory.create_batch(2, initiative=initiative)
    staff_client.get("/")
    # counts and the participation link come with the rows; the filters' choices (now with the roadmap
    # horizons) are a fixed few queries
    with django_assert_num_queries(8):
        assert staff_client.get(reverse("admin:initiatives_initiative_changelist")).status_code == 200


def test_admin_pages_render(staff_client):
    participation = ParticipationFactory()
    for url in [
        reverse("admin:initiatives_initiative_add"),
        reverse("admin:initiatives_initiative_change", args=[participation.initiative_id]),
        reverse("admin:initiatives_participation_changelist"),
        reverse("admin:initiatives_participation_change", args=[participation.pk]),
        reverse("admin:members_notification_changelist"),
        reverse("admin:initiatives_calendarfeed_changelist"),
    ]:
        assert staff_client.get(url).status_code == 200, url


def test_the_admin_names_columns_and_form_fields_in_the_readers_language(staff_client):
    InitiativeFactory()
    changelist = staff_client.get(reverse("admin:initiatives_initiative_changelist"), HTTP_ACCEPT_LANGUAGE="es")
    assert "Empieza el" in changelist.content.decode()  # starts_at's column, no longer "Starts at"
    form = staff_client.get(reverse("admin:initiatives_initiative_add"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Ouverture des inscriptions le" in form
    assert "Signup opens at" not in form


def test_staff_link_an_initiative_to_a_roadmap_item_stages_and_red_flags(staff_client):
    item = place(make_roadmap(), 1, 3)
    stage = StageFactory(name="Laundering")
    flag = red_flag(stage=stage)
    initiative = InitiativeFactory()
    url = reverse("admin:initiatives_initiative_change", args=[initiative.pk])

    form = staff_client.get(url).content.decode()
    for field in ("roadmap_item", "stages", "red_flags"):
        assert f'name="{field}"' in form
    assert form.count("admin-autocomplete") >= 3

    data = change_form_data(initiative) | {"roadmap_item": item.pk, "stages": [stage.pk], "red_flags": [flag.pk]}
    response = staff_client.post(url, data)

    assert response.status_code == 302, response.context["errors"] if response.context else response
    initiative.refresh_from_db()
    assert initiative.roadmap_item == item
    assert list(initiative.stages.all()) == [stage]
    assert list(initiative.red_flags.all()) == [flag]


def test_autocomplete_finds_roadmap_items_stages_and_red_flags(staff_client):
    item = place(make_roadmap(), 1, 3)
    stage = StageFactory(name="Laundering")
    flag = red_flag(stage=stage, indicator="Structured cash deposits")
    for field, term, expected in [
        ("roadmap_item", item.opportunity.title, item.pk),
        ("stages", "Laundering", stage.pk),
        ("red_flags", "Structured", flag.pk),
    ]:
        response = staff_client.get(
            reverse("admin:autocomplete"),
            {"app_label": "initiatives", "model_name": "initiative", "field_name": field, "term": term},
        )
        assert response.status_code == 200, field
        assert [row["id"] for row in response.json()["results"]] == [str(expected)]


def test_the_lead_must_be_a_member_of_staff(staff_client):
    initiative = InitiativeFactory()
    url = reverse("admin:initiatives_initiative_change", args=[initiative.pk])
    member_user = MemberFactory().user
    response = staff_client.post(url, change_form_data(initiative) | {"lead": member_user.pk})
    assert response.status_code == 200
    assert "lead" in response.context["adminform"].form.errors
    initiative.refresh_from_db()
    assert initiative.lead is None


def test_staff_see_calendar_feeds_without_their_digest_and_revoke_them(staff_client):
    leaked, kept = MemberFactory(user__email="leaked@bank.example"), MemberFactory()
    secret = calendar_feed_reset(member=leaked)
    calendar_feed_reset(member=kept)
    feed = CalendarFeed.objects.get(member=leaked)

    listing = staff_client.get(reverse("admin:initiatives_calendarfeed_changelist")).text
    detail = staff_client.get(reverse("admin:initiatives_calendarfeed_change", args=[feed.pk])).text
    assert "leaked@bank.example" in listing or str(leaked) in listing
    for page in (listing, detail):
        assert feed.digest not in page
        assert secret not in page
    assert 'value="delete_selected"' not in listing
    assert staff_client.get(reverse("admin:initiatives_calendarfeed_add")).status_code == 403

    response = staff_client.post(
        reverse("admin:initiatives_calendarfeed_changelist"),
        {"action": "revoke", helpers.ACTION_CHECKBOX_NAME: [feed.pk]},
        follow=True,
    )
    assert "Revoked 1 calendar feed(s)" in response.text
    assert list(CalendarFeed.objects.values_list("member", flat=True)) == [kept.pk]
    assert staff_client.get(reverse("initiatives:calendar_feed", args=[secret])).status_code == 404


@pytest.mark.parametrize("count", [2, 12])
def test_calendar_feed_changelist_query_count_is_constant(staff_client, django_assert_num_queries, count):
    for _ in range(count):
        calendar_feed_reset(member=MemberFactory())
    staff_client.get("/")
    with django_assert_num_queries(4):
        assert staff_client.get(reverse("admin:initiatives_calendarfeed_changelist")).status_code == 200
