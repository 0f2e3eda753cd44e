"""Two members of different sectors work together in their initiative's space; the lead records a session with
its attendance and an action item; the collaboration matrix counts them."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from analytics.panels import PANELS
from analytics.panels.base import Filters
from personas.models import Sector
from spaces.models import ActionItem, DocumentVersion
from tests.e2e.test_membership import sign_in
from tests.members.factories import PASSWORD
from tests.spaces.factories import participant, working_group

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("without_mfa_requirement"),
]

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n%%EOF\n"


def test_members_discuss_upload_and_the_lead_records_a_session(browser, live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    initiative = working_group(title="IMB red-flag working group")
    rosa = participant(
        initiative,
        user__email="rosa@northbridge.example",
        user__first_name="Rosa",
        user__last_name="Silva",
        organisation__sector=Sector.FINANCIAL_INSTITUTION,
    )
    hiro = participant(
        initiative,
        user__email="hiro@metropd.example",
        user__first_name="Hiro",
        user__last_name="Tanaka",
        organisation__sector=Sector.LAW_ENFORCEMENT,
    )

    def new_page():
        context = browser.new_context(base_url=live_server.url)
        context.set_default_timeout(15_000)
        return context, context.new_page()

    context, page = new_page()
    try:
        sign_in(page, rosa.user.email, PASSWORD)
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Spaces").click()
        page.get_by_role("link", name="IMB red-flag working group").click()
        page.get_by_label("Title").first.fill("Scope of the first review")
        page.get_by_label("Message").fill("Shall we start with **recruitment**, @hiro-tanaka?")
        page.get_by_role("button", name="Post").click()
        expect(page.get_by_role("heading", name="Scope of the first review")).to_be_visible()
        expect(page.locator(".post-body strong")).to_have_text("recruitment")

        page.get_by_role("link", name="Space of IMB red-flag working group").click()
        page.locator("#id_document-file").set_input_files(
            files=[{"name": "review-sheet.pdf", "mimeType": "application/pdf", "buffer": PDF}]
        )
        page.locator("#upload-heading + form").get_by_role("button", name="Upload").click()
        expect(page.get_by_text("The document was uploaded.")).to_be_visible()
        expect(page.get_by_role("link", name="v1: review-sheet.pdf", exact=False)).to_be_visible()
    finally:
        context.close()

    context, page = new_page()
    try:
        sign_in(page, hiro.user.email, PASSWORD)
        page.get_by_role("link", name="Notifications 1 unread").click()
        notice = page.get_by_role("listitem").filter(has_text="Rosa Silva mentioned you in “Scope of the first review”")
        notice.get_by_role("button", name="Open").click()
        page.locator("#id_body").fill("Yes: recruitment first, then the financial flows.")
        page.get_by_role("button", name="Reply").click()
        expect(page.get_by_text("Yes: recruitment first, then the financial flows.")).to_be_visible()
    finally:
        context.close()

    context, page = new_page()
    try:
        sign_in(page, initiative.lead.email, PASSWORD)
        page.goto(f"/spaces/{initiative.slug}/")
        yesterday = timezone.now() - timedelta(days=1)
        page.get_by_label("Starts at").fill(yesterday.strftime("%Y-%m-%dT15:00"))
        page.locator("#id_session-title").fill("Kick-off call")
        page.get_by_role("button", name="Add the session").click()
        expect(page.get_by_role("heading", name="Kick-off call", exact=False)).to_be_visible()
        page.locator("#id_decisions").fill("Review recruitment first.")
        page.get_by_role("button", name="Save the notes").click()
        expect(page.get_by_text("The session's notes were saved.")).to_be_visible()
        page.get_by_role("button", name="Record that Rosa Silva attended").click()
        page.get_by_role("button", name="Record that Hiro Tanaka attended").click()
        expect(page.locator("#attendance-heading + ul .badge")).to_have_count(2)
        page.get_by_label("What is to be done").fill("Share the list of screened flags")
        page.get_by_label("Owner").select_option(label="Hiro Tanaka")
        page.get_by_label("Due on").fill((date.today() + timedelta(days=7)).isoformat())
        page.get_by_role("button", name="Add the action item").click()
        expect(page.get_by_role("row", name="Share the list of screened flags")).to_be_visible()
    finally:
        context.close()

    assert ActionItem.objects.get().owner == hiro
    assert DocumentVersion.objects.get().filename == "review-sheet.pdf"
    panel = PANELS["collaboration"](Filters(start=date.today() - timedelta(days=30), end=date.today()))
    rows = {row[0]: row[1:] for row in panel.rows}
    police = Sector.values.index(Sector.LAW_ENFORCEMENT)
    assert rows["Financial institution · contributing"][police] == 1
