import re

import pytest
from django.core import mail, signing

from campaigns import tracking
from campaigns.advance import campaigns_advance
from campaigns.models import CampaignStatus, Delivery
from members.models import Activity, Member, Verb
from tests.campaigns.factories import CampaignStepFactory, DeliveryFactory
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_one_click_unsubscribe_turns_consent_off_once_and_records_it(client):
    delivery = DeliveryFactory()
    url = tracking.unsubscribe_url(delivery).removeprefix("http://testserver")

    page = client.get(url)  # a link scanner fetching the URL changes nothing
    assert page.status_code == 200
    assert b"Stop campaign e-mail?" in page.content
    delivery.member.refresh_from_db()
    assert delivery.member.consent_email is True

    # RFC 8058: the mail client POSTs without cookies or a CSRF token.
    response = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert b"You are unsubscribed" in response.content
    client.post(url, {"List-Unsubscribe": "One-Click"})
    delivery.member.refresh_from_db()
    assert delivery.member.consent_email is False
    assert Activity.objects.filter(member=delivery.member, verb=Verb.UNSUBSCRIBED).count() == 1


def test_unsubscribe_links_work_while_someone_without_portal_access_is_signed_in(client):
    delivery = DeliveryFactory()
    client.force_login(MemberFactory(status=Member.Status.PENDING).user)
    url = tracking.unsubscribe_url(delivery).removeprefix("http://testserver")

    response = client.post(url, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    delivery.member.refresh_from_db()
    assert delivery.member.consent_email is False


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_unsubscribe_token_is_refused_and_changes_nothing(client, method):
    delivery = DeliveryFactory()
    token = tracking.unsubscribe_url(delivery).rstrip("/").rsplit("/", 1)[1]
    forged = signing.Signer(salt=tracking.UNSUBSCRIBE_SALT).sign_object(delivery.pk + 1).replace(":", ":x", 1)
    for bad in [token[:-2] + "xx", forged, "nonsense"]:
        assert getattr(client, method)(f"/campaigns/unsubscribe/{bad}/").status_code == 400
    delivery.member.refresh_from_db()
    assert delivery.member.consent_email is True
    assert not Activity.objects.filter(verb=Verb.UNSUBSCRIBED).exists()


def test_a_token_made_for_clicks_does_not_unsubscribe(client):
    delivery = DeliveryFactory()
    click_token = tracking.click_url(delivery, "/initiatives/").rstrip("/").rsplit("/", 1)[1]
    assert client.post(f"/campaigns/unsubscribe/{click_token}/").status_code == 400


def test_a_deleted_delivery_answers_404(client):
    delivery = DeliveryFactory()
    url = tracking.unsubscribe_url(delivery).removeprefix("http://testserver")
    Delivery.objects.filter(pk=delivery.pk).delete()
    assert client.post(url).status_code == 404


def test_a_click_redirects_to_the_site_records_the_first_click_and_counts_as_an_open(client):
    delivery = DeliveryFactory()
    url = tracking.click_url(delivery, "/initiatives/").removeprefix("http://testserver")
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == "http://testserver/initiatives/"
    delivery.refresh_from_db()
    assert delivery.clicked_at is not None
    assert delivery.opened_at == delivery.clicked_at
    assert Activity.objects.filter(member=delivery.member, verb=Verb.LINK_CLICKED).count() == 1


def test_a_click_to_an_allow_listed_host_redirects_there():
    delivery = DeliveryFactory(step__campaign__allowed_link_hosts="www.fincen.gov\n")
    assert tracking.click(token=_token(tracking.click_url(delivery, "https://www.fincen.gov/a"))) == (
        "https://www.fincen.gov/a"
    )


def _token(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[1]


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "javascript:alert(1)", "/\\evil.example", "ftp://x/"]
)
def test_click_links_never_redirect_off_site_even_when_signed(client, target):
    delivery = DeliveryFactory()
    response = client.get(tracking.click_url(delivery, target).removeprefix("http://testserver"))
    assert response.status_code == 404
    delivery.refresh_from_db()
    assert delivery.clicked_at is None
    assert not Activity.objects.filter(verb=Verb.LINK_CLICKED).exists()


def test_a_host_removed_from_the_allow_list_stops_redirecting(client):
    delivery = DeliveryFactory(step__campaign__allowed_link_hosts="www.fincen.gov")
    url = tracking.click_url(delivery, "https://www.fincen.gov/").removeprefix("http://testserver")
    delivery.campaign.allowed_link_hosts = ""
    delivery.campaign.save()
    assert client.get(url).status_code == 404


def test_a_tampered_click_token_is_refused(client):
    delivery = DeliveryFactory()
    token = _token(tracking.click_url(delivery, "/initiatives/"))
    value, signature = token.rsplit(":", 1)
    assert client.get(f"/campaigns/c/{value}:{signature[::-1]}/").status_code == 400
    assert client.get("/campaigns/c/garbage/").status_code == 400


def test_opens_are_recorded_only_when_the_campaign_tracks_them(client):
    untracked = DeliveryFactory()
    tracked = DeliveryFactory(step__campaign__track_opens=True)
    for delivery in (untracked, tracked):
        response = client.get(tracking.open_url(delivery).removeprefix("http://testserver"))
        assert response.status_code == 200
        assert response["Content-Type"] == "image/gif"
    untracked.refresh_from_db()
    tracked.refresh_from_db()
    assert untracked.opened_at is None
    assert tracked.opened_at is not None
    assert list(Activity.objects.filter(verb=Verb.MESSAGE_OPENED).values_list("member", flat=True)) == [
        tracked.member_id
    ]
    assert client.get("/campaigns/o/forged.gif").status_code == 400


def test_only_campaigns_that_track_opens_carry_the_image(django_capture_on_commit_callbacks):
    MemberFactory()
    for track in (False, True):
        step = CampaignStepFactory(campaign__status=CampaignStatus.RUNNING, campaign__track_opens=track)
        step.campaign.starts_at = step.campaign.created_at
        step.campaign.save()
    with django_capture_on_commit_callbacks(execute=True):
        campaigns_advance()
    htmls = sorted((m.alternatives[0][0] for m in mail.outbox), key=len)
    assert [bool(re.search(r'<img src="http://testserver/campaigns/o/[^"]+\.gif"', h)) for h in htmls] == [False, True]
