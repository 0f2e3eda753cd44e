import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_render_under_the_sites_content_security_policy(page):
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto("/api/docs/")
    page.get_by_role("heading", name="Knoble Portal API").wait_for()
    assert page.get_by_text("/api/v1/personas/").first.is_visible()
    assert not [error for error in errors if "Content Security Policy" in error and "script" in error]
