"""Leadership signs in, filters the funnel by sector and sees both its chart and its table."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from analytics.rollups import rollups_refresh
from engagement.scoring import engagement_recompute
from members.models import Verb
from personas.models import Sector
from tests.e2e.test_membership import sign_in
from tests.engagement.factories import activity, onboarded_member
from tests.members.factories import PASSWORD, OrganisationFactory, leadership_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_leadership_filters_the_funnel_by_sector_and_sees_chart_and_table(page, without_mfa_requirement):
    now = timezone.now()
    for index, sector in enumerate([Sector.NGO, Sector.NGO, Sector.FINANCIAL_INSTITUTION]):
        member = onboarded_member(
            approved_at=now - timedelta(days=20 + index), organisation=OrganisationFactory(sector=sector)
        )
        activity(member, Verb.RED_FLAG_RATED, now - timedelta(days=1), times=index + 1)
    engagement_recompute()
    rollups_refresh()
    leader = leadership_user(email="chair@knoble.example")

    sign_in(page, leader.email, PASSWORD)
    page.get_by_role("link", name="Dashboards").click()
    expect(page.get_by_role("heading", name="Engagement dashboards")).to_be_visible()
    page.get_by_label("Sector", exact=True).select_option(label="NGO")
    page.get_by_role("button", name="Apply filters").click()

    funnel = page.locator("#panel-funnel")
    table = funnel.get_by_role("table")
    expect(table).to_be_visible()
    expect(table.locator("tbody tr").filter(has_text="Approved")).to_contain_text("2")
    expect(table.locator("tbody tr").filter(has_text="Activated")).to_contain_text("2")
    drawn = page.evaluate(
        "() => Boolean(window.Chart && Chart.getChart(document.querySelector('#panel-funnel canvas')))"
    )
    assert drawn
    expect(funnel.get_by_role("img")).to_be_visible()
    expect(funnel.get_by_role("link", name="Export CSV")).to_have_attribute(
        "href", "/dashboards/panels/funnel.csv?start=&end=&sector=ngo&persona=&country="
    )
