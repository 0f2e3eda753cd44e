"""Browsers ask for /favicon.ico whatever a page says; the site's pages name the SVG icon and the app icons."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_favicon_ico_leads_to_the_icon_among_the_static_files(client: Client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].endswith(".ico")
    assert "img/icons/favicon" in response["Location"]
    assert "max-age=86400" in response["Cache-Control"]


def test_pages_name_the_icons_and_the_manifest(client: Client):
    content = client.get("/").content.decode()
    assert 'href="/favicon.ico"' in content
    assert "img/icons/icon" in content
    assert ".svg" in content
    assert "apple-touch-icon" in content
    assert "site" in content
    assert ".webmanifest" in content
