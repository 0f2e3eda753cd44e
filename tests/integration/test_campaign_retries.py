"""Per-message retries with a real worker against a loopback SMTP server that refuses chosen recipients.

The test process plays beat (it runs the engine every half second); the worker sends, with the retry delays
shortened to a second so that a deferred message is offered again within the test.
"""

import time
from collections import Counter
from collections.abc import Iterator

import pytest

from campaigns.advance import campaigns_advance
from campaigns.models import FINAL_STATUSES, Campaign, Delivery, DeliveryStatus
from campaigns.transitions import campaign_launch
from knoble.celery import app as celery_app
from tests.campaigns.factories import CampaignFactory, CampaignStepFactory, SegmentFactory, approved_members_in_bulk
from tests.campaigns.loopback_smtp import LoopbackSMTP
from tests.conftest import require_postgres, require_redis
from tests.integration.conftest import start_worker, wait_until_disconnected
from tests.members.factories import staff_user

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def loopback() -> Iterator[LoopbackSMTP]:
    require_postgres()
    require_redis()
    with LoopbackSMTP() as server:
        yield server


@pytest.fixture
def worker(loopback):
    """Starts the worker on first call, with these environment overrides; stops it at the end."""
    started = []
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False

    def start(**env: str):
        started.append(start_worker(email_url=f"smtp://127.0.0.1:{loopback.port}", extra_env=env))

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=30)
    celery_app.conf.task_always_eager = eager
    wait_until_disconnected()


def launched(count: int) -> Campaign:
    approved_members_in_bulk(count)
    campaign = CampaignFactory.create(segment=SegmentFactory.create())
    CampaignStepFactory(campaign=campaign, position=1, body="Hello {name}")
    return campaign_launch(campaign=campaign, actor=staff_user())


def run_as_beat_until_final(campaign: Campaign, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    rows = Delivery.objects.filter(campaign=campaign)
    while time.monotonic() < deadline:
        campaigns_advance()
        if rows.exists() and not rows.exclude(status__in=FINAL_STATUSES).exists():
            return True
        time.sleep(0.5)
    return False


def by_email(campaign: Campaign) -> dict[str, Delivery]:
    return {
        row.member.user.email: row for row in Delivery.objects.filter(campaign=campaign).select_related("member__user")
    }


def test_refusals_mid_chunk_affect_their_own_rows_and_every_other_row_goes_once(loopback, worker):
    loopback.refuse("bulk10@bank.example", "451 4.7.1 Greylisted, try again later", times=1)
    loopback.refuse("bulk50@bank.example", "451 4.3.0 Try again", at="DATA", times=1)
    loopback.refuse("bulk120@bank.example", "452 4.2.2 Mailbox full")  # every time, until the horizon
    loopback.refuse("bulk150@bank.example", "550 5.1.1 No such mailbox")
    loopback.refuse("bulk210@bank.example", "554 5.7.1 Message rejected", at="DATA")
    loopback.drop("bulk250@bank.example")  # the connection goes mid-chunk, once
    campaign = launched(300)
    worker(KNOBLE_CAMPAIGN_RETRY_DELAYS_SECONDS="1", KNOBLE_CAMPAIGN_RETRY_HORIZON_SECONDS="15")

    assert run_as_beat_until_final(campaign, timeout=120)

    rows = by_email(campaign)
    statuses = Counter(row.status for row in rows.values())
    assert statuses == {DeliveryStatus.SENT: 297, DeliveryStatus.FAILED: 3}
    received = loopback.received_by()
    assert set(received.values()) == {1}  # nothing sent twice
    assert set(received) == {email for email, row in rows.items() if row.status == DeliveryStatus.SENT}
    assert len({message_id for _, message_id in loopback.received}) == 297
    # An attempt is an offer to the server: every row's count is the server's count of RCPT TO for it.
    assert {email: row.attempts for email, row in rows.items()} == {email: loopback.offers[email] for email in rows}
    assert rows["bulk10@bank.example"].attempts == rows["bulk50@bank.example"].attempts == 2
    assert rows["bulk250@bank.example"].attempts == 2
    assert rows["bulk150@bank.example"].last_error == "550 5.1.1 No such mailbox"
    assert rows["bulk210@bank.example"].last_error == "554 5.7.1 Message rejected"
    full = rows["bulk120@bank.example"]
    # Retried, then given up at the horizon: how many retries fit in its 15 seconds depends on the machine's load.
    assert full.attempts >= 2
    assert full.last_error == f"Still refused at the retry horizon (attempt {full.attempts}): 452 4.2.2 Mailbox full"
    for email, row in rows.items():  # a row's error text speaks of that row only
        assert not any(other in row.last_error for other in loopback.rules if other != email)
    assert {row.last_error for row in rows.values() if row.status == DeliveryStatus.SENT} == {""}


def test_greylisting_ten_percent_of_two_thousand_recipients_loses_none_and_repeats_none(loopback, worker):
    greylisted = {f"bulk{n}@bank.example" for n in range(0, 2000, 10)}
    for address in greylisted:
        loopback.refuse(address, "451 4.7.1 Greylisted, try again later", times=1)
    campaign = launched(2000)
    worker(KNOBLE_CAMPAIGN_RETRY_DELAYS_SECONDS="1")

    assert run_as_beat_until_final(campaign, timeout=240)

    rows = by_email(campaign)
    assert Counter(row.status for row in rows.values()) == {DeliveryStatus.SENT: 2000}
    assert len(loopback.received) == len({message_id for _, message_id in loopback.received}) == 2000
    assert loopback.received_by() == dict.fromkeys(rows, 1)
    assert {email for email, row in rows.items() if row.attempts == 2} == greylisted
    assert {row.attempts for email, row in rows.items() if email not in greylisted} == {1}
