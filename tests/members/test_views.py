import pytest
from django.urls import reverse

from members.models import Activity, Verb
from members.services import record_activity
from tests.campaigns.factories import CampaignFactory
from tests.ecosystem.factories import red_flag
from tests.initiatives.factories import InitiativeFactory
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_see_the_landing_page(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Request membership" in response.content


def test_member_edits_their_profile_and_the_change_is_recorded(client):
    member = MemberFactory(job_title="Analyst")
    client.force_login(member.user)
    response = client.post(
        reverse("members:profile"),
        {
            "user-first_name": "Rosa",
            "user-last_name": "Silva",
            "member-job_title": "Senior Analyst",
            "member-timezone": "America/Toronto",
            "member-consent_email": "",
        },
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.job_title, member.timezone, member.consent_email) == ("Senior Analyst", "America/Toronto", False)
    assert Activity.objects.filter(member=member, verb=Verb.PROFILE_UPDATED).count() == 1


def test_profile_rejects_an_unknown_timezone_and_changes_nothing(client):
    member = MemberFactory(job_title="Analyst")
    client.force_login(member.user)
    response = client.post(
        reverse("members:profile"),
        {"user-first_name": "R", "user-last_name": "S", "member-job_title": "X", "member-timezone": "Mars/Olympus"},
    )
    assert response.status_code == 200
    assert "is not a time zone we know" in response.content.decode()
    member.refresh_from_db()
    assert member.job_title == "Analyst"
    assert not Activity.objects.filter(member=member, verb=Verb.PROFILE_UPDATED).exists()


def test_my_activity_shows_only_my_own_events(client):
    me, other = MemberFactory(), MemberFactory()
    record_activity(member=me, verb=Verb.RESOURCE_VIEWED)
    record_activity(member=other, verb=Verb.UNSUBSCRIBED)
    client.force_login(me.user)
    content = client.get(reverse("members:activity")).content.decode()
    assert "Resource viewed" in content
    assert "Unsubscribed" not in content


@pytest.mark.parametrize("events", [2, 40])
def test_my_activity_query_count_is_constant(client, django_assert_num_queries, events):
    member = MemberFactory()
    for _ in range(events):
        record_activity(member=member, verb=Verb.LOGGED_IN)
    client.force_login(member.user)
    client.get("/")  # the first request of a session records it; measure a steady-state page view
    client.get(reverse("members:activity"))  # and the process's content-type cache, which lasts
    # the user with its member and permissions, the count, the page (the unread count is cached)
    with django_assert_num_queries(3):
        assert client.get(reverse("members:activity")).status_code == 200


def _events_about_each_kind(member, repeat: int) -> dict:
    initiative = InitiativeFactory.create(title="Cash couriers")
    flag = red_flag(indicator="Rent paid in cash for several flats")
    about_goal, plain = CampaignFactory.create(goal=initiative), CampaignFactory.create(goal=None)
    for _ in range(repeat):
        record_activity(member=member, verb=Verb.INITIATIVE_VIEWED, subject=initiative)
        record_activity(member=member, verb=Verb.RED_FLAG_RATED, subject=flag)
        record_activity(member=member, verb=Verb.MESSAGE_OPENED, subject=about_goal)
        record_activity(member=member, verb=Verb.MESSAGE_OPENED, subject=plain)
    return {"initiative": initiative, "flag": flag, "plain": plain}


def test_my_activity_says_what_each_event_was_about_with_links(client):
    member = MemberFactory()
    things = _events_about_each_kind(member, repeat=1)
    client.force_login(member.user)
    content = client.get(reverse("members:activity")).content.decode()
    assert f'<a href="{things["initiative"].get_absolute_url()}">Cash couriers</a>' in content
    flag_url = reverse("ecosystem:red_flag", args=[things["flag"].pk])
    assert f'<a href="{flag_url}">Rent paid in cash for several flats</a>' in content
    assert f'<a href="{reverse("initiatives:notifications")}">A message from The Knoble</a>' in content
    assert things["plain"].name not in content  # a campaign's name is for staff


@pytest.mark.parametrize("repeat", [1, 8])
def test_my_activity_loads_each_kind_of_subject_once(client, django_assert_num_queries, repeat):
    member = MemberFactory()
    _events_about_each_kind(member, repeat=repeat)
    client.force_login(member.user)
    client.get("/")
    client.get(reverse("members:activity"))  # the process's content-type cache, which lasts
    # The 3 of a plain page, and one query for each kind of subject on it: initiatives, red flags, campaigns.
    with django_assert_num_queries(6):
        assert client.get(reverse("members:activity")).status_code == 200


def test_me_api_returns_only_the_callers_profile(client):
    member = MemberFactory(job_title="Detective")
    client.force_login(member.user)
    body = client.get(reverse("api-me")).json()
    assert body["email"] == member.user.email
    assert body["job_title"] == "Detective"


def test_me_api_refuses_pending_members(client):
    member = MemberFactory(status="pending")
    client.force_login(member.user)
    assert client.get(reverse("api-me")).status_code == 403


def test_the_sign_up_page_asks_for_membership_and_explains_vetting(client):
    content = client.get(reverse("account_signup")).content.decode()
    assert "<h1>Request membership</h1>" in content
    assert "How vetting works" in content
    assert "Work e-mail address" in content
    assert "Its domain tells us your organisation" in content
    assert 'type="submit"' in content
    assert ">Request membership</button>" in content


def test_the_email_page_marks_remove_as_a_danger_action(client):
    member = MemberFactory()
    client.force_login(member.user)
    content = client.get(reverse("account_email")).content.decode()
    assert 'class="danger"' in content
    assert 'name="action_remove"' in content
    assert 'aria-label="Your account"' in content  # the account pages' own menu
    assert "<h1>E-mail addresses</h1>" in content


def test_the_profile_describes_each_persona_and_offers_time_zones_as_you_type(client):
    from tests.personas.factories import PersonaFactory

    PersonaFactory(name="The case builder", summary="Builds cases from financial intelligence.")
    member = MemberFactory()
    client.force_login(member.user)
    content = client.get(reverse("members:profile")).content.decode()
    assert "The case builder" in content
    assert "Builds cases from financial intelligence." in content
    assert 'type="radio"' in content
    assert 'list="time-zones"' in content
    assert '<option value="Europe/London">' in content
    assert "data-timezone-suggest" in content


def test_the_sign_in_page_speaks_to_members_and_points_others_to_membership(client):
    content = client.get(reverse("account_login")).content.decode()
    assert "<h1>Sign in</h1>" in content
    assert reverse("account_signup") in content
    assert "Request membership" in content
