"""Role × status × channel, as data: each account first uses every channel (a session, a token, a calendar feed,
an e-mail link), then its status changes behind its back (as an UPDATE would), and every channel must answer at
once as the table says, with the same session and token."""

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from campaigns import tracking
from initiatives.services import calendar_feed_reset
from members.models import Member, User
from members.roles import LEADERSHIP_ROLE, STAFF_ROLE
from members.services import api_token_create
from tests.campaigns.factories import DeliveryFactory
from tests.members.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db

STATUSES = ("approved", "pending", "suspended", "left", "inactive")
ROLES = ("member", "leadership", "staff", "superuser")
CHANNELS = ("page", "api_token", "api_session", "feed", "email_link", "download")

# Only an approved member record opens the portal, whatever the role; the rest refuse on every channel.
ALLOWED = {(status, role) for status in ("approved",) for role in ROLES}


@pytest.fixture(autouse=True)
def _without_mfa(without_mfa_requirement):
    """The pages here are reached without the second factor: these tests are about the account's standing."""


@dataclass
class Account:
    user: User
    member: Member
    web: APIClient
    session_api: APIClient
    token_api: APIClient
    feed_url: str
    click_url: str


def make_account(role: str) -> Account:
    user = UserFactory.create(is_staff=role in ("staff", "superuser"), is_superuser=role == "superuser")
    member = MemberFactory.create(user=user)
    if role == "leadership":
        user.groups.add(Group.objects.get(name=LEADERSHIP_ROLE))
    if role == "staff":
        user.groups.add(Group.objects.get(name=STAFF_ROLE))
    web, session_api, token_api = APIClient(), APIClient(), APIClient()
    web.force_login(user)
    session_api.force_login(user)
    _, secret = api_token_create(user=user, name="matrix")
    token_api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    feed_url = f"/initiatives/feed/{calendar_feed_reset(member=member)}.ics"
    click_url = tracking.click_url(DeliveryFactory.create(member=member), "/initiatives/").removeprefix(
        "http://testserver"
    )
    return Account(user, member, web, session_api, token_api, feed_url, click_url)


def use(account: Account, channel: str) -> int:
    if channel == "page":
        return account.web.get("/initiatives/").status_code
    if channel == "api_token":
        return account.token_api.get("/api/v1/me/").status_code
    if channel == "api_session":
        return account.session_api.get("/api/v1/me/").status_code
    if channel == "feed":
        return APIClient().get(account.feed_url).status_code
    if channel == "email_link":
        return APIClient().get(account.click_url).status_code
    return account.web.get("/ecosystem/red-flags/export.csv").status_code


SUCCESS = {"page": 200, "api_token": 200, "api_session": 200, "feed": 200, "email_link": 302, "download": 200}


def change(account: Account, status: str) -> None:
    """Behind the account's back, as the outside check did: no service, so nothing but the gate can refuse."""
    if status == "inactive":
        User.objects.filter(pk=account.user.pk).update(is_active=False)
    elif status != "approved":
        Member.objects.filter(pk=account.member.pk).update(status=status)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("status", STATUSES)
def test_every_channel_answers_as_the_table_says_at_once(role, status):
    account = make_account(role)
    assert {channel: use(account, channel) for channel in CHANNELS} == SUCCESS
    change(account, status)
    answers = {channel: use(account, channel) for channel in CHANNELS}
    if (status, role) in ALLOWED:
        assert answers == SUCCESS
    else:
        refused = {channel: code for channel, code in answers.items() if code != SUCCESS[channel]}
        assert refused.keys() == set(CHANNELS), answers


@pytest.mark.parametrize("status", ["suspended", "left"])
def test_a_shut_out_account_is_told_why_on_every_channel(status):
    account = make_account("staff")
    change(account, status)
    page = account.web.get("/admin/")
    assert page.status_code == 403
    assert b"You cannot use the portal" in page.content
    for client in (account.token_api, account.session_api):
        error = client.get("/api/v1/initiatives/").json()["error"]
        assert (error["status"], error["code"]) == (403, f"account_{status}")
    assert account.web.get(account.click_url).status_code == 403
    assert not account.user.__class__.objects.get(pk=account.user.pk).has_perm("members.use_portal")
