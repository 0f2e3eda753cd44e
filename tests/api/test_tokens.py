import hashlib
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from members.models import ApiToken
from members.services import api_token_create, api_token_revoke
from tests.members.factories import PASSWORD, MemberFactory

pytestmark = pytest.mark.django_db
ME = "/api/v1/me/"


def bearer(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def test_a_token_is_stored_only_as_its_sha256_and_authenticates():
    member = MemberFactory()
    token, secret = api_token_create(user=member.user, name="case sync")
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {token.digest, token.prefix}
    assert secret.startswith(token.prefix)
    response = bearer(secret).get(ME)
    assert response.status_code == 200
    assert response.json()["email"] == member.user.email
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize("state", ["revoked", "expired", "unknown", "inactive user"])
def test_an_unusable_token_is_refused_with_the_error_shape(state):
    member = MemberFactory()
    token, secret = api_token_create(user=member.user, name="old", expires_at=timezone.now() + timedelta(days=1))
    if state == "revoked":
        api_token_revoke(user=member.user, token_id=token.pk)
    elif state == "expired":
        ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    elif state == "unknown":
        secret += "x"
    else:
        member.user.is_active = False
        member.user.save()
    response = bearer(secret).get(ME)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json() == {
        "error": {
            "status": 401,
            "code": "authentication_failed",
            "message": "The token is unknown, expired or revoked.",
            "fields": {},
        }
    }


def test_a_user_cannot_revoke_another_users_token():
    mine, theirs = MemberFactory(), MemberFactory()
    token, _ = api_token_create(user=theirs.user, name="theirs")
    with pytest.raises(ApiToken.DoesNotExist):
        api_token_revoke(user=mine.user, token_id=token.pk)
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_profile_page_creates_shows_once_and_revokes_a_token(client):
    member = MemberFactory()
    client.login(email=member.user.email, password=PASSWORD)
    page = reverse("members:api_tokens")
    assert "You have no API tokens." in client.get(page).text
    created = client.post(page, {"name": "case sync", "expires_on": ""}, follow=True)
    assert created.redirect_chain == [(page, 302)]
    assert "no-store" in created["Cache-Control"]
    secret = created.context["new_secret"]
    assert secret in created.text
    assert bearer(secret).get(ME).status_code == 200
    reloaded = client.get(page).text
    assert "case sync" in reloaded
    assert secret not in reloaded
    assert ApiToken.objects.filter(user=member.user).count() == 1
    token = ApiToken.objects.get(user=member.user)
    revoked = client.post(reverse("members:api_token_revoke", args=[token.pk]), follow=True)
    assert "is revoked" in revoked.text
    assert bearer(secret).get(ME).status_code == 401


def test_the_profile_page_refuses_a_past_expiry_and_another_users_token(client):
    member, other = MemberFactory(), MemberFactory()
    theirs, _ = api_token_create(user=other.user, name="theirs")
    client.login(email=member.user.email, password=PASSWORD)
    response = client.post(reverse("members:api_tokens"), {"name": "x", "expires_on": "2000-01-01"})
    assert "Choose a day after today." in response.text
    assert not ApiToken.objects.filter(user=member.user).exists()
    assert client.post(reverse("members:api_token_revoke", args=[theirs.pk])).status_code == 404


def test_the_command_creates_a_service_token(capsys):
    member = MemberFactory()
    call_command("create_api_token", member.user.email, "--name", "crm", "--days", "30")
    secret = capsys.readouterr().out.strip()
    assert bearer(secret).get(ME).status_code == 200
    assert ApiToken.objects.get(user=member.user).expires_at is not None


def test_staff_revoke_tokens_in_the_admin(client, without_mfa_requirement):
    from tests.members.factories import staff_user

    staff = staff_user()
    member = MemberFactory()
    token, secret = api_token_create(user=member.user, name="leaked")
    client.force_login(staff)
    listing = client.get(reverse("admin:members_apitoken_changelist"))
    assert "leaked" in listing.text
    response = client.post(
        reverse("admin:members_apitoken_changelist"), {"action": "revoke", "_selected_action": [token.pk]}, follow=True
    )
    assert "Revoked 1 token(s)." in response.text
    assert bearer(secret).get(ME).status_code == 401
