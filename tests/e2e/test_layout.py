"""The shell's layout in the browser: the main menu folds behind a button on a phone (with and without
JavaScript) and shows whole at 1280 px; list filters fold on a phone; the roadmap timeline shows its 18 months
without scrolling sideways at 1280 px."""

import pytest
from playwright.sync_api import expect

from tests.e2e.a11y import PHONE, WIDE, horizontal_overflow
from tests.e2e.test_membership import sign_in
from tests.initiatives.factories import InitiativeFactory
from tests.members.factories import PASSWORD, MemberFactory, staff_user
from tests.roadmap.factories import make_roadmap, place

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_the_main_menu_folds_on_a_phone_and_shows_whole_on_a_wide_screen(browser, live_server, javascript):
    MemberFactory(user__email="ada@northbridge.example")
    InitiativeFactory.create_batch(3)
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, java_script_enabled=javascript)
    page = context.new_page()
    sign_in(page, "ada@northbridge.example", PASSWORD)
    page.goto("/initiatives/")
    menu = page.get_by_role("navigation", name="Main")
    expect(menu.get_by_role("link", name="Initiatives")).to_be_hidden()
    page.locator("summary", has_text="Menu").click()
    expect(menu.get_by_role("link", name="Initiatives")).to_be_visible()
    # The filters fold too, so the results are on the first screen.
    expect(page.get_by_role("button", name="Filter", exact=True)).to_be_hidden()
    page.locator("summary", has_text="Filters").click()
    expect(page.get_by_role("button", name="Filter", exact=True)).to_be_visible()
    assert horizontal_overflow(page) == 0

    page.set_viewport_size(WIDE)
    page.reload()
    expect(page.locator("summary", has_text="Menu")).to_be_hidden()
    expect(menu.get_by_role("link", name="Initiatives")).to_be_visible()
    expect(page.get_by_role("button", name="Filter", exact=True)).to_be_visible()
    context.close()


def test_escape_folds_the_open_menu_and_returns_the_focus_to_its_button(page):
    MemberFactory(user__email="ada@northbridge.example")
    page.set_viewport_size(PHONE)
    sign_in(page, "ada@northbridge.example", PASSWORD)
    toggle = page.locator("summary", has_text="Menu")
    toggle.click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Profile").focus()
    page.keyboard.press("Escape")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Profile")).to_be_hidden()
    expect(toggle).to_be_focused()


def test_the_roadmap_timeline_shows_all_18_months_without_scrolling_at_1280(page, without_mfa_requirement):
    staff = staff_user(email="planner@knoble.example")
    roadmap = make_roadmap()
    place(roadmap, 1, 6)
    place(roadmap, 13, 18)
    page.set_viewport_size(WIDE)
    sign_in(page, staff.email, PASSWORD)
    page.goto(f"/admin/roadmap/roadmap/{roadmap.pk}/timeline/")
    expect(page.get_by_role("columnheader", name="18", exact=False).first).to_be_visible()
    scroll = page.locator(".rm-scroll")
    assert scroll.evaluate("element => element.scrollWidth - element.clientWidth") <= 0
    assert horizontal_overflow(page) == 0
