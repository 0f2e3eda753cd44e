import pytest
from django.utils import timezone

from campaigns.dsn import parse
from campaigns.models import BounceKind, DeliveryStatus
from campaigns.verp import delivery_id_from, return_path
from tests.campaigns.dsn_samples import AUTO_REPLY, HARD, SOFT, sample
from tests.campaigns.factories import DeliveryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivery(settings):
    settings.KNOBLE_BOUNCE_ADDRESS = "bounces@example.org"
    return DeliveryFactory(status=DeliveryStatus.SENT, sent_at=timezone.now(), finished_at=timezone.now())


@pytest.mark.parametrize("name", HARD)
def test_hard_bounces_name_the_delivery_and_the_permanent_status(delivery, name):
    notification = parse(sample(name, delivery))
    assert notification is not None
    assert notification.delivery_id == delivery.pk
    report = notification.bounce
    assert report is not None
    assert report.kind == BounceKind.HARD
    assert report.recipient == delivery.member.user.email.lower()
    assert report.status.startswith("5.")
    assert report.diagnostic.startswith("55")


def test_mailbox_full_is_soft(delivery):
    notification = parse(sample(SOFT, delivery))
    assert notification is not None
    assert notification.bounce is not None
    assert (notification.bounce.kind, notification.bounce.status) == (BounceKind.SOFT, "4.2.2")
    assert "Mailbox full" in notification.bounce.diagnostic


def test_an_auto_reply_is_not_a_notification(delivery):
    assert parse(sample(AUTO_REPLY, delivery)) is None


def test_the_verp_address_is_signed(delivery):
    address = return_path(delivery)
    assert address is not None
    assert address.startswith("bounces+")
    assert address.endswith("@example.org")
    assert delivery_id_from(address) == delivery.pk
    assert delivery_id_from(address.upper()) == delivery.pk  # a server that folds the case
    forged = address.replace(f"+{delivery.pk}.", f"+{delivery.pk + 1}.")
    assert delivery_id_from(forged) is None
    assert delivery_id_from("someone@example.org") is None


def test_without_a_bounce_address_messages_use_the_plain_sender(settings, delivery):
    settings.KNOBLE_BOUNCE_ADDRESS = ""
    assert return_path(delivery) is None
