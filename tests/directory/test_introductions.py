"""Brokered introductions: contact details never before acceptance, in any channel; expiry; rate limits; abuse
reports; activity."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from directory import services
from directory.housekeeping import introductions_expire
from directory.models import Introduction, IntroductionReport, IntroductionStatus
from engagement.models import VerbScore
from engagement.scoring import engagement_settings
from members.models import Verb
from tests.directory.factories import ProfileFactory
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair():
    liaison = ProfileFactory(member=MemberFactory(user__first_name="Lena", user__last_name="Liaison")).member
    detective = ProfileFactory(member=MemberFactory(user__first_name="Dee", user__last_name="Detective")).member
    return detective, liaison


def _everything_seen_by(client, member) -> str:
    client.force_login(member.user)
    return "".join(
        client.get(url).content.decode()
        for url in [
            reverse("directory:directory"),
            reverse("directory:csv"),
            reverse("directory:introductions"),
            "/api/v1/directory/",
            "/api/v1/me/introductions/",
        ]
    )


def test_contact_details_are_exchanged_only_on_acceptance_in_every_channel(
    client, pair, mailoutbox, django_capture_on_commit_callbacks
):
    detective, liaison = pair
    with django_capture_on_commit_callbacks(execute=True):
        intro = services.introduction_request(
            requester=detective, recipient=liaison, reason="A case of funnel accounts"
        )
    (asked,) = mailoutbox
    assert asked.to == [liaison.user.email]
    assert "A case of funnel accounts" in asked.body
    assert detective.user.email not in asked.body
    assert detective.directory_profile.phone not in asked.body
    for viewer, other in [(detective, liaison), (liaison, detective)]:
        seen = _everything_seen_by(client, viewer)
        assert other.user.email not in seen
        assert other.directory_profile.phone not in seen
    assert "A case of funnel accounts" in _everything_seen_by(client, liaison)

    client.force_login(liaison.user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("directory:introduction_answer", args=[intro.pk]), {"answer": "accept"})
    intro.refresh_from_db()
    assert intro.status == IntroductionStatus.ACCEPTED
    accepted = mailoutbox[-1]
    assert accepted.to == [detective.user.email]
    assert liaison.user.email in accepted.body
    assert liaison.directory_profile.phone in accepted.body
    for viewer, other in [(detective, liaison), (liaison, detective)]:
        seen = _everything_seen_by(client, viewer)
        assert other.user.email in seen
        assert other.directory_profile.phone in seen
    # A third member never sees them.
    outsider = MemberFactory()
    seen = _everything_seen_by(client, outsider)
    assert liaison.user.email not in seen
    assert detective.user.email not in seen


def test_a_declined_or_expired_request_shares_nothing(client, pair):
    detective, liaison = pair
    intro = services.introduction_request(requester=detective, recipient=liaison, reason="Why not")
    services.introduction_answer(introduction_id=intro.pk, member=liaison, accept=False)
    assert liaison.user.email not in _everything_seen_by(client, detective)
    later = services.introduction_request(
        requester=detective, recipient=liaison, reason="Again", now=timezone.now() - timedelta(days=15)
    )
    assert introductions_expire() == 1
    later.refresh_from_db()
    assert later.status == IntroductionStatus.EXPIRED
    with pytest.raises(ValidationError):
        services.introduction_answer(introduction_id=later.pk, member=liaison, accept=True)
    assert liaison.user.email not in _everything_seen_by(client, detective)


def test_only_the_recipient_answers(pair):
    detective, liaison = pair
    intro = services.introduction_request(requester=detective, recipient=liaison, reason="Please")
    with pytest.raises(ValidationError):
        services.introduction_answer(introduction_id=intro.pk, member=detective, accept=True)
    with pytest.raises(ValidationError):
        services.introduction_request(requester=detective, recipient=liaison, reason="Twice")
    with pytest.raises(ValidationError):
        services.introduction_request(requester=detective, recipient=detective, reason="Me")


def test_rate_limits_stop_harvesting(pair):
    detective, _liaison = pair
    for _ in range(services.INTRODUCTIONS_PER_DAY):
        services.introduction_request(requester=detective, recipient=ProfileFactory().member, reason="Hi")
    with pytest.raises(ValidationError, match="too many"):
        services.introduction_request(requester=detective, recipient=ProfileFactory().member, reason="Hi")
    assert Introduction.objects.filter(requester=detective).count() == services.INTRODUCTIONS_PER_DAY


def test_requests_and_acceptances_are_activity_and_acceptance_a_contribution(pair):
    detective, liaison = pair
    engagement_settings()
    intro = services.introduction_request(requester=detective, recipient=liaison, reason="Please")
    services.introduction_answer(introduction_id=intro.pk, member=liaison, accept=True)
    assert detective.activities.filter(verb=Verb.INTRODUCTION_REQUESTED, subject_id=intro.pk).exists()
    assert liaison.activities.filter(verb=Verb.INTRODUCTION_ACCEPTED, subject_id=intro.pk).exists()
    assert VerbScore.objects.get(verb=Verb.INTRODUCTION_ACCEPTED).contribution


def test_an_abuse_report_declines_the_request_and_reaches_staff(client, pair):
    detective, liaison = pair
    intro = services.introduction_request(requester=detective, recipient=liaison, reason="Send me your list")
    client.force_login(liaison.user)
    client.post(reverse("directory:introduction_report", args=[intro.pk]), {"reason": "Harvesting"})
    intro.refresh_from_db()
    assert intro.status == IntroductionStatus.DECLINED
    assert IntroductionReport.objects.get().reason == "Harvesting"


def test_the_introductions_page_and_api_cost_a_fixed_number_of_queries(client, pair, django_assert_max_num_queries):
    detective, _liaison = pair
    for _ in range(5):
        services.introduction_request(requester=detective, recipient=ProfileFactory().member, reason="Hi")
    client.force_login(detective.user)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("directory:introductions")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get("/api/v1/me/introductions/").status_code == 200
