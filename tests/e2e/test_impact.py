"""Leadership opens "Roadmap impact", follows an item to its initiatives and its jobs, and opens the printable board
pack (its print styles applied)."""

import pytest
from playwright.sync_api import expect

from analytics.rollups import rollups_refresh
from tests.e2e.test_membership import sign_in
from tests.initiatives.factories import InitiativeFactory, ParticipationFactory
from tests.members.factories import PASSWORD, MemberFactory, leadership_user
from tests.personas.factories import JobFactory
from tests.roadmap.factories import make_roadmap, place

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_leadership_follows_an_item_to_its_evidence_and_opens_the_board_pack(page, without_mfa_requirement):
    item = place(make_roadmap(), 1, 3)
    job = JobFactory(motivation="see which red flags other banks confirmed")
    item.opportunity.jobs.add(job)
    initiative = InitiativeFactory(title="Massage-business red flags working group", roadmap_item=item)
    for _ in range(2):
        ParticipationFactory(initiative=initiative, member=MemberFactory())
    rollups_refresh()
    leader = leadership_user(email="chair@knoble.example")

    sign_in(page, leader.email, PASSWORD)
    page.goto("/dashboards/")
    page.get_by_role("link", name="Roadmap impact").first.click()
    expect(page.get_by_role("heading", name="Roadmap impact")).to_be_visible()
    row = page.locator("tbody tr").filter(has_text=str(item.opportunity))
    expect(row).to_contain_text("not enough data")

    row.get_by_role("link", name="1", exact=True).first.click()  # its initiatives
    page.wait_for_url(f"**/dashboards/impact/items/{item.pk}/#initiatives")
    initiatives = page.locator("#initiatives")
    expect(initiatives.get_by_role("link", name=initiative.title)).to_be_visible()
    page.get_by_role("navigation", name="Evidence").get_by_role("link", name="Jobs").click()
    expect(page.locator("#jobs")).to_contain_text("see which red flags other banks confirmed")

    page.get_by_role("link", name="Back to the roadmap impact").click()
    page.get_by_role("link", name="Board pack").click()
    expect(page.get_by_role("heading", name="Board pack")).to_be_visible()
    expect(page.locator("#coverage-against-targets")).to_contain_text("No targets set.")
    expect(page.get_by_role("button", name="Print or save as PDF")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Print or save as PDF")).to_be_hidden()
    expect(page.locator(".board-pack").get_by_role("heading", name="Roadmap impact")).to_be_visible()
    assert len(page.pdf()) > 1000  # the browser's print to PDF
