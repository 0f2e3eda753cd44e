"""Leadership reads the dashboards: the period filled in, headline tiles, panels in sections whose figures are one
click away, the whole page within about three and a half screens at 1280 px."""

from datetime import date, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from analytics.rollups import rollups_refresh
from engagement.scoring import engagement_recompute
from members.models import Verb
from personas.models import Sector
from roadmap.models import ItemStatus
from tests.analytics.test_views import NOW, QUERY, launched_campaign_with_history, populate
from tests.e2e.a11y import assert_accessible, describe, serious_violations
from tests.e2e.test_membership import sign_in
from tests.engagement.factories import activity, onboarded_member
from tests.members.factories import PASSWORD, OrganisationFactory, leadership_user
from tests.roadmap.factories import make_roadmap, place

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
SCREEN = 800  # px: "about three and a half screens" at 1280 px wide


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
    start = page.get_by_label("From")
    expect(start).not_to_have_value("")  # the period is always filled in
    expect(page.get_by_text("Period shown:")).to_be_visible()
    page.get_by_label("Sector", exact=True).select_option(label="NGO")
    page.get_by_role("button", name="Apply filters").click()

    funnel = page.locator("#panel-funnel")
    table = funnel.get_by_role("table")
    expect(table).to_be_hidden()  # behind the disclosure, still in the page
    funnel.get_by_text("Show the figures").click()
    expect(table).to_be_visible()
    expect(table.locator("tbody tr").filter(has_text="Approved")).to_contain_text("2")
    expect(table.locator("tbody tr").filter(has_text="Activated")).to_contain_text("2")
    drawn = page.evaluate(
        "() => Boolean(window.Chart && Chart.getChart(document.querySelector('#panel-funnel canvas')))"
    )
    assert drawn
    expect(funnel.get_by_role("img")).to_be_visible()
    csv = funnel.get_by_role("link", name="Export CSV").get_attribute("href") or ""
    assert csv.startswith(f"/dashboards/panels/funnel.csv?start={start.input_value()}&end=")
    assert "sector=ngo" in csv

    tile = page.locator(".tile").filter(has_text="New members (approved)")
    expect(tile.locator(".tile-value")).to_have_text("2")
    expect(tile).to_contain_text("up 2")

    # The figures' scrolling region is reachable by keyboard and named.
    region = funnel.get_by_role("region", name="Figures: Funnel")
    region.focus()
    expect(region).to_be_focused()


def test_the_whole_dashboard_fits_in_about_three_and_a_half_screens_at_1280px(page, without_mfa_requirement):
    populate(12)
    launched_campaign_with_history()
    launched_campaign_with_history()
    roadmap = make_roadmap(first_month=(date.today().replace(day=1) - timedelta(days=200)).replace(day=1))
    place(roadmap, 1, 2, status=ItemStatus.IN_PROGRESS)
    place(roadmap, 3, 8, status=ItemStatus.DONE)
    place(roadmap, 13, 14)
    rollups_refresh(now=NOW)
    leader = leadership_user(email="chair@knoble.example")

    page.set_viewport_size({"width": 1280, "height": SCREEN})
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    sign_in(page, leader.email, PASSWORD)
    page.goto(f"/dashboards/?start={QUERY['start']}&end={NOW.date()}")
    page.wait_for_load_state("load")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "dashboards-1280.png", full_page=True)
    expect(page.locator("#panel-campaigns canvas")).to_be_visible()  # every panel has figures here
    for name in ("funnel", "active", "stages", "cohorts", "organisations", "participation", "campaigns", "roadmap"):
        expect(page.locator(f"#panel-{name} .figures")).to_have_count(1)
    assert not [text for text in console if "Content Security Policy" in text]  # the charts' data block is no script
    height = page.evaluate("() => document.documentElement.scrollHeight")
    # Seven sections since the knowledge library and network growth joined (about 2.7k px); 2.2k px with five.
    assert height <= 3.5 * SCREEN, f"the dashboard is {height}px tall"

    assert_accessible(page)

    # Every figure is one click away: opening a disclosure shows its table.
    page.locator(".figures > summary").evaluate_all("summaries => summaries.forEach((s) => s.click())")
    found = serious_violations(page)  # the tables too, each in a scrollable region a keyboard reaches
    assert not found, describe(found, "dashboards with every table open")
    campaigns = page.locator("#panel-campaigns")
    expect(campaigns.get_by_role("table")).to_be_visible()
    expect(campaigns.get_by_role("table")).not_to_contain_text("{goal}")

    # The section menu stays on screen while reading further down.
    page.get_by_role("navigation", name="Dashboard sections").get_by_role("link", name="Roadmap").click()
    expect(page.get_by_role("navigation", name="Dashboard sections")).to_be_in_viewport()

    # At 390 px the page reflows: no sideways scrolling of the page itself (wide tables scroll in their region).
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(200)
    page.screenshot(path=SCREENSHOTS / "dashboards-390.png", full_page=True)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
