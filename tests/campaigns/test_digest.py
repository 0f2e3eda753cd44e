"""The member digest (campaigns/digests.py): once per member and period, unsubscribe, access checked at send time,
posts sanitised; the choice on the profile page."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test.signals import template_rendered
from django.urls import reverse
from django.utils import timezone, translation

from campaigns import digests
from campaigns.models import DigestDelivery, DigestFrequency, DigestPreference, DigestStatus
from initiatives.models import Participation, ParticipationStatus
from members.models import NotificationKind
from members.services import notification_create
from spaces import services as space_services
from spaces.models import Thread
from tests.spaces.factories import participant, working_group

pytestmark = pytest.mark.django_db

INJECTION = (
    "Hello <script>alert(1)</script> team <img src=x onerror=alert(2)> "
    '[click](javascript:alert(3)) <a href="javascript:alert(4)">here</a> **bold**'
)


@pytest.fixture
def space_notice():
    """A reader who chose a daily digest, and a notice in their inbox of a post in their space."""
    initiative = working_group()
    author = participant(initiative)
    reader = participant(initiative)
    started = space_services.thread_start(initiative=initiative, member=author, title="Typologies", body=INJECTION)
    post = started.posts.get()
    notification_create(
        member=reader,
        kind=NotificationKind.SPACE_ACTIVITY,
        title="Someone started “Typologies”",
        body="In the space.",
        url=started.get_absolute_url() + f"#post-{post.pk}",
    )
    digests.digest_preference_set(member=reader, frequency=DigestFrequency.DAILY)
    return reader, initiative


def _leave(member, initiative) -> None:
    Participation.objects.filter(member=member, initiative=initiative).update(
        status=ParticipationStatus.LEFT, left_at=timezone.now()
    )


def _tomorrow():
    """Tomorrow at 10:00 UTC: the daily period then is today, holding the notices made now, and it stays the same
    period for the hours a test moves forward (a test run after 23:00 UTC moved into the next one)."""
    return (timezone.now() + timedelta(days=1)).astimezone(UTC).replace(hour=10, minute=0, second=0, microsecond=0)


def test_sent_once_under_repeated_runs(space_notice, mailoutbox):
    reader, _ = space_notice
    now = _tomorrow()
    first = digests.digests_send(now=now)
    second = digests.digests_send(now=now)
    third = digests.digests_send(now=now + timedelta(hours=1))
    assert (first.sent, second.sent, third.sent) == (1, 0, 0)
    assert second.planned == 0
    assert len(mailoutbox) == 1
    row = DigestDelivery.objects.get()
    assert (row.member_id, row.status, row.items) == (reader.pk, DigestStatus.SENT, 1)
    email = mailoutbox[0]
    assert email.to == [reader.user.email]
    assert email.extra_headers["Message-ID"] == digests.message_id_for(row)
    assert "Typologies" in email.body
    assert email.alternatives[0][1] == "text/html"


def test_a_worker_killed_mid_send_leaves_only_the_message_in_flight_to_repeat(space_notice, mailoutbox):
    now = _tomorrow()
    digests.digests_plan(now=now)
    [claimed] = digests._claim(now=now, limit=10)  # the worker dies after claiming, before marking
    assert digests.digests_send(now=now + timedelta(minutes=5)).sent == 0  # its lease holds
    assert mailoutbox == []
    later = digests.digests_send(now=now + digests.LEASE + timedelta(minutes=1))
    assert later.sent == 1
    assert mailoutbox[0].extra_headers["Message-ID"] == digests.message_id_for(claimed)
    # The dead worker's late mark changes nothing: the row carries the new claim.
    assert digests._mark(claimed, DigestStatus.EMPTY) is False
    assert DigestDelivery.objects.get().attempts == 2


def test_html_and_script_are_removed_from_posts(space_notice, mailoutbox):
    digests.digests_send(now=_tomorrow())
    email = mailoutbox[0]
    html = email.alternatives[0][0]
    for part in (email.body, html):
        assert "<script" not in part
        assert "alert(1)" not in part
        assert "onerror" not in part
        assert "javascript:" not in part
        assert "<img" not in part
    assert "Hello team" in email.body
    assert "bold" in html
    assert "<strong>bold</strong>" not in html


def test_an_item_the_member_lost_access_to_is_left_out(space_notice, mailoutbox):
    reader, initiative = space_notice
    _leave(reader, initiative)
    notification_create(
        member=reader,
        kind=NotificationKind.ROADMAP_UPDATE,
        title="“Shared typologies” is now planned",
        url=reverse("voice:roadmap_items") + "#item-1",
    )
    result = digests.digests_send(now=_tomorrow())
    assert result.sent == 1
    assert "Typologies" not in mailoutbox[0].body
    assert "is now planned" in mailoutbox[0].body


def test_nothing_visible_sends_nothing(space_notice, mailoutbox):
    reader, initiative = space_notice
    _leave(reader, initiative)
    notification_create(member=reader, kind=NotificationKind.OUTCOME_FEEDBACK, title="Elsewhere", url="/nowhere/")
    result = digests.digests_send(now=_tomorrow())
    assert (result.sent, result.empty) == (0, 1)
    assert mailoutbox == []


def test_unsubscribe_link_turns_the_digest_off(space_notice, mailoutbox, client):
    reader, _ = space_notice
    digests.digests_send(now=_tomorrow())
    email = mailoutbox[0]
    url = digests.unsubscribe_url(reader)
    assert email.extra_headers["List-Unsubscribe"] == f"<{url}>"
    assert url in email.body
    path = url.removeprefix("http://localhost:8000")
    assert client.get(path).status_code == 200  # a link scanner's GET changes nothing
    assert digests.digest_frequency(member=reader) == DigestFrequency.DAILY
    response = client.post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert digests.digest_frequency(member=reader) == DigestFrequency.OFF
    assert digests.digests_send(now=_tomorrow() + timedelta(days=1)).planned == 0
    assert client.post(path.replace("/unsubscribe/", "/unsubscribe/x")).status_code == 400


def test_off_by_default_and_chosen_on_the_profile(client):
    initiative = working_group()
    member = participant(initiative)
    assert digests.digest_frequency(member=member) == DigestFrequency.OFF
    client.force_login(member.user)
    page = client.get(reverse("members:profile"))
    assert b'name="frequency"' in page.content
    response = client.post(reverse("campaigns:digest_preference"), {"frequency": DigestFrequency.WEEKLY})
    assert response.status_code == 302
    assert DigestPreference.objects.get(member=member).frequency == DigestFrequency.WEEKLY
    assert client.post(reverse("campaigns:digest_preference"), {"frequency": "hourly"}).status_code == 302
    assert DigestPreference.objects.get(member=member).frequency == DigestFrequency.WEEKLY


def test_weekly_period_is_the_last_monday_to_sunday_week():
    now = datetime(2026, 12, 9, 10, tzinfo=UTC)  # a Wednesday
    start, end = digests.period_for(DigestFrequency.WEEKLY, now)
    assert (start.isoformat(), end.isoformat()) == ("2026-11-30T00:00:00+00:00", "2026-12-07T00:00:00+00:00")
    start, end = digests.period_for(DigestFrequency.DAILY, now)
    assert (start.isoformat(), end.isoformat()) == ("2026-12-08T00:00:00+00:00", "2026-12-09T00:00:00+00:00")


def test_staff_see_digest_deliveries_read_only(space_notice, client, without_mfa_requirement):
    from tests.members.factories import staff_user

    digests.digests_send(now=_tomorrow())
    client.force_login(staff_user())
    listing = client.get(reverse("admin:campaigns_digestdelivery_changelist"))
    assert listing.status_code == 200
    assert "sent" in listing.content.decode().lower()
    assert client.get(reverse("admin:campaigns_digestpreference_changelist")).status_code == 200
    row = DigestDelivery.objects.get()
    assert (
        client.post(reverse("admin:campaigns_digestdelivery_delete", args=[row.pk]), {"post": "yes"}).status_code == 403
    )


def test_building_a_digest_checks_each_thread_once(space_notice, django_assert_max_num_queries):
    reader, initiative = space_notice
    started = reader.notifications.get().url.partition("#")[0]
    thread = Thread.objects.get(space__initiative=initiative)
    author = thread.author
    for n in range(8):
        post = space_services.post_reply(thread=thread, member=author, body=f"Reply {n}")
        notification_create(
            member=reader, kind=NotificationKind.SPACE_ACTIVITY, title=f"Reply {n}", url=f"{started}#post-{post.pk}"
        )
    row = DigestDelivery(
        member=reader,
        frequency=DigestFrequency.DAILY,
        period_start=timezone.now() - timedelta(days=1),
        period_end=timezone.now() + timedelta(minutes=1),
    )
    with django_assert_max_num_queries(25):  # the thread's checks once, then one query per post
        items = digests.digest_items(delivery=row)
    assert len(items) == 9


def test_the_digest_is_written_in_the_members_language(space_notice, mailoutbox):
    reader, _ = space_notice
    reader.language = "es"
    reader.save(update_fields=["language"])
    languages: dict[str, str | None] = {}

    def record(sender, template, context, **kwargs):
        languages[template.name] = translation.get_language()

    template_rendered.connect(record)
    try:
        with translation.override("fr"):  # the worker's language, whatever it is, is not the reader's
            assert digests.digests_send(now=_tomorrow()).sent == 1
    finally:
        template_rendered.disconnect(record)
    digest_templates = {name: language for name, language in languages.items() if "email/digest" in name}
    assert set(digest_templates) == {
        "campaigns/email/digest_subject.txt",
        "campaigns/email/digest.txt",
        "campaigns/email/digest.html",
    }
    assert set(digest_templates.values()) == {"es"}
    html = next(body for body, mimetype in mailoutbox[0].alternatives if mimetype == "text/html")
    assert '<html lang="es">' in html
