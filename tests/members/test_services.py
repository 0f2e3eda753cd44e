import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from members.models import Activity, Member, Origin, Source, Verb
from members.services import (
    activity_insert_sql,
    member_approve,
    member_profile_update,
    member_register,
    member_reject,
    record_activity,
    record_activity_for_members,
)
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


def test_record_activity_infers_the_origin_and_refuses_one_the_verb_does_not_allow():
    member = MemberFactory()
    assert record_activity(member=member, verb=Verb.LOGGED_IN).origin == Origin.MEMBER
    assert record_activity(member=member, verb=Verb.PROFILE_UPDATED, source=Source.ADMIN).origin == Origin.STAFF
    with pytest.raises(ValidationError, match="cannot be caused by"):
        record_activity(member=member, verb=Verb.MESSAGE_SENT, origin=Origin.MEMBER)
    assert Activity.objects.filter(member=member).count() == 2


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


# Marks members by a job-title change, standing in for a caller's own UPDATE … RETURNING member_id.
RETITLE = (
    "UPDATE members_member SET job_title = %s WHERE organisation_id = %s AND job_title = %s RETURNING id AS member_id"
)


def in_one_statement(organisation, **activity) -> int:
    """As the campaign engine does on PostgreSQL: the caller's UPDATE feeds members' INSERT."""
    insert_sql, insert_params = activity_insert_sql(member_ids_from="updated", **activity)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH updated AS ({RETITLE}) {insert_sql}",
            ["Senior analyst", organisation.pk, "Analyst", *insert_params],
        )
        return cursor.rowcount


def in_two_statements(organisation, **activity) -> int:
    """As the campaign engine does where an UPDATE cannot feed an INSERT."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(RETITLE, ["Senior analyst", organisation.pk, "Analyst"])
        member_ids = [member_id for (member_id,) in cursor.fetchall()]
        return record_activity_for_members(member_ids=member_ids, **activity)


@pytest.mark.parametrize(
    "record", [pytest.param(in_one_statement, marks=pytest.mark.postgresql_only), in_two_statements]
)
def test_an_update_and_its_activity_are_written_together(record):
    organisation = OrganisationFactory()
    changed = [MemberFactory(organisation=organisation, job_title="Analyst") for _ in range(2)]
    untouched = MemberFactory(organisation=organisation, job_title="Investigator")
    moment = timezone.now()
    count = record(
        organisation,
        verb=Verb.PROFILE_UPDATED,
        subject=organisation,
        source=Source.SYSTEM,
        details={"fields": ["job_title"]},
        occurred_at=moment,
    )
    assert count == 2
    activities = Activity.objects.filter(verb=Verb.PROFILE_UPDATED).order_by("member_id")
    assert [a.member_id for a in activities] == sorted(m.pk for m in changed)
    assert {(a.subject, a.source, a.occurred_at) for a in activities} == {(organisation, Source.SYSTEM, moment)}
    assert all(a.details == {"fields": ["job_title"]} for a in activities)
    assert set(Member.objects.filter(organisation=organisation).values_list("job_title", flat=True)) == {
        "Senior analyst",
        "Investigator",
    }
    assert not Activity.objects.filter(member=untouched, verb=Verb.PROFILE_UPDATED).exists()


@pytest.mark.parametrize(
    "record", [pytest.param(in_one_statement, marks=pytest.mark.postgresql_only), in_two_statements]
)
def test_an_update_that_changes_nothing_records_nothing(record):
    organisation = OrganisationFactory()
    MemberFactory(organisation=organisation, job_title="Investigator")
    count = record(
        organisation,
        verb=Verb.PROFILE_UPDATED,
        subject=organisation,
        source=Source.SYSTEM,
        details={},
        occurred_at=timezone.now(),
    )
    assert count == 0
    assert not Activity.objects.filter(verb=Verb.PROFILE_UPDATED).exists()


@pytest.mark.parametrize(
    "record", [pytest.param(in_one_statement, marks=pytest.mark.postgresql_only), in_two_statements]
)
def test_an_unknown_verb_refuses_the_update_too(record):
    organisation = OrganisationFactory()
    member = MemberFactory(organisation=organisation, job_title="Analyst")
    with pytest.raises(ValidationError, match="Unknown activity verb"):
        record(
            organisation,
            verb="teleported",
            subject=organisation,
            source=Source.SYSTEM,
            details={},
            occurred_at=timezone.now(),
        )
    member.refresh_from_db()
    assert member.job_title == "Analyst"


def test_vetting_decisions_name_their_author_in_the_history_outside_any_request():
    approved, rejected = (member_register(user=UserFactory()) for _ in range(2))
    staff = staff_user()
    member_approve(member=approved, by=staff, organisation=OrganisationFactory())
    member_reject(member=rejected, by=staff)
    for member in (approved, rejected):
        latest = member.history.latest()
        assert (latest.history_user, latest.history_change_reason) == (staff, Source.ADMIN)
