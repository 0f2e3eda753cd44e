"""The campaign engine with real workers: Redis carries the sends, PostgreSQL holds the state, aiosmtpd receives."""

import os
import signal
import time
from collections import Counter
from email.message import Message

import pytest
from django.test import Client

from campaigns.advance import campaigns_advance
from campaigns.models import FINAL_STATUSES, Campaign, Delivery, DeliveryStatus, StepCondition
from campaigns.send_tasks import send_deliveries
from campaigns.transitions import campaign_launch
from knoble.celery import app as celery_app
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
