"""allauth's account pages speak in the site's voice (sentence case, plain words), not allauth's wording."""

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse

from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db

ALLAUTH_WORDING = [
    "Change Password",
    "Password Reset",
    "Sign Out",
    "Two-Factor Authentication",
    "Authenticator App",
    "Recovery Codes",
    "Confirm Email Address",
    "Verify Your Email Address",
    "Confirm Access",
    "Sessions</h1>",
]


def _page(client, url: str, heading: str) -> str:
    response = client.get(url, follow=True)
    assert response.status_code == 200, url
    content = response.content.decode()
    assert f"<h1>{heading}</h1>" in content, url
    for wording in ALLAUTH_WORDING:
        assert wording not in content, (url, wording)
    return content


@pytest.mark.parametrize(
    ("name", "heading"),
    [
        ("account_reset_password", "Reset your password"),
        ("account_reset_password_done", "Check your e-mail"),
        ("account_email_verification_sent", "Check your e-mail"),
    ],
)
def test_visitor_account_pages_speak_in_the_site_s_voice(client, name, heading):
    _page(client, reverse(name), heading)


def test_a_used_or_expired_reset_link_says_so_and_offers_a_new_one(client):
    url = reverse("account_reset_password_from_key", kwargs={"uidb36": "zz", "key": "bad-key"})
    content = _page(client, url, "This link no longer works")
    assert reverse("account_reset_password") in content


def test_an_invalid_confirmation_link_says_so(client):
    content = _page(client, reverse("account_confirm_email", args=["nope"]), "Confirm your e-mail address")
    assert "has expired or is not valid" in content


@pytest.mark.parametrize(
    ("name", "heading"),
    [
        ("account_change_password", "Change your password"),
        ("account_logout", "Sign out"),
        ("mfa_index", "Two-factor authentication"),
        ("usersessions_list", "Signed-in devices"),
        # Turning on two-factor asks first who you are (a fresh sign-in): that page speaks plainly too.
        ("mfa_activate_totp", "Confirm it is you"),
    ],
)
def test_member_account_pages_speak_in_the_site_s_voice(client, without_mfa_requirement, name, heading):
    member = MemberFactory()
    client.force_login(member.user)
    content = _page(client, reverse(name), heading)
    assert 'aria-label="Your account"' in content or "auth-card" in content


def test_two_factor_pages_style_turning_off_and_replacing_codes_as_danger(client, without_mfa_requirement):
    member = MemberFactory()
    TOTP.activate(member.user, generate_totp_secret())
    RecoveryCodes.activate(member.user)
    client.force_login(member.user)
    index = _page(client, reverse("mfa_index"), "Two-factor authentication")
    assert "Turn off" in index
    assert 'class="button danger"' in index
    assert "codes left" in index
    sessions = _page(client, reverse("usersessions_list"), "Signed-in devices")
    assert 'role="region"' in sessions
