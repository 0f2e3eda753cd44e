import pytest
from django.utils import timezone

from campaigns.bounces import bounce_message_process, undeliverable_clear, undeliverable_reasons
from campaigns.models import Bounce, BounceKind, Channel, DeliveryStatus, UndeliverableAddress
from campaigns.send import deliveries_send
from members.models import Notification
from tests.campaigns.dsn_samples import AUTO_REPLY, HARD, SOFT, sample
from tests.campaigns.factories import CampaignStepFactory, DeliveryFactory
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def verp(settings):
    settings.KNOBLE_BOUNCE_ADDRESS = "bounces@example.org"


def sent(**kwargs):
    now = timezone.now()
    return DeliveryFactory(status=DeliveryStatus.SENT, channel=Channel.EMAIL, sent_at=now, finished_at=now, **kwargs)


def test_a_hard_bounce_marks_the_delivery_and_the_address():
    delivery = sent()
    recorded = bounce_message_process(raw=sample(HARD[0], delivery))
    assert recorded is not None
    assert recorded.created
    assert recorded.undeliverable
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.BOUNCED
    assert "5.1.1" in delivery.last_error
    email = delivery.member.user.email.lower()
    assert "bounced permanently" in undeliverable_reasons([email.upper()])[email]


def test_the_same_notification_twice_records_one_bounce():
    delivery = sent()
    raw = sample(HARD[1], delivery)
    bounce_message_process(raw=raw)
    again = bounce_message_process(raw=raw)
    assert again is not None
    assert not again.created
    assert Bounce.objects.count() == 1


def test_three_soft_bounces_make_an_address_undeliverable():
    first = sent()
    member = first.member
    outcomes = []
    for number, delivery in enumerate([first, sent(member=member), sent(member=member)]):
        recorded = bounce_message_process(raw=sample(SOFT, delivery, message_id=f"<soft-{number}@mx>"))
        assert recorded is not None
        assert recorded.bounce.kind == BounceKind.SOFT
        outcomes.append(recorded.undeliverable)
    assert outcomes == [False, False, True]
    assert "3 times in 30 days" in UndeliverableAddress.objects.get().reason


def test_an_auto_reply_changes_nothing():
    delivery = sent()
    assert bounce_message_process(raw=sample(AUTO_REPLY, delivery)) is None
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert not Bounce.objects.exists()


def test_staff_clear_a_mark_and_earlier_soft_bounces_are_forgiven():
    delivery = sent()
    bounce_message_process(raw=sample(HARD[2], delivery))
    cleared = undeliverable_clear(marks=UndeliverableAddress.objects.all(), actor=UserFactory(is_staff=True))
    assert cleared == 1
    assert undeliverable_reasons([delivery.member.user.email]) == {}
    soft = bounce_message_process(raw=sample(SOFT, sent(member=delivery.member)))
    assert soft is not None
    assert not soft.undeliverable


def test_later_messages_to_an_undeliverable_address_go_to_the_portal_inbox(mailoutbox):
    delivery = sent()
    bounce_message_process(raw=sample(HARD[3], delivery))
    later = DeliveryFactory(member=delivery.member, step=CampaignStepFactory(channel=Channel.EMAIL))
    later.campaign.status = "running"
    later.campaign.save()
    deliveries_send(delivery_ids=[later.pk])
    later.refresh_from_db()
    assert (later.status, later.channel) == (DeliveryStatus.SENT, Channel.IN_APP)
    assert later.last_error.startswith("Sent to the member's portal inbox instead of e-mail: ")
    assert Notification.objects.filter(member=delivery.member).count() == 1
    assert mailoutbox == []


def test_campaign_messages_carry_the_verp_return_path(mailoutbox):
    delivery = DeliveryFactory(step=CampaignStepFactory(channel=Channel.EMAIL))
    delivery.campaign.status = "running"
    delivery.campaign.save()
    deliveries_send(delivery_ids=[delivery.pk])
    (message,) = mailoutbox
    assert message.from_email.startswith(f"bounces+{delivery.pk}.")
    assert message.extra_headers["From"] == "The Knoble <portal@example.org>"
