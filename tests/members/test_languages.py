"""The language a person reads the portal in: the profile's, else the browser's, else English; the switcher."""

import pytest
from django.conf import settings
from django.urls import reverse

from members.languages import in_language_of, language_of
from members.models import Member
from tests.members.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db


def _lang(response) -> str:
    return response["Content-Language"]


def test_a_visitor_reads_the_browser_language_else_english(client):
    assert _lang(client.get("/", HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9")) == "es"
    assert _lang(client.get("/", HTTP_ACCEPT_LANGUAGE="fr-CA")) == "fr"
    assert _lang(client.get("/", HTTP_ACCEPT_LANGUAGE="de")) == settings.LANGUAGE_CODE
    response = client.get("/")
    assert _lang(response) == settings.LANGUAGE_CODE
    assert b'<html lang="en-gb">' in response.content


def test_the_member_profile_language_wins_over_the_browser(client):
    member = MemberFactory(language="fr")
    client.force_login(member.user)
    response = client.get(reverse("members:profile"), HTTP_ACCEPT_LANGUAGE="es")
    assert _lang(response) == "fr"
    assert b'<html lang="fr">' in response.content


def test_a_member_without_a_choice_reads_the_browser_language(client):
    client.force_login(MemberFactory().user)
    assert _lang(client.get(reverse("members:profile"), HTTP_ACCEPT_LANGUAGE="es")) == "es"


def test_the_api_follows_accept_language_not_the_profile(client):
    client.force_login(MemberFactory(language="fr").user)
    assert _lang(client.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="es")) == "es"


def test_the_api_writes_its_error_messages_in_the_accept_language(client):
    client.force_login(MemberFactory().user)
    for language, message in (("es", "No existe ese punto de acceso."), ("fr", "Ce point d'accès n'existe pas.")):
        response = client.get("/api/v1/no-such-endpoint/", HTTP_ACCEPT_LANGUAGE=language)
        assert response.json()["error"]["message"] == message
    anonymous = client.__class__().get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="fr").json()["error"]["message"]
    assert "authentication" not in anonymous.lower()
    assert "credentials" not in anonymous.lower()


def test_the_switcher_is_in_the_navigation_with_a_label_and_a_button(client):
    content = client.get("/").content.decode()
    assert f'action="{reverse("set_language")}"' in content
    assert '<label for="language-switcher">' in content
    assert '<option value="es" lang="es">Español</option>' in content
    assert '<button type="submit" class="link">' in content


def test_the_switcher_sets_a_visitor_cookie_and_returns_to_the_page(client):
    response = client.post(reverse("set_language"), {"language": "es", "next": "/roadmap/"})
    assert response.status_code == 302
    assert response["Location"] == "/roadmap/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    assert _lang(client.get("/")) == "es"


def test_the_switcher_saves_a_members_choice_on_their_profile(client):
    member = MemberFactory()
    client.force_login(member.user)
    response = client.post(reverse("set_language"), {"language": "fr", "next": "/profile/"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.language == "fr"
    # It follows them to another device, whatever that browser says.
    other = client.__class__()
    other.force_login(member.user)
    assert _lang(other.get(reverse("members:profile"), HTTP_ACCEPT_LANGUAGE="es")) == "fr"


def test_the_switcher_ignores_an_unknown_language(client):
    member = MemberFactory(language="es")
    client.force_login(member.user)
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    member.refresh_from_db()
    assert member.language == "es"


def test_a_pending_member_may_switch_language(client):
    member = MemberFactory(status=Member.Status.PENDING)
    client.force_login(member.user)
    response = client.post(reverse("set_language"), {"language": "es", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    member.refresh_from_db()
    assert member.language == "es"


def test_the_profile_form_saves_the_language_and_the_browser_choice(client):
    member = MemberFactory()
    client.force_login(member.user)
    data = {"user-first_name": "Rosa", "user-last_name": "Silva", "member-job_title": "Analyst"}
    data |= {"member-timezone": "UTC", "member-consent_email": "on"}
    assert client.post(reverse("members:profile"), data | {"member-language": "es"}).status_code == 302
    member.refresh_from_db()
    assert member.language == "es"
    client.post(reverse("members:profile"), data | {"member-language": ""})
    member.refresh_from_db()
    assert member.language == ""
    response = client.post(reverse("members:profile"), data | {"member-language": "xx"})
    assert response.status_code == 200


def test_language_of_a_recipient():
    assert language_of(MemberFactory(language="es").user) == "es"
    assert language_of(MemberFactory().user) == settings.LANGUAGE_CODE
    assert language_of(UserFactory()) == settings.LANGUAGE_CODE  # staff with no member record
    assert language_of(None) == settings.LANGUAGE_CODE
    with in_language_of(MemberFactory(language="fr").user) as language:
        assert language == "fr"
