import re

import pytest
from django.urls import reverse

from members.models import Activity, Member, User, Verb
from members.services import member_approve
from tests.members.factories import PASSWORD, OrganisationDomainFactory, staff_user

pytestmark = pytest.mark.django_db

SIGNUP = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "job_title": "AML Investigator",
    "password1": PASSWORD,
    "password2": PASSWORD,
}


def sign_up_and_verify(client, mailoutbox, email: str) -> User:
    response = client.post(reverse("account_signup"), {**SIGNUP, "email": email})
    assert response.status_code == 302, response.content
    link = re.search(r"https?://testserver(/accounts/confirm-email/\S+)", mailoutbox[-1].body)
    assert link, mailoutbox[-1].body
    client.post(link.group(1))
    return User.objects.get(email__iexact=email)


def test_sign_up_creates_a_pending_member_who_sees_only_the_awaiting_page(client, mailoutbox):
    user = sign_up_and_verify(client, mailoutbox, "ada@unknown.example")

    member = user.member
    assert member.status == Member.Status.PENDING
    assert member.organisation is None
    assert member.job_title == "AML Investigator"
    assert list(member.activities.values_list("verb", flat=True)) == [Verb.SIGNED_UP]

    client.login(email="ada@unknown.example", password=PASSWORD)
    for url in ["/", reverse("members:profile"), reverse("members:activity"), "/admin/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url == reverse("members:awaiting_approval")
    assert b"awaiting approval" in client.get(reverse("members:awaiting_approval")).content


def test_login_before_email_verification_is_refused(client, mailoutbox):
    client.post(reverse("account_signup"), {**SIGNUP, "email": "unverified@unknown.example"})
    client.logout()
    response = client.post(reverse("account_login"), {"login": "unverified@unknown.example", "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session


def test_sign_up_from_a_member_organisation_domain_is_linked_to_it(client, mailoutbox):
    domain = OrganisationDomainFactory(domain="northbridge.example")
    user = sign_up_and_verify(client, mailoutbox, "Ada@Northbridge.example")
    assert user.member.organisation == domain.organisation


def test_approved_member_logs_in_and_reaches_the_portal(client, mailoutbox, django_capture_on_commit_callbacks):
    domain = OrganisationDomainFactory()
    user = sign_up_and_verify(client, mailoutbox, f"grace@{domain.domain}")
    client.logout()

    with django_capture_on_commit_callbacks(execute=True):
        member_approve(member=user.member, by=staff_user())

    assert "approved" in mailoutbox[-1].subject
    assert mailoutbox[-1].to == [user.email]
    assert client.login(email=user.email, password=PASSWORD)
    response = client.get("/")
    assert response.status_code == 200
    assert b"Welcome, Ada" in response.content
    verbs = set(Activity.objects.filter(member=user.member).values_list("verb", flat=True))
    assert {Verb.SIGNED_UP, Verb.APPROVED} <= verbs


def test_login_is_recorded_as_activity(client, mailoutbox):
    user = sign_up_and_verify(client, mailoutbox, "login@unknown.example")
    client.logout()
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert Activity.objects.filter(member=user.member, verb=Verb.LOGGED_IN).count() >= 1


def test_sign_up_with_an_existing_email_does_not_reveal_the_account(client, mailoutbox):
    sign_up_and_verify(client, mailoutbox, "taken@unknown.example")
    client.logout()
    response = client.post(reverse("account_signup"), {**SIGNUP, "email": "taken@unknown.example"})
    # Same answer as a new sign-up; the owner is told by e-mail instead.
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert User.objects.filter(email="taken@unknown.example").count() == 1


def test_password_reset_does_not_reveal_whether_an_account_exists(client, mailoutbox):
    sign_up_and_verify(client, mailoutbox, "known@unknown.example")
    client.logout()
    known = client.post(reverse("account_reset_password"), {"email": "known@unknown.example"})
    unknown = client.post(reverse("account_reset_password"), {"email": "nobody@unknown.example"})
    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url


@pytest.mark.parametrize(("accept", "stored"), [("es-ES,es;q=0.9", "es"), ("fr", "fr"), ("en-GB", ""), ("de", "")])
def test_sign_up_keeps_the_language_it_was_made_in(client, mailoutbox, accept, stored):
    response = client.post(
        reverse("account_signup"), {**SIGNUP, "email": "lang@unknown.example"}, HTTP_ACCEPT_LANGUAGE=accept
    )
    assert response.status_code == 302, response.content
    assert User.objects.get(email="lang@unknown.example").member.language == stored
