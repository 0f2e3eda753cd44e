"""Sending a chunk: what each delivery becomes (conditions, consent, channels, budget), the SMTP replies, leases."""

import threading
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from campaigns.advance import campaigns_advance
from campaigns.models import CampaignStatus, Channel, Delivery, DeliveryStatus, StepCondition
from campaigns.send import SendResult, TransientSendError, _claim, _mark_sent, _release, _retry_delay, deliveries_send
from campaigns.transitions import campaign_cancel, campaign_launch
from members.models import Activity, Member, Notification, NotificationKind, Verb
from members.services import member_approve
from tests.campaigns.factories import (
    CampaignFactory,
    CampaignStepFactory,
    DeliveryFactory,
    deliveries,
    launched,
)
from tests.campaigns.loopback_smtp import LoopbackSMTP
from tests.initiatives.factories import InitiativeFactory, ParticipationFactory
from tests.members.factories import MemberFactory, OrganisationDomainFactory, staff_user
from tests.members.test_signup_flow import SIGNUP

pytestmark = pytest.mark.django_db


def test_the_message_has_both_parts_unsubscribe_headers_a_message_id_and_tracked_links(run_engine):
    MemberFactory(user__first_name="<Eve>", user__last_name="O'Neil", user__email="eve@bank.example")
    campaign = launched({"body": "Hi {name}, [open the portal](/initiatives/)"})
    run_engine()
    message = mail.outbox[0]
    delivery = deliveries(campaign).get()
    assert message.to == ["eve@bank.example"]
    assert message.extra_headers["Message-ID"] == f"<campaign-{campaign.pk}.delivery-{delivery.pk}@example.org>"
    assert message.extra_headers["List-Unsubscribe"].startswith("<http://testserver/campaigns/unsubscribe/")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "&lt;Eve&gt; O&#x27;Neil" in html  # placeholders are escaped in HTML
    assert 'href="http://testserver/campaigns/c/' in html
    assert "/initiatives/" not in html  # the only link is the tracked one
    # The plain-text part is written from the HTML: the same tracked, absolute link, never raw Markdown.
    assert "Hi <Eve> O'Neil, open the portal <http://testserver/campaigns/c/" in message.body
    assert "](" not in message.body
    assert "unsubscribe" in message.body.lower()


def test_conditions_on_the_previous_message(run_engine):
    opener, other = MemberFactory(), MemberFactory()
    campaign = launched({}, {"condition": StepCondition.PREVIOUS_OPENED, "subject": "Since you read it"})
    run_engine()
    Delivery.objects.filter(campaign=campaign, member=opener).update(opened_at=timezone.now())
    run_engine()
    run_engine()
    second = {d.member: d for d in deliveries(campaign, 2)}
    assert second[opener].status == DeliveryStatus.SENT
    assert second[other].status == DeliveryStatus.SKIPPED
    assert second[other].last_error == "The previous message was not opened."


def test_a_member_who_reached_the_goal_is_skipped(run_engine):
    goal = InitiativeFactory()
    joined, not_yet = MemberFactory(), MemberFactory()
    ParticipationFactory(member=joined, initiative=goal)
    campaign = launched({"condition": StepCondition.GOAL_NOT_REACHED}, goal=goal)
    run_engine()
    result = {d.member: d for d in deliveries(campaign)}
    assert result[joined].status == DeliveryStatus.SKIPPED
    assert result[joined].last_error == "Goal already reached."
    assert result[not_yet].status == DeliveryStatus.SENT


def test_members_without_email_consent_get_the_message_in_app_only(run_engine):
    goal = InitiativeFactory()
    member = MemberFactory(consent_email=False)
    campaign = launched({"channel": Channel.EMAIL, "subject": "Join {goal}"}, goal=goal)
    run_engine()
    assert mail.outbox == []
    delivery = deliveries(campaign).get()
    assert (delivery.status, delivery.channel) == (DeliveryStatus.SENT, Channel.IN_APP)
    notification = Notification.objects.get(member=member)
    assert notification.kind == NotificationKind.CAMPAIGN_MESSAGE
    assert notification.title == f"Join {goal.title}"
    assert notification.url == goal.get_absolute_url()


def test_a_member_who_signed_up_with_the_consent_box_unticked_gets_the_inbox_not_email(
    client, run_engine, django_capture_on_commit_callbacks
):
    domain = OrganisationDomainFactory()
    client.post(reverse("account_signup"), {**SIGNUP, "email": f"ada@{domain.domain}"})
    member = Member.objects.get(user__email=f"ada@{domain.domain}")
    with django_capture_on_commit_callbacks(execute=True):
        member_approve(member=member, by=staff_user())
    mail.outbox.clear()  # the address verification and the approval: service e-mail, outside consent

    campaign = launched({"channel": Channel.EMAIL, "subject": "Welcome"})
    run_engine()

    assert mail.outbox == []
    assert deliveries(campaign).get().channel == Channel.IN_APP
    assert Notification.objects.filter(member=member, kind=NotificationKind.CAMPAIGN_MESSAGE).count() == 1


def test_both_channels_send_an_email_and_an_in_app_message(run_engine):
    member = MemberFactory()
    launched({"channel": Channel.BOTH})
    run_engine()
    assert len(mail.outbox) == 1
    assert Notification.objects.filter(member=member).count() == 1


def test_suspended_and_left_members_get_nothing_and_the_reason_is_kept(run_engine):
    MemberFactory(status=Member.Status.SUSPENDED)
    MemberFactory(status=Member.Status.LEFT)
    MemberFactory(status=Member.Status.PENDING, organisation=None)
    campaign = launched({"channel": Channel.BOTH})
    run_engine()
    assert mail.outbox == []
    assert not Notification.objects.exists()
    assert sorted(deliveries(campaign).values_list("status", "last_error")) == [
        ("suppressed", "Member has left the network."),
        ("suppressed", "Member is suspended."),
    ]


def test_the_contact_budget_holds_across_campaigns(run_engine, settings):
    settings.KNOBLE_CAMPAIGN_CONTACT_BUDGET = 2
    member = MemberFactory()
    campaigns = [launched() for _ in range(3)]
    run_engine()
    run_engine()
    assert len(mail.outbox) == 2
    waiting = Delivery.objects.get(member=member, status=DeliveryStatus.PENDING)
    oldest = Delivery.objects.filter(member=member, status=DeliveryStatus.SENT).order_by("sent_at").first()
    # It waits until the oldest message of the window leaves it (counted from when it was claimed).
    assert abs(waiting.due_at - (oldest.sent_at + timedelta(days=7))) < timedelta(seconds=5)
    assert waiting.last_error == "Waiting: contact budget reached."
    assert {d.campaign for d in Delivery.objects.all()} == set(campaigns)


def test_sending_the_same_chunk_twice_sends_once(run_engine):
    MemberFactory.create_batch(3)
    campaign = CampaignFactory()
    CampaignStepFactory(campaign=campaign, position=1)
    campaign_launch(campaign=campaign, actor=staff_user())
    campaigns_advance()  # without running the enqueued sends
    ids = list(deliveries(campaign).values_list("pk", flat=True))
    assert deliveries_send(delivery_ids=ids).sent == 3
    assert deliveries_send(delivery_ids=ids).sent == 0
    assert len(mail.outbox) == 3


def test_a_worker_past_its_lease_neither_marks_nor_releases_the_row_another_worker_took():
    MemberFactory()
    campaign = launched()
    campaigns_advance()
    [row] = _claim(list(deliveries(campaign).values_list("pk", flat=True)), {}, SendResult())
    taken_over_at = row.claimed_at + timedelta(minutes=5)
    Delivery.objects.filter(pk=row.pk).update(claimed_at=taken_over_at)  # the second worker's claim
    _mark_sent(row, "The working group", "Dear member")
    _release([row], "ConnectionResetError")
    delivery = deliveries(campaign).get()
    assert (delivery.status, delivery.claimed_at) == (DeliveryStatus.SENDING, taken_over_at)
    assert not Activity.objects.filter(verb=Verb.MESSAGE_SENT).exists()


@pytest.mark.parametrize("diagnostic", ["550 5.1.1 No such user", ""])
def test_a_bounce_recorded_while_the_row_is_being_sent_leaves_it_bounced(diagnostic):
    """The notification is read between the SMTP server's acceptance and the mark (or after a worker died there):
    bounce_record leaves a `sending` row to its worker, whose mark then ends it `bounced`, with the reason."""
    from campaigns.bounces import bounce_record
    from campaigns.models import BounceKind

    MemberFactory()
    campaign = launched()
    campaigns_advance()
    [row] = _claim(list(deliveries(campaign).values_list("pk", flat=True)), {}, SendResult())
    notification = {"kind": BounceKind.HARD, "action": "failed", "status": "5.1.1", "diagnostic": diagnostic}
    bounce_record(delivery_id=row.pk, message_key="dsn-1", **notification)
    assert deliveries(campaign).get().status == DeliveryStatus.SENDING
    _mark_sent(row, "The working group", "Dear member")
    delivery = deliveries(campaign).get()
    assert (delivery.status, delivery.last_error) == (DeliveryStatus.BOUNCED, diagnostic or "5.1.1")
    assert delivery.sent_at is not None
    assert delivery.claimed_at is None


def test_a_row_without_a_bounce_is_marked_sent_with_no_error():
    MemberFactory()
    campaign = launched()
    campaigns_advance()
    [row] = _claim(list(deliveries(campaign).values_list("pk", flat=True)), {}, SendResult())
    _mark_sent(row, "The working group", "Dear member")
    assert (deliveries(campaign).get().status, deliveries(campaign).get().last_error) == (DeliveryStatus.SENT, "")


@pytest.mark.parametrize(
    ("status", "claimed"),
    [(DeliveryStatus.SENDING, False), (DeliveryStatus.PENDING, True), (DeliveryStatus.SENT, True)],
)
def test_the_database_keeps_a_claim_time_on_sending_rows_only(status, claimed):
    delivery = DeliveryFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk).update(
            status=status, claimed_at=timezone.now() if claimed else None, sent_at=timezone.now()
        )


class RefusingHandler:
    async def handle_RCPT(self, server, session, envelope, address, options):
        if address.startswith("gone@"):
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        return "250 Message accepted"


@pytest.fixture
def smtp_port(settings, free_port):
    controller = Controller(RefusingHandler(), hostname="127.0.0.1", port=free_port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield free_port
    controller.stop()


@pytest.fixture
def free_port():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_permanent_refusal_fails_the_row_with_the_reason_and_the_rest_still_go(smtp_port):
    MemberFactory(user__email="gone@bank.example")
    MemberFactory(user__email="here@bank.example")
    campaign = launched()
    campaigns_advance()
    result = deliveries_send(delivery_ids=list(deliveries(campaign).values_list("pk", flat=True)))
    assert (result.sent, result.failed) == (1, 1)
    failed = deliveries(campaign).get(status=DeliveryStatus.FAILED)
    assert failed.member.user.email == "gone@bank.example"
    assert failed.last_error == "550 5.1.1 No such mailbox"
    assert failed.attempts == 1


def test_an_unreachable_server_puts_the_chunk_back_for_a_retry(settings, free_port):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port, 2
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    MemberFactory.create_batch(2)
    campaign = launched()
    campaigns_advance()
    ids = list(deliveries(campaign).values_list("pk", flat=True))
    with pytest.raises(TransientSendError):
        deliveries_send(delivery_ids=ids)
    # Never offered to a server: no attempt counts, and the reason speaks of the connection, not of another row.
    assert set(deliveries(campaign).values_list("status", "attempts")) == {("pending", 0)}
    assert (
        deliveries(campaign)
        .first()
        .last_error.startswith("Waiting: the connection to the mail server failed before this message was offered")
    )


@pytest.mark.postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_the_same_chunk_at_once_send_each_message_once():
    step = CampaignStepFactory(campaign__status=CampaignStatus.RUNNING, position=1)
    ids = [DeliveryFactory(step=step).pk for _ in range(40)]
    results, barrier = [], threading.Barrier(2)

    def worker():
        barrier.wait()
        try:
            results.append(deliveries_send(delivery_ids=ids).sent)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(results) == 40
    assert len(mail.outbox) == 40
    assert len({m.extra_headers["Message-ID"] for m in mail.outbox}) == 40


@pytest.fixture
def loopback(settings):
    with LoopbackSMTP() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", server.port, 10
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        yield server


def chunk_of(*emails: str):
    """One launched one-step campaign to these addresses, in this member order; returns it and its delivery ids."""
    for email in emails:
        MemberFactory(user__email=email)
    campaign = launched()
    campaigns_advance()  # writes the deliveries; the sends it enqueues are not run
    return campaign, list(deliveries(campaign).order_by("member_id").values_list("pk", flat=True))


def by_email(campaign) -> dict[str, Delivery]:
    return {row.member.user.email: row for row in deliveries(campaign).select_related("member__user")}


@pytest.mark.parametrize("reply", ["451 4.7.1 Greylisted, try again later", "452 4.2.2 Mailbox full"])
def test_a_temporary_refusal_defers_that_row_alone_and_the_chunk_carries_on(loopback, reply):
    loopback.refuse("first@bank.example", reply)
    campaign, ids = chunk_of("first@bank.example", "b@bank.example", "c@bank.example")
    before = timezone.now()
    result = deliveries_send(delivery_ids=ids)
    assert (result.sent, result.deferred, result.failed) == (2, 1, 0)
    rows = by_email(campaign)
    refused = rows["first@bank.example"]
    assert (refused.status, refused.attempts, refused.last_error) == ("deferred", 1, f"Deferred: {reply}")
    assert before + timedelta(minutes=5) <= refused.next_attempt_at <= timezone.now() + timedelta(minutes=5)
    assert (refused.claimed_at, refused.enqueued_at) == (None, None)
    for email in ("b@bank.example", "c@bank.example"):
        assert (rows[email].status, rows[email].attempts, rows[email].last_error) == ("sent", 1, "")
    assert loopback.received_by() == {"b@bank.example": 1, "c@bank.example": 1}
    assert loopback.offers == {"first@bank.example": 1, "b@bank.example": 1, "c@bank.example": 1}


def test_a_refusal_of_the_message_after_data_affects_that_row_only(loopback):
    loopback.refuse("b@bank.example", "554 5.7.1 Message rejected as spam", at="DATA")
    loopback.refuse("c@bank.example", "451 4.3.0 Try again", at="DATA")
    campaign, ids = chunk_of("a@bank.example", "b@bank.example", "c@bank.example", "d@bank.example")
    deliveries_send(delivery_ids=ids)
    rows = by_email(campaign)
    assert {email: (row.status, row.attempts) for email, row in rows.items()} == {
        "a@bank.example": ("sent", 1),
        "b@bank.example": ("failed", 1),
        "c@bank.example": ("deferred", 1),
        "d@bank.example": ("sent", 1),
    }
    assert rows["b@bank.example"].last_error == "554 5.7.1 Message rejected as spam"
    assert rows["c@bank.example"].last_error == "Deferred: 451 4.3.0 Try again"


def test_a_deferred_row_is_offered_again_when_due_and_sent_once(loopback, run_engine, settings):
    settings.KNOBLE_CAMPAIGN_RETRY_DELAYS_SECONDS = [0]
    loopback.refuse("grey@bank.example", "451 4.7.1 Greylisted", times=1)
    campaign, ids = chunk_of("grey@bank.example", "other@bank.example")
    deliveries_send(delivery_ids=ids)
    assert by_email(campaign)["grey@bank.example"].status == DeliveryStatus.DEFERRED
    run_engine()  # the engine enqueues the deferred row whose next attempt has come
    rows = by_email(campaign)
    assert {email: (row.status, row.attempts) for email, row in rows.items()} == {
        "grey@bank.example": ("sent", 2),
        "other@bank.example": ("sent", 1),
    }
    assert rows["grey@bank.example"].next_attempt_at is None
    assert loopback.received_by() == {"grey@bank.example": 1, "other@bank.example": 1}


def test_a_deferred_row_is_not_offered_before_its_time(loopback, run_engine):
    loopback.refuse("grey@bank.example", "451 4.7.1 Greylisted", times=1)
    campaign, ids = chunk_of("grey@bank.example")
    deliveries_send(delivery_ids=ids)
    assert deliveries_send(delivery_ids=ids).sent == 0
    run_engine()
    assert loopback.offers["grey@bank.example"] == 1
    assert deliveries(campaign).get().status == DeliveryStatus.DEFERRED


def test_the_backoff_grows_and_the_last_delay_repeats(settings):
    settings.KNOBLE_CAMPAIGN_RETRY_DELAYS_SECONDS = [300, 900, 1800, 3600]
    assert [_retry_delay(n).total_seconds() for n in range(1, 7)] == [300, 900, 1800, 3600, 3600, 3600]


def test_a_row_still_refused_at_the_horizon_fails_with_its_own_reply(loopback, settings):
    settings.KNOBLE_CAMPAIGN_RETRY_HORIZON_SECONDS = 60  # shorter than the first delay
    loopback.refuse("full@bank.example", "452 4.2.2 Mailbox full")
    campaign, ids = chunk_of("full@bank.example", "ok@bank.example")
    result = deliveries_send(delivery_ids=ids)
    assert (result.sent, result.failed, result.deferred) == (1, 1, 0)
    row = by_email(campaign)["full@bank.example"]
    assert (row.status, row.next_attempt_at, row.attempts) == ("failed", None, 1)
    assert row.last_error == "Still refused at the retry horizon (attempt 1): 452 4.2.2 Mailbox full"


def test_a_dropped_connection_defers_the_message_in_flight_and_puts_back_only_the_rest(loopback):
    loopback.drop("b@bank.example")
    campaign, ids = chunk_of("a@bank.example", "b@bank.example", "c@bank.example", "d@bank.example")
    with pytest.raises(TransientSendError):
        deliveries_send(delivery_ids=ids)
    rows = by_email(campaign)
    assert {email: (row.status, row.attempts) for email, row in rows.items()} == {
        "a@bank.example": ("sent", 1),
        "b@bank.example": ("deferred", 1),
        "c@bank.example": ("pending", 0),
        "d@bank.example": ("pending", 0),
    }
    assert rows["b@bank.example"].last_error.startswith("Deferred: SMTPServerDisconnected")
    assert "b@bank.example" not in rows["c@bank.example"].last_error
    assert deliveries_send(delivery_ids=ids).sent == 2  # the task's retry: the rows put back, not the deferred one
    assert loopback.received_by() == {"a@bank.example": 1, "c@bank.example": 1, "d@bank.example": 1}


def test_a_421_reply_defers_the_row_and_the_rest_waits_for_a_new_connection(loopback):
    loopback.refuse("b@bank.example", "421 4.7.0 Too many messages, closing", times=1)
    campaign, ids = chunk_of("a@bank.example", "b@bank.example", "c@bank.example")
    with pytest.raises(TransientSendError):
        deliveries_send(delivery_ids=ids)
    rows = by_email(campaign)
    assert {email: (row.status, row.attempts) for email, row in rows.items()} == {
        "a@bank.example": ("sent", 1),
        "b@bank.example": ("deferred", 1),
        "c@bank.example": ("pending", 0),
    }
    assert rows["b@bank.example"].last_error == "Deferred: 421 4.7.0 Too many messages, closing"


def test_cancelling_skips_deferred_rows_too(loopback):
    loopback.refuse("grey@bank.example", "451 4.7.1 Greylisted")
    campaign, ids = chunk_of("grey@bank.example")
    deliveries_send(delivery_ids=ids)
    campaign_cancel(campaign=campaign, actor=staff_user())
    row = deliveries(campaign).get()
    assert (row.status, row.next_attempt_at, row.last_error) == ("skipped", None, "Campaign cancelled.")


@pytest.mark.parametrize(("status", "next_attempt"), [(DeliveryStatus.DEFERRED, False), (DeliveryStatus.PENDING, True)])
def test_the_database_keeps_a_next_attempt_time_on_deferred_rows_only(status, next_attempt):
    delivery = DeliveryFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk).update(
            status=status, next_attempt_at=timezone.now() if next_attempt else None
        )
