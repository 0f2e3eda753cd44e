import csv
import io
from datetime import UTC, timedelta
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ecosystem.models import RedFlag
from initiatives import selectors
from initiatives.models import CalendarFeed, InitiativeKind, InitiativeStatus, Participation, ParticipationStatus
from initiatives.services import attendance_record, calendar_feed_reset, calendar_feed_revoke, initiative_join
from members.models import Activity, Notification, Verb
from personas.models import Persona, Sector
from roadmap.models import Horizon
from roadmap.services import roadmap_publish
from sharing.models import Label
from tests.ecosystem.factories import StageFactory, red_flag
from tests.initiatives.factories import (
    EligibleSectorFactory,
    InitiativeFactory,
    InitiativeSessionFactory,
    NotificationFactory,
    ParticipationFactory,
)
from tests.members.factories import MemberFactory, leadership_user, staff_user
from tests.roadmap.factories import OpportunityFactory, make_roadmap, place

pytestmark = pytest.mark.django_db


@pytest.fixture
def member():
    return MemberFactory(user__first_name="Rosa", user__last_name="Silva", organisation__name="Northbridge Bank")


def detail_url(initiative) -> str:
    return reverse("initiatives:detail", args=[initiative.slug])


# The list


def test_list_filters_by_search_kind_sector_status_and_open_now(member_client):
    training = InitiativeFactory(title="Typology training", kind=InitiativeKind.TRAINING)
    pilot = InitiativeFactory(title="Case-sharing pilot", kind=InitiativeKind.DATA_SHARING_PILOT)
    EligibleSectorFactory(initiative=pilot, sector=Sector.LAW_ENFORCEMENT)
    closed = InitiativeFactory(title="Closed roundtable", status=InitiativeStatus.CLOSED)
    later = InitiativeFactory(title="Later summit", signup_opens_at=timezone.now() + timedelta(days=3))
    InitiativeFactory(title="Draft briefing", status=InitiativeStatus.DRAFT)

    def titles(**params) -> set[str]:
        page = member_client.get(reverse("initiatives:list"), params).context["page"]
        return {initiative.title for initiative in page}

    assert titles() == {training.title, pilot.title, closed.title, later.title}  # never drafts
    assert titles(q="typology") == {training.title}
    assert titles(kind=InitiativeKind.DATA_SHARING_PILOT) == {pilot.title}
    assert titles(sector=Sector.LAW_ENFORCEMENT) == {training.title, pilot.title, closed.title, later.title}
    assert titles(sector=Sector.NGO) == {training.title, closed.title, later.title}
    assert titles(status=InitiativeStatus.CLOSED) == {closed.title}
    assert titles(open_now="on") == {training.title, pilot.title}
    assert titles(kind="nonsense")  # a bad value is reported on the form, not a server error


def test_list_is_paginated_and_keeps_the_filters(member_client):
    InitiativeFactory.create_batch(23, kind=InitiativeKind.TRAINING)
    response = member_client.get(reverse("initiatives:list"), {"kind": "training", "page": 2})
    assert len(response.context["page"].object_list) == 3
    assert "kind=training&amp;page=1" in response.content.decode()


def test_pending_members_and_visitors_cannot_see_initiatives(client):
    InitiativeFactory()
    assert client.get(reverse("initiatives:list")).status_code == 302
    client.force_login(MemberFactory(status="pending").user)
    response = client.get(reverse("initiatives:list"))
    assert response.url == reverse("members:awaiting_approval")


@pytest.mark.parametrize("count", [3, 30])
def test_list_query_count_is_constant(member_client, member, django_assert_num_queries, count):
    for initiative in InitiativeFactory.create_batch(count):
        EligibleSectorFactory(initiative=initiative)
        ParticipationFactory.create_batch(2, initiative=initiative)
    ParticipationFactory(member=member, initiative=initiative)
    member_client.get(reverse("initiatives:list"))
    # the user with its member and permissions (the session and the unread count are cached), count, horizon
    # choices, page, eligible sectors (docs/PERFORMANCE.md, "Queries per page")
    with django_assert_num_queries(5):
        assert member_client.get(reverse("initiatives:list")).status_code == 200


def test_list_counts_places_per_initiative_and_counts_pages_without_reading_participations(member_client, member):
    busy = InitiativeFactory(title="Busy", capacity=2)
    ParticipationFactory.create_batch(2, initiative=busy)
    ParticipationFactory(initiative=busy, status=ParticipationStatus.WAITLISTED)
    InitiativeFactory(title="Quiet")
    page = member_client.get(reverse("initiatives:list")).context["page"]
    counts = {initiative.title: (initiative.active_count, initiative.waitlist_count) for initiative in page}
    assert counts == {"Busy": (2, 1), "Quiet": (0, 0)}
    # The paginator's count is on every list page: it must not join the participations.
    with CaptureQueriesContext(connection) as queries:
        assert selectors.initiatives_with_counts(member).count() == 2
    [count] = queries.captured_queries
    assert "initiatives_participation" not in count["sql"]


# The detail page and who sees whom


def test_detail_records_the_view_and_shows_counts_to_outsiders_and_names_to_participants(member_client, member):
    initiative = InitiativeFactory(capacity=5, description="**Monthly** sessions <script>alert(1)</script>")
    ParticipationFactory(initiative=initiative, member__user__first_name="Hiro", member__organisation__name="Metro PD")

    content = member_client.get(detail_url(initiative)).content.decode()
    assert "1 of 5 places taken" in content
    assert "Hiro" not in content
    assert "Metro PD" not in content
    assert "<strong>Monthly</strong>" in content
    assert "<script>alert" not in content
    assert Activity.objects.filter(member=member, verb=Verb.INITIATIVE_VIEWED).count() == 1

    initiative_join(member=member, initiative=initiative)
    content = member_client.get(detail_url(initiative)).content.decode()
    assert "Hiro" in content
    assert "Metro PD" in content


def test_waitlisted_members_see_their_position_but_not_names(member_client, member):
    initiative = InitiativeFactory(capacity=1)
    ParticipationFactory(initiative=initiative, member__user__first_name="Hiro")
    initiative_join(member=member, initiative=initiative)
    content = member_client.get(detail_url(initiative)).content.decode()
    assert "You are number 1 on the waitlist" in content
    assert "Hiro" not in content


def test_unknown_and_draft_initiatives_are_not_found(member_client):
    assert member_client.get("/initiatives/no-such-thing/").status_code == 404
    draft = InitiativeFactory(status=InitiativeStatus.DRAFT)
    assert member_client.get(detail_url(draft)).status_code == 404
    assert member_client.post(reverse("initiatives:join", args=[draft.slug])).status_code == 404
    assert member_client.post(reverse("initiatives:join", args=["no-such-thing"])).status_code == 404
    assert not Participation.objects.exists()


@pytest.mark.parametrize("participants", [2, 25])
def test_detail_query_count_is_constant(member_client, member, django_assert_num_queries, participants):
    initiative = InitiativeFactory()
    EligibleSectorFactory(initiative=initiative)
    ParticipationFactory.create_batch(participants, initiative=initiative)
    ParticipationFactory(initiative=initiative, member=member)
    member_client.get(detail_url(initiative))
    # the user with its member and permissions, the initiative with its counts and sectors, the "viewed" activity,
    # its stages and red flags (one UNION), my participation with the co-participants
    with django_assert_num_queries(5):
        assert member_client.get(detail_url(initiative)).status_code == 200


# Join and leave, with and without JavaScript


def test_join_without_javascript_redirects_with_a_message(member_client, member):
    initiative = InitiativeFactory()
    response = member_client.post(reverse("initiatives:join", args=[initiative.slug]), follow=True)
    assert response.redirect_chain[-1][0] == detail_url(initiative)
    assert "You are taking part" in response.content.decode()
    assert Participation.objects.get(member=member).status == ParticipationStatus.ACTIVE


def test_join_with_htmx_returns_only_the_panel(member_client, member):
    initiative = InitiativeFactory(capacity=1)
    ParticipationFactory(initiative=initiative)
    response = member_client.post(reverse("initiatives:join", args=[initiative.slug]), HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert response.status_code == 200
    assert content.startswith('<section class="card in-panel" id="participation"')
    assert "<html" not in content
    assert "you are number 1 on the waitlist" in content
    assert "Leave the waitlist" in content


def test_repeated_join_and_leave_posts_are_harmless(member_client, member):
    initiative = InitiativeFactory()
    join_url = reverse("initiatives:join", args=[initiative.slug])
    leave_url = reverse("initiatives:leave", args=[initiative.slug])
    member_client.post(join_url)
    member_client.post(join_url)
    assert Participation.objects.filter(member=member).count() == 1
    member_client.post(leave_url)
    response = member_client.post(leave_url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert Participation.objects.get(member=member).status == ParticipationStatus.LEFT
    assert list(Activity.objects.filter(verb__startswith="initiative_").values_list("verb", flat=True)) == [
        Verb.INITIATIVE_LEFT,
        Verb.INITIATIVE_JOINED,
    ]


def test_bad_joins_explain_and_change_nothing(member_client, member):
    closed = InitiativeFactory(status=InitiativeStatus.CLOSED)
    for_police = InitiativeFactory()
    EligibleSectorFactory(initiative=for_police, sector=Sector.LAW_ENFORCEMENT)
    full = InitiativeFactory(capacity=1, has_waitlist=False)
    ParticipationFactory(initiative=full)

    for initiative, message in [
        (closed, "is closed: sign-up is not open"),
        (for_police, "open only to members from: Law enforcement"),
        (full, "is full"),
    ]:
        response = member_client.post(reverse("initiatives:join", args=[initiative.slug]), follow=True)
        assert message in response.content.decode()
        response = member_client.post(reverse("initiatives:join", args=[initiative.slug]), HTTP_HX_REQUEST="true")
        assert 'role="alert"' in response.content.decode()
    assert not Participation.objects.filter(member=member).exists()


def test_join_needs_a_csrf_token_and_a_post(member):
    initiative = InitiativeFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(member.user)
    assert client.post(reverse("initiatives:join", args=[initiative.slug])).status_code == 403
    assert client.get(reverse("initiatives:join", args=[initiative.slug])).status_code == 405
    assert not Participation.objects.exists()


def test_staff_without_a_member_profile_can_browse_but_not_join(client, without_mfa_requirement):
    client.force_login(staff_user())
    initiative = InitiativeFactory()
    assert client.get(detail_url(initiative)).status_code == 200
    assert client.get("/").status_code == 200
    assert client.post(reverse("initiatives:join", args=[initiative.slug])).status_code == 404


# Home ("for you")


def test_home_shows_my_initiatives_recommendations_notifications_and_the_checklist(member_client, member):
    persona = Persona.objects.create(name="AML investigator", sector=Sector.FINANCIAL_INSTITUTION)
    member.persona = persona
    member.save()
    mine = InitiativeFactory(title="Red-flag working group", starts_at=timezone.now() + timedelta(days=3))
    initiative_join(member=member, initiative=mine)
    for_persona = InitiativeFactory(title="SAR narrative clinic")
    for_persona.target_personas.add(persona)
    for_banks = InitiativeFactory(title="Funnel account sprint")
    EligibleSectorFactory(initiative=for_banks, sector=Sector.FINANCIAL_INSTITUTION)
    for_police = InitiativeFactory(title="Detectives only")
    EligibleSectorFactory(initiative=for_police, sector=Sector.LAW_ENFORCEMENT)
    NotificationFactory(member=member, title="A place opened up")

    response = member_client.get("/")
    content = response.content.decode()
    assert "Red-flag working group" in content
    assert "Next: starts" in content
    recommended = [(r.initiative.title, r.reason) for r in response.context["recommendations"]]
    assert recommended == [
        ("SAR narrative clinic", "Aimed at your persona, AML investigator."),
        ("Funnel account sprint", "Meant for members in financial institution, like you."),
    ]
    assert "Why: Aimed at your persona" in content
    assert "A place opened up" in content
    # Profile complete, persona chosen, first initiative joined: the checklist is done, so it is gone.
    assert "Get started" not in content


def test_home_checklist_shows_what_is_left(client):
    member = MemberFactory(job_title="")
    client.force_login(member.user)
    checklist = client.get("/").context["checklist"]
    assert [step.done for step in checklist] == [False, False, False]


def test_visitors_still_get_the_landing_page(client):
    assert b"Request membership" in client.get("/").content


def test_the_landing_page_shows_the_published_roadmaps_themes_and_nothing_unpublished(client):
    from roadmap.services import roadmap_publish
    from tests.roadmap.factories import make_roadmap, place

    content = client.get("/").content.decode()
    assert "Who may join" in content
    assert "How vetting works" in content
    assert "What we are working on" not in content  # nothing published yet
    roadmap = make_roadmap()
    horizon = roadmap.horizons.order_by("start_month").first()
    horizon.theme = "Shared typologies for card payments"
    horizon.save()
    item = place(roadmap, 1, 2)
    roadmap_publish(roadmap=roadmap, by=None)
    horizon.theme = "A draft theme nobody published"
    horizon.save()
    content = client.get("/").content.decode()
    assert "What we are working on" in content
    assert "Shared typologies for card payments" in content
    assert "A draft theme nobody published" not in content
    assert item.opportunity.title not in content  # the items stay for members


@pytest.mark.parametrize("size", [2, 12])
def test_home_query_count_is_constant(member_client, member, django_assert_num_queries, size):
    # With a persona that the recommendations are aimed at: the reason names it without loading it.
    member.persona = Persona.objects.create(name="AML investigator", sector=Sector.FINANCIAL_INSTITUTION)
    member.save()
    for initiative in InitiativeFactory.create_batch(size):
        EligibleSectorFactory(initiative=initiative)
        ParticipationFactory(member=member, initiative=initiative)
    full = InitiativeFactory(capacity=1)
    ParticipationFactory(initiative=full)
    initiative_join(member=member, initiative=full)
    for initiative in InitiativeFactory.create_batch(size):
        initiative.target_personas.add(member.persona)
    NotificationFactory.create_batch(size, member=member)
    member_client.get("/")
    # the user with its member and permissions, my participations, recommendations, notifications, calendar feed
    with django_assert_num_queries(5):
        response = member_client.get("/")
    assert response.status_code == 200
    assert "Aimed at your persona, AML investigator." in response.content.decode()


# Notifications


def test_inbox_shows_my_notifications_the_nav_counts_them_and_they_are_marked_read(member_client, member):
    first = NotificationFactory(member=member, title="A place opened up", url="/initiatives/")
    NotificationFactory(member=member, title="The summit moved")
    NotificationFactory(title="Somebody else's news")

    content = member_client.get(reverse("initiatives:notifications")).content.decode()
    assert "A place opened up" in content
    assert "Somebody else" not in content
    assert '<span class="badge">2<span class="visually-hidden"> unread</span>' in content

    response = member_client.post(reverse("initiatives:notification_read", args=[first.pk]), {"open": "1"})
    assert response.url == "/initiatives/"
    response = member_client.post(reverse("initiatives:notifications_read_all"), follow=True)
    assert "Marked 1 notification(s) as read." in response.content.decode()
    assert not Notification.objects.filter(member=member, read_at__isnull=True).exists()


def test_nobody_marks_another_members_notification(member_client):
    theirs = NotificationFactory()
    assert member_client.post(reverse("initiatives:notification_read", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_read_with_htmx_returns_the_row(member_client, member):
    notification = NotificationFactory(member=member)
    response = member_client.post(
        reverse("initiatives:notification_read", args=[notification.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.content.decode().startswith(f'<li class="card in-notification" id="notification-{notification.pk}"')


# Calendar files


def test_initiative_calendar_is_rfc5545(member_client):
    initiative = InitiativeFactory(
        title="Typology training; part 1, the IMB model",
        summary="A long summary " * 10,
        is_online=False,
        location="Toronto",
    )
    response = member_client.get(reverse("initiatives:calendar", args=[initiative.slug]))
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.content.decode()
    lines = body.split("\r\n")
    assert lines[0] == "BEGIN:VCALENDAR"
    assert lines[-2:] == ["END:VCALENDAR", ""]
    assert "\n" not in body.replace("\r\n", "")
    assert all(len(line.encode()) <= 75 for line in lines)
    assert "SUMMARY:Typology training\\; part 1\\, the IMB model" in lines
    assert f"DTSTART:{initiative.starts_at.astimezone(UTC):%Y%m%dT%H%M%SZ}" in lines
    assert "LOCATION:Toronto" in lines


def test_my_calendar_holds_only_my_dated_initiatives(member_client, member):
    mine = InitiativeFactory(title="Mine")
    undated = InitiativeFactory(title="Undated", starts_at=None)
    InitiativeFactory(title="Not mine")
    for initiative in (mine, undated):
        initiative_join(member=member, initiative=initiative)
    body = member_client.get(reverse("initiatives:my_calendar")).content.decode()
    assert body.count("BEGIN:VEVENT") == 1
    assert "SUMMARY:Mine" in body
    assert member_client.get(reverse("initiatives:calendar", args=[undated.slug])).status_code == 404


# The calendar feed: no login, the secret in the address is the credential


def feed_url(secret: str) -> str:
    return reverse("initiatives:calendar_feed", args=[secret])


def without_stamps(body: str) -> list[str]:
    return [line for line in body.split("\r\n") if not line.startswith("DTSTAMP:")]


def test_the_feed_is_my_calendar_without_signing_in(member_client, member):
    mine = InitiativeFactory(title="Mine")
    for initiative in (mine, InitiativeFactory(title="Undated", starts_at=None)):
        initiative_join(member=member, initiative=initiative)
    InitiativeFactory(title="Not mine")
    secret = calendar_feed_reset(member=member)

    response = Client().get(feed_url(secret))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "Content-Disposition" not in response  # calendar apps subscribe; they do not download
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    assert body.count("BEGIN:VEVENT") == 1
    assert "SUMMARY:Mine" in body
    assert without_stamps(body) == without_stamps(member_client.get(reverse("initiatives:my_calendar")).text)
    assert CalendarFeed.objects.get(member=member).last_fetched_at is not None


def test_a_new_feed_address_stops_the_old_one_at_once(member):
    old = calendar_feed_reset(member=member)
    new = calendar_feed_reset(member=member)
    assert Client().get(feed_url(old)).status_code == 404
    assert Client().get(feed_url(new)).status_code == 200


def test_a_stopped_feed_and_an_unknown_secret_are_not_found(member):
    secret = calendar_feed_reset(member=member)
    calendar_feed_revoke(member=member)
    assert Client().get(feed_url(secret)).status_code == 404
    assert Client().get(feed_url("knbcal_guess")).status_code == 404


def test_an_initiative_slugged_feed_keeps_its_own_pages(member_client):
    initiative = InitiativeFactory(slug="feed", title="Feed the red-flag library")
    assert member_client.get(detail_url(initiative)).status_code == 200
    calendar = reverse("initiatives:calendar", args=[initiative.slug])
    assert calendar == feed_url("calendar")  # the address a secret "calendar" would have, were there one
    assert "SUMMARY:Feed the red-flag library" in member_client.get(calendar).text


def suspend(member) -> None:
    member.status = member.Status.SUSPENDED
    member.save()


def leave_the_network(member) -> None:
    member.status = member.Status.LEFT
    member.save()


def deactivate(member) -> None:
    member.user.is_active = False
    member.user.save()


def lose_portal_access(member) -> None:
    member.user.groups.clear()


@pytest.mark.parametrize("lose_access", [suspend, leave_the_network, deactivate, lose_portal_access])
def test_a_member_who_lost_access_has_no_feed(member, lose_access):
    initiative_join(member=member, initiative=InitiativeFactory())
    secret = calendar_feed_reset(member=member)
    lose_access(member)
    response = Client().get(feed_url(secret))
    assert response.status_code == 404
    assert "BEGIN:VCALENDAR" not in response.text


@pytest.mark.parametrize("size", [2, 12])
def test_feed_query_count_is_constant(member, django_assert_num_queries, size):
    for initiative in InitiativeFactory.create_batch(size):
        initiative_join(member=member, initiative=initiative)
    secret = calendar_feed_reset(member=member)
    anonymous = Client()
    # feed with its member, permissions (2), the fetch time, the initiatives
    with django_assert_num_queries(5):
        assert anonymous.get(feed_url(secret)).content.decode().count("BEGIN:VEVENT") == size
    # fetched a moment ago: the fetch time is not written again
    with django_assert_num_queries(4):
        assert anonymous.get(feed_url(secret)).status_code == 200


def test_subscribe_shows_the_address_once_and_stop_ends_the_feed(member_client, member, settings):
    settings.SITE_URL = "https://portal.example"
    initiative_join(member=member, initiative=InitiativeFactory(title="Mine"))
    home = member_client.get("/").text
    assert "Get my calendar feed address" in home
    assert "Stop the feed" not in home

    created = member_client.post(reverse("initiatives:calendar_feed_subscribe"), follow=True)

    assert created.redirect_chain == [("/", 302)]
    assert "no-store" in created["Cache-Control"]
    address = created.context["new_feed_url"]
    assert address.startswith("https://portal.example/initiatives/feed/knbcal_")
    assert address.endswith(".ics")
    assert f'<input id="calendar-feed-url" type="text" value="{address}" readonly' in created.text
    assert '<label for="calendar-feed-url">' in created.text
    assert "Anyone who has this address can see the initiatives you take part in" in created.text
    assert "Your calendar feed is ready" in created.text
    assert "SUMMARY:Mine" in Client().get(urlsplit(address).path).text

    reloaded = member_client.get("/")
    assert address not in reloaded.text
    assert reloaded.context["new_feed_url"] is None
    assert "a calendar app last read it on" in reloaded.text  # the fetch above
    assert "Stop the feed" in reloaded.text
    assert CalendarFeed.objects.filter(member=member).count() == 1

    stopped = member_client.post(reverse("initiatives:calendar_feed_stop"), follow=True)
    assert stopped.redirect_chain == [("/#calendar-feed", 302)]
    assert "Your calendar feed is stopped" in stopped.text
    assert "Get my calendar feed address" in stopped.text
    assert Client().get(urlsplit(address).path).status_code == 404


def test_a_second_subscribe_replaces_the_address(member_client, member):
    first = member_client.post(reverse("initiatives:calendar_feed_subscribe"), follow=True).context["new_feed_url"]
    second = member_client.post(reverse("initiatives:calendar_feed_subscribe"), follow=True)
    assert "the old address no longer works" in second.text
    assert second.context["new_feed_url"] != first
    assert CalendarFeed.objects.filter(member=member).count() == 1
    assert Client().get(urlsplit(first).path).status_code == 404
    assert Client().get(urlsplit(second.context["new_feed_url"]).path).status_code == 200


def test_stopping_without_a_feed_says_so_and_the_actions_take_only_posts(member_client):
    assert (
        "You had no calendar feed to stop."
        in member_client.post(reverse("initiatives:calendar_feed_stop"), follow=True).text
    )
    assert member_client.get(reverse("initiatives:calendar_feed_subscribe")).status_code == 405
    assert member_client.get(reverse("initiatives:calendar_feed_stop")).status_code == 405
    assert not CalendarFeed.objects.exists()


def test_a_suspended_member_who_kept_portal_access_is_refused_a_feed(member_client, member):
    suspend(member)
    response = member_client.post(reverse("initiatives:calendar_feed_subscribe"), follow=True)
    assert response.status_code == 403
    assert "suspended" in response.text
    assert not CalendarFeed.objects.exists()


def test_the_feed_actions_need_a_signed_in_member_and_a_csrf_token(member):
    assert Client().post(reverse("initiatives:calendar_feed_subscribe")).status_code == 302  # to the login page
    guarded = Client(enforce_csrf_checks=True)
    guarded.force_login(member.user)
    assert guarded.post(reverse("initiatives:calendar_feed_subscribe")).status_code == 403
    assert not CalendarFeed.objects.exists()


# Staff roster


def test_staff_see_participants_waitlist_and_sector_mix_and_export_csv(client, without_mfa_requirement):
    initiative = InitiativeFactory(capacity=2)
    for sector in (Sector.FINANCIAL_INSTITUTION, Sector.NGO, Sector.NGO):
        initiative_join(member=MemberFactory(organisation__sector=sector), initiative=initiative)
    initiative_join(member=MemberFactory(user__first_name="=HYPERLINK"), initiative=initiative)
    client.force_login(staff_user())

    response = client.get(reverse("initiatives:participants", args=[initiative.slug]))
    assert [len(response.context["active"]), len(response.context["waitlist"])] == [2, 2]
    assert response.context["sector_mix"] == [("Financial institution", 1), ("NGO", 1)]
    assert [row.position for row in response.context["waitlist"]] == [1, 2]

    export = client.get(reverse("initiatives:participants_csv", args=[initiative.slug]))
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert rows[0][:3] == ["name", "email", "organisation"]
    assert len(rows) == 5
    assert [row[6] for row in rows[1:]] == ["", "", "1", "2"]
    assert rows[4][0].startswith("'=HYPERLINK")


def test_members_cannot_see_the_roster(member_client):
    initiative = InitiativeFactory()
    assert member_client.get(reverse("initiatives:participants", args=[initiative.slug])).status_code == 403
    assert member_client.get(reverse("initiatives:participants_csv", args=[initiative.slug])).status_code == 403


def test_leadership_without_a_member_profile_sees_the_home_page(client, without_mfa_requirement):
    client.force_login(leadership_user())
    response = client.get("/")
    assert response.status_code == 200
    assert "Browse the initiatives" in response.content.decode()


def test_choosing_a_persona_on_the_profile_ticks_the_checklist(member_client, member):
    persona = Persona.objects.create(name="Financial-crimes detective", sector=Sector.LAW_ENFORCEMENT)
    Persona.objects.create(name="Retired persona", sector=Sector.OTHER, is_active=False)
    profile = member_client.get(reverse("members:profile")).content.decode()
    assert "Financial-crimes detective" in profile
    assert "Retired persona" not in profile
    member_client.post(
        reverse("members:profile"),
        {
            "user-first_name": "Rosa",
            "user-last_name": "Silva",
            "member-job_title": "Detective",
            "member-persona": persona.pk,
            "member-timezone": "UTC",
        },
    )
    checklist = member_client.get("/").context["checklist"]
    assert [step.done for step in checklist] == [True, True, False]


@pytest.mark.parametrize("count", [2, 30])
def test_inbox_query_count_is_constant(member_client, member, django_assert_num_queries, count):
    NotificationFactory.create_batch(count, member=member)
    member_client.get(reverse("initiatives:notifications"))
    # the user with its member and permissions, page count, page (the unread count is cached)
    with django_assert_num_queries(3):
        assert member_client.get(reverse("initiatives:notifications")).status_code == 200


@pytest.mark.parametrize("count", [2, 20])
def test_roster_query_count_is_constant(client, without_mfa_requirement, django_assert_num_queries, count):
    initiative = InitiativeFactory(capacity=count)
    for member in MemberFactory.create_batch(count + 3):
        initiative_join(member=member, initiative=initiative)
    staff = staff_user()
    for days_ago in range(count):
        starts_at = timezone.now() - timedelta(days=days_ago + 1)
        session = InitiativeSessionFactory(initiative=initiative, starts_at=starts_at)
        for participation in initiative.participations.filter(status=ParticipationStatus.ACTIVE)[: days_ago + 1]:
            attendance_record(session=session, member=participation.member, by=staff)
    InitiativeSessionFactory(initiative=initiative, starts_at=timezone.now() + timedelta(days=7))
    client.force_login(staff)
    client.get("/")
    # the user with its permissions, initiative with its sectors, roster, sector mix, past sessions, their
    # attendance, upcoming sessions
    with django_assert_num_queries(7):
        assert client.get(reverse("initiatives:participants", args=[initiative.slug])).status_code == 200


# Links to the roadmap and the ecosystem map


def published_item(title="Red-flag library", start=1, end=3):
    """An item of a roadmap that has been published, so its horizons are offered to members."""

    roadmap = make_roadmap()
    item = place(roadmap, start, end, opportunity=OpportunityFactory(title=title))
    roadmap_publish(roadmap=roadmap, by=None)
    return item


def test_detail_shows_the_roadmap_item_its_horizon_and_the_map_it_works_on(member_client):
    item = published_item(title="Red-flag library for massage businesses")
    stage = StageFactory(name="Laundering", category__slug="imb", category__name="Illicit massage")
    published = red_flag(stage=stage, indicator="Structured cash deposits")
    draft = red_flag(stage=stage, indicator="A draft indicator", publish=False)
    initiative = InitiativeFactory(roadmap_item=item)
    initiative.stages.add(stage)
    initiative.red_flags.add(published, draft)

    content = member_client.get(detail_url(initiative)).content.decode()
    assert "Red-flag library for massage businesses" in content
    assert f"{item.horizon.name} horizon (months 1–6" in content
    assert f"{reverse('roadmap:published')}#item-{item.opportunity_id}" in content
    assert f"{reverse('ecosystem:map', args=['imb'])}?stage={stage.pk}#red-flags" in content
    assert reverse("ecosystem:red_flag", args=[published.pk]) in content
    assert "A draft indicator" not in content  # members never see an unpublished red flag


def test_members_do_not_see_an_item_of_a_roadmap_that_was_never_published(member_client):
    item = place(make_roadmap(title="Draft roadmap"), 1, 3, opportunity=OpportunityFactory(title="Secret plan"))
    content = member_client.get(detail_url(InitiativeFactory(roadmap_item=item))).content.decode()
    assert "Secret plan" not in content
    assert "Launched from" not in content


def test_detail_without_links_shows_no_empty_sections(member_client):
    content = member_client.get(detail_url(InitiativeFactory())).content.decode()
    assert "Launched from" not in content
    assert "On the ecosystem map" not in content


def test_list_filters_by_the_horizon_of_the_roadmap_item(member_client):
    now_item = published_item(start=1, end=3)
    later_item = place(now_item.roadmap, 14, 15)
    launched_now = InitiativeFactory(title="Launched now", roadmap_item=now_item)
    InitiativeFactory(title="Launched later", roadmap_item=later_item)
    InitiativeFactory(title="Not from the roadmap")
    make_roadmap(title="A draft roadmap")  # its horizons are not offered

    response = member_client.get(reverse("initiatives:list"), {"horizon": now_item.horizon_id})
    assert [initiative.title for initiative in response.context["page"]] == [launched_now.title]
    offered = set(response.context["filter"].form.fields["horizon"].queryset)
    assert offered == set(Horizon.objects.filter(roadmap=now_item.roadmap))
    assert "A draft roadmap" not in response.content.decode()
    assert f"{now_item.horizon.name}, months 1–6 (Knoble roadmap 2027)" in response.content.decode()


@pytest.mark.parametrize("count", [2, 25])
def test_list_filtered_by_horizon_query_count_is_constant(member_client, django_assert_num_queries, count):
    item = published_item()
    for initiative in InitiativeFactory.create_batch(count, roadmap_item=item):
        EligibleSectorFactory(initiative=initiative)
    url = reverse("initiatives:list")
    member_client.get(url)
    # as the unfiltered list (5), plus checking that the chosen horizon exists
    with django_assert_num_queries(6):
        response = member_client.get(url, {"horizon": item.horizon_id})
    assert response.context["page"].paginator.count == count


@pytest.mark.parametrize("links", [1, 12])
def test_detail_query_count_stays_constant_as_links_grow(member_client, django_assert_num_queries, links):
    initiative = InitiativeFactory(roadmap_item=published_item())
    for _ in range(links):
        stage = StageFactory()
        initiative.stages.add(stage)
        initiative.red_flags.add(red_flag(stage=stage))
    member_client.get(detail_url(initiative))
    with django_assert_num_queries(5):  # as above: the stages and red flags are one query however many
        content = member_client.get(detail_url(initiative)).content.decode()
    assert content.count("/ecosystem/red-flags/") == links


def test_detail_lists_only_the_red_flags_the_viewer_may_see(member_client):
    stage = StageFactory()
    green = red_flag(stage=stage, indicator="A green indicator")
    amber = red_flag(stage=stage, indicator="An amber indicator")
    RedFlag.objects.filter(pk=amber.pk).update(label=Label.AMBER)
    initiative = InitiativeFactory()
    initiative.red_flags.add(green, amber)
    content = member_client.get(detail_url(initiative)).content.decode()
    assert "A green indicator" in content
    assert "An amber indicator" not in content


# Sessions and attendance on the participants page


def test_staff_record_attendance_with_one_click_per_member(client, without_mfa_requirement):
    initiative = InitiativeFactory()
    member = MemberFactory()
    initiative_join(member=member, initiative=initiative)
    session = InitiativeSessionFactory(initiative=initiative, title="Kick-off call")
    client.force_login(staff_user())
    page = client.get(reverse("initiatives:participants", args=[initiative.slug]))
    assert "Kick-off call" in page.content.decode()
    url = reverse("initiatives:attendance", args=[initiative.slug, session.pk])
    response = client.post(url, {"member": member.pk})
    assert response.status_code == 302
    client.post(url, {"member": member.pk})  # a second click records nothing more
    attended = Activity.objects.get(member=member, verb=Verb.SESSION_ATTENDED)
    assert (attended.origin, attended.subject, attended.occurred_at) == ("member", initiative, session.starts_at)
    assert "Attended</span>" in client.get(reverse("initiatives:participants", args=[initiative.slug])).content.decode()


def test_attendance_cannot_be_recorded_by_a_member(client, without_mfa_requirement):
    initiative = InitiativeFactory()
    member = MemberFactory()
    initiative_join(member=member, initiative=initiative)
    session = InitiativeSessionFactory(initiative=initiative)
    client.force_login(member.user)
    response = client.post(reverse("initiatives:attendance", args=[initiative.slug, session.pk]), {"member": member.pk})
    assert response.status_code == 403
    assert not Activity.objects.filter(verb=Verb.SESSION_ATTENDED).exists()


def test_recommendations_prefer_initiatives_with_places_and_cards_say_full(member_client, member):
    persona = Persona.objects.create(name="AML investigator", sector=Sector.FINANCIAL_INSTITUTION)
    member.persona = persona
    member.save()
    full = InitiativeFactory(title="Full clinic for my persona", capacity=1, has_waitlist=True)
    full.target_personas.add(persona)
    ParticipationFactory(initiative=full)
    roomy = InitiativeFactory(title="Open to all, places left", capacity=10)
    response = member_client.get("/")
    recommended = [r.initiative.title for r in response.context["recommendations"]]
    assert recommended.index("Open to all, places left") < recommended.index("Full clinic for my persona")
    assert "Full — waitlist" in response.content.decode()
    listing = member_client.get(reverse("initiatives:list")).content.decode()
    assert listing.count("Full — waitlist") == 1
    assert roomy.title in listing
