"""A member finds an initiative, joins and leaves it; another waits for a full one and is promoted; a member
follows the links between the roadmap, an initiative and the ecosystem map."""

import pytest
from playwright.sync_api import expect

from initiatives.models import InitiativeKind
from initiatives.services import initiative_join, initiative_leave
from roadmap.services import roadmap_publish
from tests.e2e.test_membership import sign_in
from tests.ecosystem.factories import StageFactory, red_flag
from tests.initiatives.factories import InitiativeFactory
from tests.members.factories import PASSWORD, MemberFactory
from tests.roadmap.factories import OpportunityFactory, make_roadmap, place

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_member_filters_joins_without_reload_sees_it_at_home_and_leaves(page):
    member = MemberFactory(user__email="rosa@northbridge.example", user__first_name="Rosa")
    InitiativeFactory(title="Typology training: the IMB model", kind=InitiativeKind.TRAINING)
    InitiativeFactory(title="Case-sharing forum pilot", kind=InitiativeKind.DATA_SHARING_PILOT)

    sign_in(page, member.user.email, PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Initiatives").click()
    page.get_by_label("Kind").select_option(label="Training")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("link", name="Case-sharing forum pilot")).to_have_count(0)
    page.get_by_role("link", name="Typology training: the IMB model").click()

    # htmx binds the join form once the page's deferred scripts have run; a click before then is a plain POST.
    page.wait_for_load_state("load")
    page.evaluate("window.stillTheSamePage = true")
    page.get_by_role("button", name="Join this initiative").click()
    expect(page.get_by_text("You are taking part in “Typology training: the IMB model”.")).to_be_focused()
    assert page.evaluate("window.stillTheSamePage") is True  # htmx swapped the panel; no reload

    page.get_by_role("link", name="For you").click()
    mine = page.get_by_role("region", name="My initiatives")
    expect(mine.get_by_role("link", name="Typology training: the IMB model")).to_be_visible()
    mine.get_by_role("link", name="Typology training: the IMB model").click()

    page.get_by_role("button", name="Leave this initiative").click()
    expect(page.get_by_text("You have left “Typology training: the IMB model”.")).to_be_visible()
    page.get_by_role("link", name="For you").click()
    expect(page.get_by_text("You are not taking part in any initiative yet.")).to_be_visible()


def test_waitlisted_member_is_promoted_and_notified_with_javascript_off(browser, live_server):
    pilot = InitiativeFactory(title="Case-sharing forum pilot", capacity=1)
    holder = MemberFactory()
    initiative_join(member=holder, initiative=pilot)
    member = MemberFactory(user__email="hiro@metropd.example")
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, member.user.email, PASSWORD)
        page.goto(f"/initiatives/{pilot.slug}/")
        page.get_by_role("button", name="Join the waitlist").click()
        expect(page.locator("#participation")).to_contain_text("You are number 1 on the waitlist.")

        initiative_leave(member=holder, initiative=pilot)  # the place opens up

        page.reload()
        expect(page.locator("#participation")).to_contain_text("You are taking part.")
        page.get_by_role("link", name="Notifications 1 unread").click()
        notice = page.get_by_role("listitem").filter(has_text="A place opened up")
        expect(notice).to_be_visible()
        notice.get_by_role("button", name="Mark as read").click()
        expect(page.get_by_role("link", name="Notifications", exact=True)).to_be_visible()
    finally:
        context.close()


def test_member_goes_from_the_roadmap_to_an_initiative_to_its_red_flag_and_back(page):
    member = MemberFactory(user__email="rosa@northbridge.example")
    roadmap = make_roadmap()
    item = place(roadmap, 1, 3, opportunity=OpportunityFactory(title="Red-flag library"))
    roadmap_publish(roadmap=roadmap, by=None)
    laundering = StageFactory(name="Laundering", category__name="Illicit massage", category__slug="imb")
    flag = red_flag(stage=laundering, indicator="Cash deposits just below the threshold")
    group = InitiativeFactory(title="IMB red-flag working group", roadmap_item=item)
    group.stages.add(laundering)
    group.red_flags.add(flag)

    sign_in(page, member.user.email, PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Roadmap").click()
    page.get_by_role("link", name="IMB red-flag working group").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("IMB red-flag working group")
    expect(page.get_by_text("Now horizon")).to_be_visible()

    page.get_by_role("link", name="Cash deposits just below the threshold").click()
    working = page.get_by_role("region", name="Initiatives working on this red flag")
    working.get_by_role("link", name="IMB red-flag working group").click()
    page.get_by_role("link", name="Laundering").click()
    panel = page.get_by_role("region", name="Initiatives working on this stage")
    expect(panel.get_by_role("link", name="IMB red-flag working group")).to_be_visible()


def test_member_subscribes_a_calendar_app_to_their_initiatives_and_stops_the_feed(page, browser, live_server, settings):
    settings.SITE_URL = live_server.url
    member = MemberFactory(user__email="rosa@northbridge.example")
    initiative_join(member=member, initiative=InitiativeFactory(title="Typology training: the IMB model"))

    sign_in(page, member.user.email, PASSWORD)
    feed = page.get_by_role("region", name="Subscribe in your calendar app")
    feed.get_by_role("button", name="Get my calendar feed address").click()
    expect(page.get_by_text("Your calendar feed is ready")).to_be_visible()
    address_field = page.get_by_label("Your calendar feed address")
    expect(address_field).to_be_focused()
    expect(address_field).not_to_be_editable()
    address = address_field.input_value()

    calendar_app = browser.new_context()  # no cookies: a calendar app fetching the address
    try:
        fetched = calendar_app.request.get(address)
        assert fetched.status == 200
        assert "SUMMARY:Typology training: the IMB model" in fetched.text()

        page.reload()
        expect(page.get_by_label("Your calendar feed address")).to_have_count(0)  # shown once
        feed.get_by_role("button", name="Stop the feed").click()
        expect(page.get_by_text("Your calendar feed is stopped")).to_be_visible()
        assert calendar_app.request.get(address).status == 404
    finally:
        calendar_app.close()
