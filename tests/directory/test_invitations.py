"""Sponsored invitations: refusals (reuse, expiry, another address, a tampered token), the invitee pending until
staff approve them, quotas under concurrent sends, sending through the worker once."""

import re
import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from directory import services
from directory.emails import invitation_send, invitation_token
from directory.models import Invitation, InvitationStatus
from members.models import Member, User
from members.services import member_approve
from tests.members.factories import PASSWORD, MemberFactory, staff_user

pytestmark = pytest.mark.django_db

SIGNUP = {
    "first_name": "Cole",
    "last_name": "League",
    "job_title": "Analyst",
    "password1": PASSWORD,
    "password2": PASSWORD,
}


def _link(mailoutbox) -> str:
    match = re.search(r"https?://[^/\s]+(/directory/join/\S+)", mailoutbox[-1].body)
    assert match, mailoutbox[-1].body
    return match.group(1)


def test_an_invitee_signs_up_verifies_and_stays_pending_until_approved(
    client, mailoutbox, django_capture_on_commit_callbacks, without_mfa_requirement
):
    sponsor = MemberFactory()
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invitation_create(
            sponsor=sponsor, email="Cole@Colleague.example", organisation=sponsor.organisation
        )
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.SENT
    link = _link(mailoutbox)
    assert sponsor.user.display_name in mailoutbox[-1].subject

    assert client.get(link).status_code == 302
    response = client.post(reverse("account_signup"), {**SIGNUP, "email": "cole@colleague.example"})
    assert response.status_code == 302
    confirm = re.search(r"https?://testserver(/accounts/confirm-email/\S+)", mailoutbox[-1].body)
    client.post(confirm.group(1))
    user = User.objects.get(email="cole@colleague.example")
    member = user.member
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ACCEPTED
    assert invitation.invitee == member
    assert member.status == Member.Status.PENDING
    assert member.organisation == sponsor.organisation

    # Pending: the invitee can act on nothing, in any channel.
    client.force_login(user)
    for url in [reverse("directory:directory"), reverse("directory:invitations"), reverse("directory:introductions")]:
        assert client.get(url).url == reverse("members:awaiting_approval")
    assert client.get("/api/v1/directory/").status_code == 403
    with pytest.raises(ValidationError):
        services.invitation_create(sponsor=member, email="next@colleague.example")

    # The approval page names the sponsor.
    client.force_login(staff_user())
    approval_page = client.get(reverse("admin:members_member_change", args=[member.pk]))
    assert sponsor.user.email in approval_page.content.decode()
    assert sponsor.user.email in client.get(reverse("admin:members_member_changelist")).content.decode()
    member_approve(member=member, by=staff_user())
    client.force_login(user)
    assert client.get(reverse("directory:directory")).status_code == 200


def test_the_link_is_refused_when_reused_expired_tampered_or_for_another_address(mailoutbox):
    sponsor = MemberFactory()
    invitation = services.invitation_create(sponsor=sponsor, email="one@else.example")
    token = invitation_token(invitation)
    with pytest.raises(ValidationError, match="different"):
        services.invitation_check(token=token, email="other@else.example")
    with pytest.raises(ValidationError, match="not valid"):
        services.invitation_check(token=token[:-1] + ("A" if token[-1] != "A" else "B"))
    forged = f"{invitation.pk + 1}.{invitation.nonce}"
    with pytest.raises(ValidationError, match="not valid"):
        services.invitation_check(token=forged + token[token.index(":") :])
    with pytest.raises(ValidationError, match="expired"):
        services.invitation_check(token=token, now=timezone.now() + timedelta(days=31))
    member = MemberFactory(user__email="one@else.example", status=Member.Status.PENDING)
    services.invitation_accept(token=token, member=member)
    with pytest.raises(ValidationError, match="already been used"):
        services.invitation_check(token=token)
    other = MemberFactory(user__email="two@else.example", status=Member.Status.PENDING)
    with pytest.raises(ValidationError):
        services.invitation_accept(token=token, member=other)


def test_a_refused_link_answers_gone(client):
    assert client.get(reverse("directory:join", args=["1.abc:tampered"])).status_code == 410


def test_an_address_already_registered_or_invited_is_refused():
    sponsor = MemberFactory()
    with pytest.raises(ValidationError, match="already registered"):
        services.invitation_create(sponsor=sponsor, email=MemberFactory().user.email.upper())
    services.invitation_create(sponsor=sponsor, email="x@y.example")
    with pytest.raises(ValidationError, match="already been invited"):
        services.invitation_create(sponsor=MemberFactory(), email="X@y.example")


def test_sending_twice_sends_once(mailoutbox):
    invitation = services.invitation_create(sponsor=MemberFactory(), email="twice@y.example")
    assert invitation_send(invitation_id=invitation.pk) is True
    assert invitation_send(invitation_id=invitation.pk) is False
    assert len(mailoutbox) == 1


def test_the_quota_depends_on_the_stage():
    member = MemberFactory()
    quota = services.invitation_quota(member)
    for n in range(quota):
        services.invitation_create(sponsor=member, email=f"q{n}@y.example")
    with pytest.raises(ValidationError, match="used all"):
        services.invitation_create(sponsor=member, email="over@y.example")


@pytest.mark.postgresql_only
def test_the_quota_holds_under_concurrent_sends(transactional_db):
    member = MemberFactory()
    quota = services.invitation_quota(member)
    attempts = quota + 4
    start = threading.Barrier(attempts)
    errors: list[BaseException] = []

    def send(n: int) -> None:
        try:
            start.wait(timeout=30)
            services.invitation_create(sponsor=member, email=f"c{n}@y.example")
        except ValidationError:
            pass
        except BaseException as error:  # reported by the main thread below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(n,)) for n in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert Invitation.objects.filter(sponsor=member).count() == quota
