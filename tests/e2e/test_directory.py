"""Issue 23's scenario: a detective searches the directory and asks for an introduction to a bank's liaison, who
accepts; the liaison invites a colleague, who signs up, is approved, and shows in the sponsor's dashboard panel."""

import re

import pytest
from playwright.sync_api import expect

from analytics.rollups import rollups_refresh
from directory.models import Visibility
from tests.directory.factories import ExpertiseFactory, ProfileFactory
from tests.e2e.test_membership import sign_in
from tests.members.factories import PASSWORD, MemberFactory, OrganisationFactory, leadership_user, staff_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_introduction_accepted_and_a_sponsored_colleague_approved(page, mailoutbox, without_mfa_requirement):
    bank = OrganisationFactory(name="Northbridge Bank")
    police = OrganisationFactory(name="Metro Police", sector="law_enforcement", country="US")
    liaison = ProfileFactory(
        member=MemberFactory(
            organisation=bank, user__first_name="Lena", user__last_name="Liaison", user__email="lena@bank.example"
        ),
        liaison_role="law_enforcement",
        liaison_role_visibility=Visibility.MEMBERS,
    )
    liaison.expertise.add(ExpertiseFactory(name="Financial analysis"))
    detective = MemberFactory(
        organisation=police, user__first_name="Dee", user__last_name="Detective", user__email="dee@police.example"
    )
    ProfileFactory(member=MemberFactory(organisation=police, user__first_name="Other", user__last_name="Officer"))
    staff = staff_user(email="vetting@knoble.example")
    leader = leadership_user(email="chair@knoble.example")

    # The detective finds the bank's law-enforcement liaison and asks to be introduced.
    sign_in(page, detective.user.email, PASSWORD)
    page.get_by_role("link", name="Directory").first.click()
    page.get_by_label("Role in liaison").select_option(label="Law-enforcement liaison")
    page.get_by_role("button", name="Search").click()
    entry = page.locator("li[data-member]").filter(has_text="Lena Liaison")
    expect(entry).to_contain_text("Northbridge Bank")
    expect(page.get_by_text("Other Officer")).to_have_count(0)
    expect(page.get_by_text("lena@bank.example")).to_have_count(0)
    entry.get_by_text("Ask for an introduction").click()
    entry.get_by_label("Why you would like to be introduced").fill("Funnel accounts across your branches.")
    entry.get_by_role("button", name="Send the request").click()
    expect(page.get_by_text("Awaiting an answer")).to_be_visible()
    expect(page.get_by_text("lena@bank.example")).to_have_count(0)
    page.get_by_role("button", name="Sign out").click()

    # The liaison accepts: both now see the other's contact details.
    sign_in(page, liaison.member.user.email, PASSWORD)
    page.goto("/directory/introductions/")
    expect(page.get_by_text("Funnel accounts across your branches.")).to_be_visible()
    page.get_by_role("button", name="Accept").click()
    expect(page.get_by_role("link", name="dee@police.example")).to_be_visible()

    # The liaison invites a colleague.
    page.goto("/directory/invitations/")
    page.get_by_label("Their work e-mail address").fill("cole@bank.example")
    page.get_by_label("They work at my organisation").check()
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_text("Your invitation is on its way.")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    link = re.search(r"https?://[^/\s]+(/directory/join/\S+)", mailoutbox[-1].body).group(1)

    # The colleague signs up through the link, verifies the address, and waits for approval.
    page.goto(link)
    page.get_by_label("First name").fill("Cole")
    page.get_by_label("Last name").fill("League")
    page.get_by_label("Work e-mail address").fill("cole@bank.example")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.get_by_role("button", name="Request membership").click()
    confirm = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+)", mailoutbox[-1].body).group(1)
    page.goto(confirm)
    page.get_by_role("button", name="Confirm").click()
    sign_in(page, "cole@bank.example", PASSWORD)
    expect(page.get_by_role("heading", name="Your membership is awaiting approval")).to_be_visible()
    page.goto("/directory/")
    expect(page.get_by_role("heading", name="Your membership is awaiting approval")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    # Staff see the sponsor on the approval page and approve.
    sign_in(page, staff.email, PASSWORD)
    page.goto("/admin/")
    page.get_by_role("link", name="Members awaiting approval").click()
    row = page.get_by_role("row").filter(has_text="cole@bank.example")
    expect(row).to_contain_text("lena@bank.example")
    expect(row).to_contain_text("Northbridge Bank")
    row.get_by_role("checkbox").check()
    page.locator("select[name=action]").select_option(label="Approve selected members")
    page.get_by_role("button", name="Go").click()
    expect(page.get_by_text("Approved 1 member; they were told by e-mail.")).to_be_visible()
    page.get_by_role("button", name="Log out").click()

    # Leadership see the sponsor's invitation sent, accepted and approved (the page shows the last refresh).
    rollups_refresh()
    sign_in(page, leader.email, PASSWORD)
    page.goto("/dashboards/")
    panel = page.locator("#panel-sponsors")
    panel.get_by_text("Show the figures").click()
    # Sent, accepted (signed up), approved, activated (not yet: no activity since approval).
    expect(panel.locator("tbody tr").filter(has_text="Lena Liaison").locator("td")).to_have_text(["1", "1", "1", "0"])
