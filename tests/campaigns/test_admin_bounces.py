import pytest
from django.contrib.admin import helpers
from django.urls import reverse
from django.utils import timezone

from campaigns.bounces import bounce_record
from campaigns.models import BounceKind, Channel, DeliveryStatus, UndeliverableAddress
from tests.campaigns.factories import CampaignStepFactory, DeliveryFactory
from tests.members.factories import staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, without_mfa_requirement):
    client.force_login(staff_user(email="staff@knoble.example"))
    return client


@pytest.fixture
def hard_bounce():
    now = timezone.now()
    delivery = DeliveryFactory(
        step=CampaignStepFactory(), status=DeliveryStatus.SENT, channel=Channel.EMAIL, sent_at=now, finished_at=now
    )
    bounce_record(
        delivery_id=delivery.pk,
        kind=BounceKind.HARD,
        action="failed",
        status="5.1.1",
        diagnostic="550 5.1.1 User unknown",
        message_key="<dsn-1@mx>",
    )
    return delivery


def test_the_campaign_page_shows_bounce_rates(staff_client, hard_bounce):
    page = staff_client.get(reverse("admin:campaigns_campaign_change", args=[hard_bounce.campaign_id]))
    assert page.status_code == 200
    assert "Bounce rate" in page.text
    assert "100 %" in page.text


def test_staff_clear_an_undeliverable_mark(staff_client, hard_bounce):
    mark = UndeliverableAddress.objects.get()
    response = staff_client.post(
        reverse("admin:campaigns_undeliverableaddress_changelist"),
        {"action": "clear", helpers.ACTION_CHECKBOX_NAME: [mark.pk]},
        follow=True,
    )
    assert "1 address(es) cleared" in response.text
    mark.refresh_from_db()
    assert mark.cleared_at is not None
