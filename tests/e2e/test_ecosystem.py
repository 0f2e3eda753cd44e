"""A member opens the IMB map, chooses the exploitation stage, reads a red flag beside the passage it restates,
narrows the red flags by sector, and suggests one."""

import re

import pytest
from playwright.sync_api import expect

from ecosystem import demo
from ecosystem.models import Suggestion
from tests.e2e.test_membership import sign_in
from tests.members.factories import PASSWORD, MemberFactory, staff_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_member_explores_the_exploitation_stage_and_suggests_a_red_flag(page):
    staff_user()  # publishes the demo's red flags
    member = MemberFactory(user__email="analyst@northbridge.example", user__first_name="Ava")
    demo.seed()

    sign_in(page, member.user.email, PASSWORD)
    page.get_by_role("link", name="Ecosystem map").click()
    page.get_by_role("link", name="Illicit massage, health and beauty").click()
    expect(page.get_by_role("group", name=re.compile("Ecosystem map of Illicit massage"))).to_be_visible()

    page.get_by_role("link", name=re.compile(r"^Stage 3: Exploitation")).click()
    panel = page.locator("#red-flags")
    expect(panel.get_by_role("heading", name="Red flags: Exploitation stage")).to_be_visible()
    expect(panel).to_contain_text("Frequent payments to online escort services for advertising, from small posting")
    # The advisory's own words, beside the restatement, with where they are.
    expect(panel.locator("blockquote", has_text="including small posting fees to companies of")).to_be_visible()
    expect(panel).to_contain_text("FIN-2014-A008")

    panel.get_by_label("Observed by").select_option(label="Law enforcement")
    panel.get_by_role("button", name="Filter").click()
    expect(panel).not_to_contain_text("Frequent payments to online escort services")

    panel.get_by_role("link", name="Suggest a red flag for this stage").click()
    expect(page.get_by_label("A new red flag")).to_be_checked()
    expect(page.get_by_label("Stage where the new red flag shows")).to_have_value(re.compile(r"\d+"))
    page.get_by_label("Your suggestion").fill("Money orders bought with cash at several post offices on one day.")
    page.get_by_label("Evidence you can share").fill("Seen in two public indictments in 2024.")
    page.get_by_role("button", name="Send suggestion").click()

    expect(page.get_by_text("Knoble staff will review your suggestion")).to_be_visible()
    expect(page.get_by_text("Waiting for review")).to_be_visible()
    suggestion = Suggestion.objects.get(text__startswith="Money orders")
    assert suggestion.member == member
    assert suggestion.stage.name == "Exploitation"
