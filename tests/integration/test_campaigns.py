"""The campaign engine with real workers: Redis carries the sends, PostgreSQL holds the state, aiosmtpd receives."""

import os
import signal
import socket
import time
from collections import Counter
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from django.test import Client

from campaigns.advance import campaigns_advance
from campaigns.models import FINAL_STATUSES, Campaign, Delivery, DeliveryStatus, StepCondition
from campaigns.send_tasks import send_deliveries
from campaigns.transitions import campaign_launch
from knoble.celery import app as celery_app
from members.models import Activity, Verb
from tests.campaigns.factories import CampaignFactory, CampaignStepFactory, SegmentFactory, approved_members_in_bulk
from tests.conftest import require_postgres, require_redis
from tests.initiatives.factories import InitiativeFactory
from tests.integration.conftest import start_worker, wait_until_disconnected
from tests.members.factories import MemberFactory, staff_user

pytestmark = pytest.mark.integration


def wait_until(condition, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def settled(campaign: Campaign, step: int) -> bool:
    rows = Delivery.objects.filter(campaign=campaign, step__position=step)
    return rows.exists() and not rows.exclude(status__in=FINAL_STATUSES).exists()


def unfolded(header: str) -> str:
    return " ".join(header.split())


def parts(message: Message) -> dict[str, str]:
    return {
        part.get_content_type(): bytes(part.get_payload(decode=True)).decode()
        for part in message.walk()
        if not part.is_multipart()
    }


def test_a_real_worker_sends_a_three_step_campaign_over_smtp(celery_worker_process):
    _worker, inbox = celery_worker_process
    goal = InitiativeFactory(title="Typology training")
    clicker = MemberFactory(user__email="clicker@bank.example", user__first_name="Ana", organisation__name="Harbour CU")
    quiet = MemberFactory(user__email="quiet@bank.example")
    campaign = CampaignFactory(goal=goal, segment=SegmentFactory())
    CampaignStepFactory(campaign=campaign, position=1, subject="Welcome {name}", body="[Join {goal}]({goal_link})")
    CampaignStepFactory(campaign=campaign, position=2, subject="Reminder", body="[Browse](/initiatives/)")
    CampaignStepFactory(
        campaign=campaign, position=3, subject="Since you looked", condition=StepCondition.PREVIOUS_CLICKED
    )
    campaign_launch(campaign=campaign, actor=staff_user())

    for step in (1, 2, 3):
        if step == 3:  # one member follows the tracked link in step 2, through the real redirect view
            step_two = next(m for m in inbox.messages if m["Subject"] == "Reminder" and m["To"] == clicker.user.email)
            link = parts(step_two)["text/html"].split('href="', 1)[1].split('"', 1)[0]
            response = Client().get(link.removeprefix("http://testserver"))
            assert response.status_code == 302
            assert response["Location"] == "http://testserver/initiatives/"
        campaigns_advance()
        assert wait_until(lambda step=step: settled(campaign, step), timeout=30)

    messages = inbox.wait_for(5)
    assert sorted((m["To"], m["Subject"]) for m in messages) == [
        ("clicker@bank.example", "Reminder"),
        ("clicker@bank.example", "Since you looked"),
        ("clicker@bank.example", f"Welcome {clicker.user.get_full_name()}"),
        ("quiet@bank.example", "Reminder"),
        ("quiet@bank.example", f"Welcome {quiet.user.get_full_name()}"),
    ]
    first = next(m for m in messages if m["Subject"].startswith("Welcome") and m["To"] == clicker.user.email)
    delivery = Delivery.objects.get(member=clicker, step__position=1)
    assert first["Message-ID"] == f"<campaign-{campaign.pk}.delivery-{delivery.pk}@example.org>"
    assert unfolded(first["List-Unsubscribe"]).startswith("<http://testserver/campaigns/unsubscribe/")
    assert first["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert first.get_content_type() == "multipart/alternative"
    body = parts(first)
    assert "Join Typology training <http://testserver/campaigns/c/" in body["text/plain"]
    assert 'href="http://testserver/campaigns/c/' in body["text/html"]
    assert ">Join Typology training</a>" in body["text/html"]
    skipped = Delivery.objects.get(step__position=3, status=DeliveryStatus.SKIPPED)
    assert skipped.last_error == "No link in the previous message was clicked."


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_send_loses_nothing_and_two_successors_repeat_nothing_else(smtp_server, settings):
    """2,000 members; the engine runs twice; the worker is killed mid-send; two new workers take over while
    every chunk is enqueued a second time. Every delivery ends sent, and only the message in flight repeats."""
    require_postgres()
    require_redis()
    inbox, port = smtp_server
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    settings.KNOBLE_CAMPAIGN_SEND_LEASE_SECONDS = 2
    approved_members_in_bulk(2000)
    campaign = CampaignFactory(segment=SegmentFactory())
    CampaignStepFactory(campaign=campaign, position=1, body="Hello {name}: [the map](/ecosystem/)")
    campaign_launch(campaign=campaign, actor=staff_user())
    email_url = f"smtp://127.0.0.1:{port}"
    workers = [start_worker(email_url=email_url, name="doomed")]
    try:
        campaigns_advance()
        campaigns_advance()  # a second engine run (beat firing twice) writes and enqueues nothing more
        assert Delivery.objects.filter(campaign=campaign).count() == 2000
        assert wait_until(lambda: len(inbox.messages) >= 300, timeout=60)
        os.kill(workers[0].pid, signal.SIGKILL)
        workers[0].wait(timeout=10)
        held = Delivery.objects.filter(campaign=campaign, status=DeliveryStatus.SENDING).count()
        assert len(inbox.messages) < 2000, "the worker finished before it could be killed"

        workers += [start_worker(email_url=email_url, name=name) for name in ("successor1", "successor2")]
        ids = list(Delivery.objects.filter(campaign=campaign).order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), 100):  # every chunk once more, for both workers to race over
            send_deliveries.delay(ids[start : start + 100])
        time.sleep(2.5)  # the dead worker's lease expires
        campaigns_advance()  # as beat would: reclaims the dead worker's rows and enqueues them again
        assert wait_until(lambda: settled(campaign, 1), timeout=90)
        time.sleep(0.5)  # a duplicate chunk still running would show up now
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.terminate()
                worker.wait(timeout=30)
        celery_app.conf.task_always_eager = eager
        wait_until_disconnected()

    statuses = Counter(Delivery.objects.filter(campaign=campaign).values_list("status", flat=True))
    assert statuses == {DeliveryStatus.SENT: 2000}
    received = Counter(m["Message-ID"] for m in inbox.messages)
    assert len(received) == 2000  # none lost
    assert sum(n - 1 for n in received.values()) <= 1  # only the message the worker was sending when it died
    assert held <= 100  # the chunk it held: the rest of it went out once, after the lease


class KillingServer:
    """Accepts every message but the `kill_at`-th it receives: while that one's DATA is under way, it kills the
    worker that sends it (SIGKILL, as the kernel's out-of-memory killer or a lost machine would)."""

    def __init__(self, kill_at: int) -> None:
        self.kill_at = kill_at
        self.worker_pid = 0
        self.arrived: list[str] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.arrived.append(envelope.rcpt_tos[0])
        if len(self.arrived) == self.kill_at:
            os.kill(self.worker_pid, signal.SIGKILL)
            return "451 4.3.0 Never read: the sender is dead"
        return "250 Message accepted"


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_during_message_n_has_marked_the_ones_before_and_repeats_only_n(settings):
    """The mark of each message is sent to PostgreSQL without waiting and confirmed only before the next mark: the
    worker dies while that of message n-1 is still unconfirmed, in the middle of message n's SMTP exchange. The
    server still commits it: 1..n-1 stay sent with their activity, n alone is sent again after the lease."""
    require_postgres()
    require_redis()
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    settings.KNOBLE_CAMPAIGN_SEND_LEASE_SECONDS = 2
    approved_members_in_bulk(12)
    campaign = CampaignFactory(segment=SegmentFactory())
    CampaignStepFactory(campaign=campaign, position=1)
    campaign_launch(campaign=campaign, actor=staff_user())
    server = KillingServer(kill_at=6)
    with socket.socket() as probe:  # aiosmtpd needs a concrete port to check that it started
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(server, hostname="127.0.0.1", port=port)
    controller.start()
    email_url = f"smtp://127.0.0.1:{port}"
    workers = [start_worker(email_url=email_url, name="doomed")]
    server.worker_pid = workers[0].pid
    try:
        campaigns_advance()  # one chunk of 12, through Redis to the worker
        workers[0].wait(timeout=60)
        wait_until_disconnected()  # the server has run everything the dead worker had sent it
        rows = {
            row.member.user.email: row
            for row in Delivery.objects.filter(campaign=campaign).select_related("member__user")
        }
        marked = {email for email, row in rows.items() if row.status == DeliveryStatus.SENT}
        assert marked == set(server.arrived[:5])
        assert rows[server.arrived[5]].status == DeliveryStatus.SENDING  # in flight: its lease will free it
        recorded = Activity.objects.filter(verb=Verb.MESSAGE_SENT, details__delivery__in=[r.pk for r in rows.values()])
        assert set(recorded.values_list("member__user__email", flat=True)) == marked

        workers.append(start_worker(email_url=email_url, name="successor"))
        time.sleep(2.5)  # the dead worker's lease expires
        campaigns_advance()  # reclaims its rows and enqueues them again
        assert wait_until(lambda: settled(campaign, 1), timeout=60)
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.terminate()
                worker.wait(timeout=30)
        controller.stop()
        celery_app.conf.task_always_eager = eager
        wait_until_disconnected()

    assert Counter(Delivery.objects.filter(campaign=campaign).values_list("status", flat=True)) == {
        DeliveryStatus.SENT: 12
    }
    arrivals = Counter(server.arrived)
    assert len(arrivals) == 12
    assert {email for email, n in arrivals.items() if n > 1} == {server.arrived[5]}  # the message in flight only
    assert Activity.objects.filter(verb=Verb.MESSAGE_SENT, subject_id=campaign.pk).count() == 12
