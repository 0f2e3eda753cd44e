import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction

from members.models import Activity, Member, Verb
from members.services import member_approve, member_profile_update, member_register, member_reject, record_activity
from tests.members.factories import (
    MemberFactory,
    OrganisationDomainFactory,
    OrganisationFactory,
    UserFactory,
    staff_user,
)

pytestmark = pytest.mark.django_db


def test_register_links_the_organisation_by_email_domain():
    domain = OrganisationDomainFactory(domain="harbourcu.example")
    member = member_register(user=UserFactory(email="kim@harbourcu.example"))
    assert member.organisation == domain.organisation
    assert member.status == Member.Status.PENDING


def test_approve_without_organisation_is_refused_and_changes_nothing(mailoutbox, django_capture_on_commit_callbacks):
    member = member_register(user=UserFactory(email="kim@nowhere.example"))
    with (
        pytest.raises(ValidationError, match="Choose an organisation"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        member_approve(member=member, by=staff_user())
    member.refresh_from_db()
    assert member.status == Member.Status.PENDING
    assert not member.user.has_perm("members.use_portal")
    assert mailoutbox == []
    assert not Activity.objects.filter(member=member, verb=Verb.APPROVED).exists()


def test_approve_with_a_chosen_organisation_grants_the_portal(mailoutbox, django_capture_on_commit_callbacks):
    member = member_register(user=UserFactory(email="kim@nowhere.example"))
    organisation = OrganisationFactory()
    staff = staff_user()
    with django_capture_on_commit_callbacks(execute=True):
        member_approve(member=member, by=staff, organisation=organisation)
    member.refresh_from_db()
    assert (member.status, member.organisation, member.status_changed_by) == ("approved", organisation, staff)
    assert member.status_changed_at is not None
    user = type(member.user).objects.get(pk=member.user.pk)  # fresh permission cache
    assert user.has_perm("members.use_portal")
    assert len(mailoutbox) == 1


def test_reject_tells_the_person_and_keeps_the_portal_closed(mailoutbox, django_capture_on_commit_callbacks):
    member = member_register(user=UserFactory(email="kim@nowhere.example"))
    with django_capture_on_commit_callbacks(execute=True):
        member_reject(member=member, by=staff_user())
    member.refresh_from_db()
    assert member.status == Member.Status.REJECTED
    assert "membership request" in mailoutbox[0].subject
    assert Activity.objects.filter(member=member, verb=Verb.REJECTED).exists()


def test_a_decision_cannot_be_taken_twice(django_capture_on_commit_callbacks):
    member = MemberFactory()
    with pytest.raises(ValidationError, match="not pending"):
        member_reject(member=member, by=staff_user())
    member.refresh_from_db()
    assert member.status == Member.Status.APPROVED


def test_database_refuses_an_approved_member_without_organisation():
    member = MemberFactory(status=Member.Status.PENDING, organisation=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        Member.objects.filter(pk=member.pk).update(status=Member.Status.APPROVED)


def test_activity_is_append_only_in_the_database():
    activity = record_activity(member=MemberFactory(), verb=Verb.LOGGED_IN)
    with pytest.raises(DatabaseError), transaction.atomic():
        Activity.objects.filter(pk=activity.pk).update(verb=Verb.APPROVED)
    activity.refresh_from_db()
    assert activity.verb == Verb.LOGGED_IN


def test_record_activity_rejects_an_unknown_verb():
    member = MemberFactory()
    with pytest.raises(ValidationError, match="Unknown activity verb"):
        record_activity(member=member, verb="teleported")
    assert not Activity.objects.filter(member=member).exists()


def test_record_activity_keeps_its_subject():
    member = MemberFactory()
    organisation = OrganisationFactory()
    activity = record_activity(member=member, verb=Verb.RESOURCE_VIEWED, subject=organisation, details={"page": 2})
    activity.refresh_from_db()
    assert activity.subject == organisation
    assert activity.details == {"page": 2}


def test_profile_update_records_the_changed_field_names_only():
    member = MemberFactory(job_title="Analyst")
    member_profile_update(
        member=member,
        user_fields={"first_name": "New", "last_name": member.user.last_name},
        member_fields={"job_title": "Analyst", "timezone": "Europe/London", "consent_email": True},
    )
    activity = Activity.objects.get(member=member, verb=Verb.PROFILE_UPDATED)
    assert activity.details == {"fields": ["first_name", "timezone"]}


def test_profile_update_without_changes_records_nothing():
    member = MemberFactory()
    member_profile_update(
        member=member, user_fields={"first_name": member.user.first_name}, member_fields={"job_title": member.job_title}
    )
    assert not Activity.objects.filter(member=member, verb=Verb.PROFILE_UPDATED).exists()
