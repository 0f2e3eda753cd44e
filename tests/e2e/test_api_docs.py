import pytest
from playwright.sync_api import expect

from tests.e2e.test_membership import sign_in
from tests.members.factories import PASSWORD, MemberFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_render_under_the_sites_content_security_policy(page):
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto("/api/docs/")
    page.get_by_role("heading", name="Knoble Portal API").wait_for()
    assert page.get_by_text("/api/v1/personas/").first.is_visible()
    page.wait_for_load_state("networkidle")
    # No violation of any directive: scripts, styles, images (the favicon, the logo) or fonts.
    assert not [error for error in errors if "Content Security Policy" in error]


def test_a_member_creates_a_token_sees_it_once_uses_it_and_revokes_it(page, live_server):
    member = MemberFactory(user__email="ines@northbridge.example")
    sign_in(page, member.user.email, PASSWORD)
    page.goto("/profile/")
    page.get_by_role("link", name="API tokens").click()
    expect(page.get_by_text("You have no API tokens.")).to_be_visible()
    page.get_by_label("Name").fill("case sync")
    page.get_by_role("button", name="Create token").click()
    secret = page.get_by_label("Token", exact=True).input_value()
    assert secret.startswith("knb_")
    me, bearer = f"{live_server.url}/api/v1/me/", {"Authorization": f"Bearer {secret}"}
    # The browser's own cookies ride along, but a bearer token is checked first and a revoked one refused.
    assert page.request.get(me, headers=bearer).status == 200
    page.reload()  # shows the secret no more, and creates no second token
    expect(page.get_by_label("Token", exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name="Revoke the token case sync")).to_have_count(1)
    page.get_by_role("button", name="Revoke the token case sync").click()
    expect(page.get_by_text("The token “case sync” is revoked.")).to_be_visible()
    assert page.request.get(me, headers=bearer).status == 401
