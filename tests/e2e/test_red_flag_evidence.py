"""Staff import a red flag with its source, locator and quote; a second staff member verifies and publishes
it; a member filters the library by jurisdiction and reads the quote beside the restatement."""

import pytest
from playwright.sync_api import expect

from ecosystem.models import RedFlag, ReviewState
from tests.e2e.test_membership import sign_in
from tests.ecosystem.factories import CategoryFactory, SourceFactory, StageFactory
from tests.members.factories import PASSWORD, MemberFactory, staff_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Test wording, not a real advisory's.
QUOTE = "Frequent payments for the lodging of several workers by one business."
CSV = (
    "category,stage,indicator,observed_by,source,locator,quote,confidence,jurisdiction\n"
    f'imb,Exploitation,A business pays for several workers\' lodging.,bank,test-advisory,Section 2,"{QUOTE}",high,'
    "United States\n"
).encode()


def choose_action(page, label: str) -> None:
    page.get_by_role("row").filter(has_text="A business pays for several workers").get_by_role("checkbox").check()
    page.locator("select[name=action]").select_option(label=label)
    page.get_by_role("button", name="Go").click()


def test_a_red_flag_goes_from_its_source_through_a_second_reviewer_to_members(page, without_mfa_requirement):
    StageFactory(name="Exploitation", category=CategoryFactory(slug="imb", name="Illicit massage"))
    SourceFactory(key="test-advisory", issuer="FinCEN", document_number="FIN-0000-T001")
    author, reviewer = staff_user(email="author@knoble.example"), staff_user(email="reviewer@knoble.example")
    member = MemberFactory(user__email="analyst@northbridge.example")

    sign_in(page, author.email, PASSWORD)
    page.goto("/admin/ecosystem/redflag/import/")
    page.set_input_files("input[name=file]", files=[{"name": "flags.csv", "mimeType": "text/csv", "buffer": CSV}])
    page.get_by_role("button", name="Import").click()
    expect(page.locator(".messagelist")).to_contain_text("Imported: 1 new red flag(s) as drafts")
    choose_action(page, "Send selected drafts for review")
    expect(page.locator(".messagelist")).to_contain_text("Send for review: done for 1.")
    choose_action(page, "Verify selected red flags against their sources")
    expect(page.locator(".messagelist")).to_contain_text("its author cannot")
    page.get_by_role("button", name="Log out").click()

    sign_in(page, reviewer.email, PASSWORD)
    page.goto("/admin/ecosystem/redflag/")
    choose_action(page, "Verify selected red flags against their sources")
    expect(page.locator(".messagelist")).to_contain_text("Verify: done for 1.")
    choose_action(page, "Publish selected red flags (asks for a reason and the label)")
    page.get_by_label("Reason (kept with the version)").fill("Checked against Section 2")
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator(".messagelist")).to_contain_text("Publish red flags: done for 1.")
    page.get_by_role("button", name="Log out").click()
    flag = RedFlag.objects.get()
    assert (flag.review_state, flag.author, flag.verified_by) == (ReviewState.PUBLISHED, author, reviewer)

    sign_in(page, member.user.email, PASSWORD)
    page.goto("/ecosystem/red-flags/")
    page.get_by_label("Applies in").select_option(label="United States")
    page.get_by_role("button", name="Search").click()
    card = page.locator("article.eco-flag", has_text="A business pays for several workers' lodging.")
    expect(card.locator("blockquote")).to_contain_text(QUOTE)
    expect(card).to_contain_text("FIN-0000-T001")
    expect(card).to_contain_text("Section 2")
    expect(card).to_contain_text("Verified against its sources by a second staff member")
