"""E-mail consent: opt-in at sign-up and on the profile, an append-only history of when, how and on what wording,
withdrawal through the unsubscribe link, staff recording a member's request with a reason."""

import pytest
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.urls import reverse

from campaigns import tracking
from members.consent import (
    EMAIL_CONSENT_VERSION,
    consent_give,
    consent_is_unrecorded,
    consent_withdraw,
    email_consent_wording,
    unsubscribe_wording,
)
from members.models import ConsentMethod, EmailConsent, Member, Verb
from members.services import member_approve
from tests.campaigns.factories import DeliveryFactory
from tests.members.factories import MemberFactory, OrganisationDomainFactory, staff_user
from tests.members.test_signup_flow import SIGNUP

pytestmark = pytest.mark.django_db


def test_the_history_is_append_only_in_the_database():
    member = MemberFactory(consent_email=False)
    record = consent_give(member=member, how=ConsentMethod.PROFILE, wording=email_consent_wording())
    with pytest.raises(DatabaseError), transaction.atomic():
        EmailConsent.objects.filter(pk=record.pk).update(given=False)
    record.refresh_from_db()
    assert record.given is True


@pytest.mark.postgresql_only
def test_the_history_cannot_be_deleted_on_postgresql():
    member = MemberFactory(consent_email=False)
    record = consent_give(member=member, how=ConsentMethod.PROFILE, wording=email_consent_wording())
    with pytest.raises(DatabaseError), transaction.atomic():
        EmailConsent.objects.filter(pk=record.pk).delete()
    assert EmailConsent.objects.filter(pk=record.pk).exists()


def test_the_sign_up_box_starts_unticked_and_leaving_it_so_gives_no_consent(client):
    page = client.get(reverse("account_signup")).content.decode()
    assert email_consent_wording() in page
    assert 'name="consent_email"' in page
    assert "checked" not in page.split('name="consent_email"')[1].split(">")[0]

    response = client.post(reverse("account_signup"), {**SIGNUP, "email": "ada@unknown.example"})

    assert response.status_code == 302
    member = Member.objects.get(user__email="ada@unknown.example")
    assert member.consent_email is False
    assert not EmailConsent.objects.filter(member=member).exists()


def test_ticking_the_sign_up_box_records_how_and_the_wording_shown(client):
    response = client.post(reverse("account_signup"), {**SIGNUP, "email": "ada@unknown.example", "consent_email": "on"})

    assert response.status_code == 302
    member = Member.objects.get(user__email="ada@unknown.example")
    assert member.consent_email is True
    record = EmailConsent.objects.get(member=member)
    assert (record.given, record.how, record.wording, record.wording_version, record.by) == (
        True,
        ConsentMethod.SIGN_UP,
        email_consent_wording(),
        EMAIL_CONSENT_VERSION,
        None,
    )


def test_the_profile_box_gives_and_withdraws_consent_and_each_change_is_recorded(client):
    member = MemberFactory(consent_email=False)
    client.force_login(member.user)
    form = {"user-first_name": "Ada", "user-last_name": "L", "member-job_title": "", "member-timezone": "UTC"}

    client.post(reverse("members:profile"), {**form, "member-consent_email": "on"})
    client.post(reverse("members:profile"), {**form, "member-consent_email": "on"})  # no change: nothing new
    client.post(reverse("members:profile"), form)

    member.refresh_from_db()
    assert member.consent_email is False
    history = list(EmailConsent.objects.filter(member=member).order_by("id").values_list("given", "how", "wording"))
    assert history == [
        (True, ConsentMethod.PROFILE, email_consent_wording()),
        (False, ConsentMethod.PROFILE, email_consent_wording()),
    ]
    changes = member.activities.filter(verb=Verb.PROFILE_UPDATED).values_list("details", flat=True)
    assert sum("consent_email" in details["fields"] for details in changes) == 2


def test_unrecorded_consent_shows_unticked_on_the_profile_and_ticking_records_it(client):
    member = MemberFactory(consent_email=True)
    EmailConsent.objects.create(member=member, given=True, how=ConsentMethod.UNRECORDED)
    assert consent_is_unrecorded(member=member)
    client.force_login(member.user)

    page = client.get(reverse("members:profile")).content.decode()
    assert "checked" not in page.split('name="member-consent_email"')[1].split(">")[0]
    assert "We have no record of when you agreed" in page

    form = {"user-first_name": "Ada", "user-last_name": "L", "member-timezone": "UTC", "member-consent_email": "on"}
    client.post(reverse("members:profile"), form)

    assert not consent_is_unrecorded(member=member)
    assert EmailConsent.objects.filter(member=member).latest("id").how == ConsentMethod.PROFILE


def test_the_unsubscribe_link_records_a_withdrawal_once(client):
    delivery = DeliveryFactory()
    consent_give(member=delivery.member, how=ConsentMethod.SIGN_UP, wording=email_consent_wording())
    url = tracking.unsubscribe_url(delivery).removeprefix("http://testserver")

    client.post(url, {"List-Unsubscribe": "One-Click"})
    client.post(url, {"List-Unsubscribe": "One-Click"})

    delivery.member.refresh_from_db()
    assert delivery.member.consent_email is False
    latest = EmailConsent.objects.filter(member=delivery.member).latest("id")
    assert (latest.given, latest.how, latest.wording) == (False, ConsentMethod.UNSUBSCRIBE_LINK, unsubscribe_wording())
    assert EmailConsent.objects.filter(member=delivery.member, given=False).count() == 1


def test_staff_need_a_reason_and_their_name():
    member = MemberFactory(consent_email=False)
    staff = staff_user()
    for by, reason in [(staff, ""), (staff, "   "), (None, "Asked by phone on 3 December")]:
        with pytest.raises(ValidationError):
            consent_give(member=member, how=ConsentMethod.STAFF, wording=email_consent_wording(), by=by, reason=reason)
    assert not EmailConsent.objects.filter(member=member).exists()

    consent_give(
        member=member, how=ConsentMethod.STAFF, wording=email_consent_wording(), by=staff, reason="Asked by phone"
    )

    member.refresh_from_db()
    assert member.consent_email is True
    record = EmailConsent.objects.get(member=member)
    assert (record.by, record.reason) == (staff, "Asked by phone")
    assert member.history.latest().history_user == staff


def test_the_database_refuses_a_staff_record_without_a_reason():
    member = MemberFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        EmailConsent.objects.create(member=member, given=True, how=ConsentMethod.STAFF, wording="w", by=staff_user())


def test_unknown_or_unrecorded_methods_and_empty_wording_are_refused():
    member = MemberFactory()
    for how, wording in [("carrier_pigeon", "w"), (ConsentMethod.UNRECORDED, "w"), (ConsentMethod.PROFILE, " ")]:
        with pytest.raises(ValidationError):
            consent_withdraw(member=member, how=how, wording=wording)
    member.refresh_from_db()
    assert member.consent_email is True
    assert not EmailConsent.objects.exists()


def test_staff_record_a_request_from_the_member_list_with_a_reason(client, without_mfa_requirement):
    client.force_login(staff_user())
    members = MemberFactory.create_batch(2, consent_email=False)
    changelist = reverse("admin:members_member_changelist")
    action = {"action": "record_consent_given", helpers.ACTION_CHECKBOX_NAME: [m.pk for m in members]}

    refused = client.post(changelist, action, follow=True).content.decode()
    assert "describe the request" in refused
    assert not EmailConsent.objects.exists()

    done = client.post(changelist, {**action, "reason": "E-mailed us on 3 December"}, follow=True).content.decode()
    assert "Recorded e-mail consent for 2 members." in done
    assert set(Member.objects.values_list("consent_email", flat=True)) == {True}

    page = client.get(reverse("admin:members_member_change", args=[members[0].pk])).content.decode()
    assert "E-mailed us on 3 December" in page


def test_consent_cannot_be_set_through_the_api(client):
    member = MemberFactory(consent_email=False)
    client.force_login(member.user)
    response = client.patch("/api/v1/me/", {"consent_email": True}, content_type="application/json")
    assert response.status_code == 200
    member.refresh_from_db()
    assert member.consent_email is False


def test_service_email_is_sent_without_consent(client, mailoutbox, django_capture_on_commit_callbacks):
    domain = OrganisationDomainFactory()
    client.post(reverse("account_signup"), {**SIGNUP, "email": f"ada@{domain.domain}"})
    member = Member.objects.get(user__email=f"ada@{domain.domain}")
    with django_capture_on_commit_callbacks(execute=True):
        member_approve(member=member, by=staff_user())
    # Service e-mail stays outside consent: the person hears of the decision all the same.
    assert any("approved" in message.subject for message in mailoutbox)
    assert Member.objects.get(pk=member.pk).consent_email is False
