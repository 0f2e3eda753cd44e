"""A member follows a campaign's tracked link, then unsubscribes from the e-mail's link."""

import pytest
from playwright.sync_api import expect

from campaigns.tracking import click_url, unsubscribe_url
from members.models import Activity, Verb
from tests.campaigns.factories import DeliveryFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_member_follows_a_tracked_link_and_unsubscribes_in_one_click(page, live_server, settings):
    settings.SITE_URL = live_server.url
    delivery = DeliveryFactory(member__user__first_name="Rosa", member__user__last_name="Vega")

    page.goto(click_url(delivery, "/accounts/login/"))
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")

    page.goto(unsubscribe_url(delivery))
    expect(page.get_by_role("heading", name="Stop campaign e-mail?")).to_be_visible()
    expect(page.get_by_text("Rosa Vega")).to_be_visible()
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.get_by_role("heading", name="You are unsubscribed")).to_be_visible()

    delivery.member.refresh_from_db()
    assert delivery.member.consent_email is False
    assert set(Activity.objects.filter(member=delivery.member).values_list("verb", flat=True)) == {
        Verb.LINK_CLICKED,
        Verb.UNSUBSCRIBED,
    }
