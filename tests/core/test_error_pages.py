"""The error pages (400, 403, 404, 429, 500, the refused CSRF check) in the site's design, each with a way back; the
API keeps its JSON error shape."""

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from core.api_base import api_aware_server_error
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db

WAY_BACK = 'href="/">Go to the home page</a>'


def _designed(html: str, heading: str) -> None:
    assert heading in html
    assert WAY_BACK in html
    assert 'class="site-header"' in html  # the site's own header and style, not a bare status line
    assert "/static/css/site" in html


def test_a_member_opening_the_dashboards_gets_the_designed_403_with_the_portal_navigation(client):
    client.force_login(MemberFactory().user)
    response = client.get(reverse("dashboards:index"))
    assert response.status_code == 403
    html = response.content.decode()
    _designed(html, "This page is not open to you")
    assert reverse("members:profile") in html  # signed in: the portal's menu is there


def test_an_unknown_page_gets_the_designed_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    _designed(html, "We cannot find that page")
    assert reverse("account_login") in html  # signed out: the way in is offered too


def test_a_bad_request_gets_the_designed_400(client):
    response = client.get("/", HTTP_HOST="not-our-site.example")  # Django refuses the host: 400
    assert response.status_code == 400
    _designed(response.content.decode(), "We could not understand that request")


def test_the_429_page_is_designed(client):
    email = MemberFactory().user.email
    for _ in range(7):
        response = client.post(reverse("account_login"), {"login": email, "password": "wrong-password"})
    assert response.status_code == 429
    _designed(response.content.decode(), "Too many attempts")


def test_the_500_page_is_designed_and_needs_no_database_or_context(django_assert_num_queries):
    with django_assert_num_queries(0):
        response = api_aware_server_error(RequestFactory().get("/initiatives/"))
    assert response.status_code == 500
    _designed(response.content.decode(), "Something went wrong on our side")


def test_the_500_page_declares_the_language_it_is_written_in():
    with translation.override("fr"):
        html = api_aware_server_error(RequestFactory().get("/initiatives/")).content.decode()
    assert '<html lang="fr">' in html
    assert "Something went wrong on our side" not in html


def test_a_refused_csrf_check_gets_the_designed_page():
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("account_login"), {"login": "a@example.org", "password": "x"})
    assert response.status_code == 403
    _designed(response.content.decode(), "This form has expired")


def test_the_api_keeps_its_json_error_shape(client):
    response = client.get("/api/v1/no-such-endpoint/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert api_aware_server_error(RequestFactory().get("/api/v1/me/")).status_code == 500
