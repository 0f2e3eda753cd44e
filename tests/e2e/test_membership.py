"""A person requests membership, staff approve it in the admin, and the person signs in to the portal."""

import re

import pytest
from playwright.sync_api import expect

from tests.members.factories import PASSWORD, OrganisationDomainFactory, staff_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in(page, email: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name="Sign In").click()


def test_sign_up_approval_and_first_login(page, mailoutbox, without_mfa_requirement):
    domain = OrganisationDomainFactory(domain="harbourcu.example", organisation__name="Harbour Credit Union")
    staff = staff_user(email="vetting@knoble.example")

    page.goto("/")
    page.get_by_role("link", name="Request membership").first.click()
    expect(page.get_by_role("heading", name="Request membership")).to_be_visible()
    expect(page.get_by_text("its domain tells us your organisation").first).to_be_visible()
    page.get_by_label("First name").fill("Imani")
    page.get_by_label("Last name").fill("Okafor")
    page.get_by_label("Work e-mail address").fill("imani@harbourcu.example")
    page.get_by_label("Job title").fill("Financial Intelligence Analyst")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.get_by_role("button", name="Request membership").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()

    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+)", mailoutbox[-1].body).group(1)
    page.goto(link)
    page.get_by_role("button", name="Confirm").click()
    sign_in(page, "imani@harbourcu.example", PASSWORD)
    expect(page.get_by_role("heading", name="Your membership is awaiting approval")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, staff.email, PASSWORD)
    page.goto("/admin/")
    page.get_by_role("link", name="Members awaiting approval").click()
    row = page.get_by_role("row").filter(has_text="imani@harbourcu.example")
    expect(row).to_contain_text(domain.organisation.name)
    row.get_by_role("checkbox").check()
    page.locator("select[name=action]").select_option(label="Approve selected members")
    page.get_by_role("button", name="Go").click()
    expect(page.get_by_text("Approved 1 member; they were told by e-mail.")).to_be_visible()
    page.get_by_role("button", name="Log out").click()

    sign_in(page, "imani@harbourcu.example", PASSWORD)
    expect(page.get_by_role("heading", name="Welcome, Imani")).to_be_visible()
    expect(page.get_by_text("Financial Intelligence Analyst at Harbour Credit Union")).to_be_visible()
    assert any("approved" in message.subject for message in mailoutbox)
