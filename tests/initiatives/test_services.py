from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from initiatives.models import CalendarFeed, InitiativeStatus, Participation, ParticipationRole, ParticipationStatus
from initiatives.services import (
    CALENDAR_FEED_MARKER,
    attendance_record,
    calendar_feed_mark_fetched,
    calendar_feed_reset,
    calendar_feed_revoke,
    calendar_feeds_revoke,
    initiative_join,
    initiative_leave,
    initiative_save,
    initiative_set_status,
    participation_add,
    participation_remove,
    participation_set_role,
    waitlist_position,
)
from members.models import Activity, Member, Notification, NotificationKind, Origin, Source, Verb
from members.services import notification_create, notification_mark_read, notifications_mark_all_read
from personas.models import Persona, Sector
from tests.initiatives.factories import (
    EligibleSectorFactory,
    InitiativeFactory,
    InitiativeSessionFactory,
    NotificationFactory,
)
from tests.members.factories import MemberFactory, UserFactory, staff_user

pytestmark = pytest.mark.django_db


def verbs(member: Member) -> list[str]:
    return list(Activity.objects.filter(member=member).order_by("id").values_list("verb", flat=True))


def test_an_approved_member_joins_and_it_is_recorded():
    member, initiative = MemberFactory(), InitiativeFactory()
    participation = initiative_join(member=member, initiative=initiative)
    assert participation.status == ParticipationStatus.ACTIVE
    assert participation.joined_at is not None
    assert participation.role == ParticipationRole.PARTICIPANT
    assert verbs(member) == [Verb.INITIATIVE_JOINED]
    assert Activity.objects.get(member=member).subject == initiative


def test_joining_twice_is_harmless():
    member, initiative = MemberFactory(), InitiativeFactory()
    first = initiative_join(member=member, initiative=initiative)
    again = initiative_join(member=member, initiative=initiative)
    assert again.pk == first.pk
    assert Participation.objects.count() == 1
    assert verbs(member) == [Verb.INITIATIVE_JOINED]


@pytest.mark.parametrize("status", [Member.Status.PENDING, Member.Status.SUSPENDED, Member.Status.LEFT])
def test_only_approved_members_may_join(status):
    member = MemberFactory(status=status)
    with pytest.raises(ValidationError, match="Only approved members"):
        initiative_join(member=member, initiative=InitiativeFactory())
    assert not Participation.objects.exists()
    assert not Activity.objects.filter(member=member).exists()


@pytest.mark.parametrize(
    "status", [InitiativeStatus.DRAFT, InitiativeStatus.CLOSED, InitiativeStatus.COMPLETED, InitiativeStatus.CANCELLED]
)
def test_initiatives_that_are_not_open_refuse_with_their_status(status):
    initiative = InitiativeFactory(status=status)
    with pytest.raises(ValidationError, match=f"is {status.label.lower()}"):
        initiative_join(member=MemberFactory(), initiative=initiative)
    assert not Participation.objects.exists()


@pytest.mark.parametrize(
    ("opens_in", "closes_in"),
    [(timedelta(days=1), None), (None, -timedelta(minutes=1)), (timedelta(hours=1), timedelta(days=2))],
)
def test_join_only_inside_the_signup_window(opens_in, closes_in):
    now = timezone.now()
    initiative = InitiativeFactory(
        signup_opens_at=now + opens_in if opens_in else None, signup_closes_at=now + closes_in if closes_in else None
    )
    with pytest.raises(ValidationError, match=r"Sign-up .* is not open"):
        initiative_join(member=MemberFactory(), initiative=initiative)


def test_eligible_sectors_restrict_but_target_personas_do_not():
    initiative = InitiativeFactory()
    EligibleSectorFactory(initiative=initiative, sector=Sector.LAW_ENFORCEMENT)
    initiative.target_personas.add(Persona.objects.create(name="Federal prosecutor", sector=Sector.PROSECUTOR))
    banker = MemberFactory(organisation__sector=Sector.FINANCIAL_INSTITUTION)
    detective = MemberFactory(organisation__sector=Sector.LAW_ENFORCEMENT)

    with pytest.raises(ValidationError, match="open only to members from: Law enforcement"):
        initiative_join(member=banker, initiative=initiative)
    assert initiative_join(member=detective, initiative=initiative).status == ParticipationStatus.ACTIVE


def test_when_full_members_are_waitlisted_with_their_position():
    initiative = InitiativeFactory(capacity=2)
    members = MemberFactory.create_batch(5)
    results = [initiative_join(member=member, initiative=initiative) for member in members]
    assert [p.status for p in results] == ["active", "active", "waitlisted", "waitlisted", "waitlisted"]
    assert [waitlist_position(p) for p in results] == [None, None, 1, 2, 3]
    waitlisted = Activity.objects.get(member=members[3])
    assert (waitlisted.verb, waitlisted.details) == (Verb.INITIATIVE_WAITLISTED, {"position": 2})


def test_when_full_without_a_waitlist_joining_is_refused():
    initiative = InitiativeFactory(capacity=1, has_waitlist=False)
    initiative_join(member=MemberFactory(), initiative=initiative)
    late = MemberFactory()
    with pytest.raises(ValidationError, match="is full"):
        initiative_join(member=late, initiative=initiative)
    assert not Participation.objects.filter(member=late).exists()


def test_leaving_frees_the_place_for_the_first_in_line_who_is_told():
    initiative = InitiativeFactory(capacity=1)
    first, second, third = MemberFactory.create_batch(3)
    for member in (first, second, third):
        initiative_join(member=member, initiative=initiative)

    left = initiative_leave(member=first, initiative=initiative)

    assert (left.status, left.left_at is not None) == (ParticipationStatus.LEFT, True)
    promoted = Participation.objects.get(member=second)
    assert promoted.status == ParticipationStatus.ACTIVE
    assert waitlist_position(Participation.objects.get(member=third)) == 1
    assert verbs(first) == [Verb.INITIATIVE_JOINED, Verb.INITIATIVE_LEFT]
    assert verbs(second) == [Verb.INITIATIVE_WAITLISTED, Verb.INITIATIVE_PROMOTED]
    notice = Notification.objects.get(member=second)
    assert notice.kind == NotificationKind.PROMOTED
    assert notice.url == initiative.get_absolute_url()
    assert not Notification.objects.filter(member=third).exists()


def test_leaving_the_waitlist_promotes_nobody_and_leaving_twice_is_harmless():
    initiative = InitiativeFactory(capacity=1)
    holder, waiting, behind = MemberFactory.create_batch(3)
    for member in (holder, waiting, behind):
        initiative_join(member=member, initiative=initiative)
    initiative_leave(member=waiting, initiative=initiative)
    initiative_leave(member=waiting, initiative=initiative)
    assert Participation.objects.get(member=holder).status == ParticipationStatus.ACTIVE
    assert waitlist_position(Participation.objects.get(member=behind)) == 1
    assert verbs(waiting) == [Verb.INITIATIVE_WAITLISTED, Verb.INITIATIVE_LEFT]
    assert Activity.objects.get(member=waiting, verb=Verb.INITIATIVE_LEFT).details == {"from": "waitlist"}


def test_leaving_what_you_never_joined_is_refused():
    with pytest.raises(ValidationError, match="not taking part"):
        initiative_leave(member=MemberFactory(), initiative=InitiativeFactory())


def test_a_member_who_left_may_rejoin_at_the_end_of_the_queue():
    initiative = InitiativeFactory(capacity=1)
    member, other = MemberFactory(), MemberFactory()
    initiative_join(member=member, initiative=initiative)
    initiative_leave(member=member, initiative=initiative)
    initiative_join(member=other, initiative=initiative)
    again = initiative_join(member=member, initiative=initiative)
    assert (again.status, again.left_at, waitlist_position(again)) == (ParticipationStatus.WAITLISTED, None, 1)
    assert Participation.objects.filter(member=member).count() == 1


def test_the_database_keeps_one_participation_per_member_and_initiative():
    member, initiative = MemberFactory(), InitiativeFactory()
    initiative_join(member=member, initiative=initiative)
    with pytest.raises(IntegrityError), transaction.atomic():
        Participation.objects.create(
            member=member, initiative=initiative, status=ParticipationStatus.WAITLISTED, requested_at=timezone.now()
        )


def test_the_database_refuses_an_active_participation_without_a_join_time():
    with pytest.raises(IntegrityError), transaction.atomic():
        Participation.objects.create(
            member=MemberFactory(),
            initiative=InitiativeFactory(),
            status=ParticipationStatus.ACTIVE,
            requested_at=timezone.now(),
        )


def test_staff_add_ignoring_the_window_and_sector_but_not_capacity():
    staff = staff_user()
    initiative = InitiativeFactory(status=InitiativeStatus.CLOSED, capacity=1)
    EligibleSectorFactory(initiative=initiative, sector=Sector.NGO)
    first = participation_add(initiative=initiative, member=MemberFactory(), by=staff, role=ParticipationRole.CO_LEAD)
    second = participation_add(initiative=initiative, member=MemberFactory(), by=staff)
    assert (first.status, first.role) == (ParticipationStatus.ACTIVE, ParticipationRole.CO_LEAD)
    assert second.status == ParticipationStatus.WAITLISTED
    assert Activity.objects.get(member=first.member).source == Source.ADMIN


def test_staff_cannot_add_a_pending_member():
    with pytest.raises(ValidationError, match="not an approved member"):
        participation_add(initiative=InitiativeFactory(), member=MemberFactory(status="pending"), by=staff_user())


def test_staff_remove_promotes_and_change_roles():
    staff = staff_user()
    initiative = InitiativeFactory(capacity=1)
    holder, waiting = MemberFactory(), MemberFactory()
    held = initiative_join(member=holder, initiative=initiative)
    initiative_join(member=waiting, initiative=initiative)

    participation_remove(participation=held, by=staff)
    promoted = Participation.objects.get(member=waiting)
    assert promoted.status == ParticipationStatus.ACTIVE
    participation_set_role(participation=promoted, role=ParticipationRole.OBSERVER, by=staff)
    promoted.refresh_from_db()
    assert promoted.role == ParticipationRole.OBSERVER
    assert promoted.history.count() >= 3  # every staff change is kept
    with pytest.raises(ValidationError):
        participation_set_role(participation=promoted, role="boss", by=staff)


def test_status_and_date_changes_notify_those_taking_part_and_waiting():
    staff = staff_user()
    initiative = InitiativeFactory(capacity=1)
    taking_part, waiting, gone = MemberFactory.create_batch(3)
    for member in (taking_part, waiting, gone):
        initiative_join(member=member, initiative=initiative)
    initiative_leave(member=gone, initiative=initiative)  # waiting moves up; gone hears nothing more
    Notification.objects.all().delete()

    initiative.starts_at += timedelta(days=7)
    initiative.ends_at += timedelta(days=7)
    initiative_save(initiative=initiative, by=staff)
    changed = Notification.objects.filter(kind=NotificationKind.INITIATIVE_CHANGED)
    assert set(changed.values_list("member", flat=True)) == {taking_part.pk, waiting.pk}
    assert "start" in changed.first().body

    initiative_set_status(initiative=initiative, status=InitiativeStatus.CANCELLED, by=staff)
    cancelled = Notification.objects.filter(kind=NotificationKind.INITIATIVE_CANCELLED)
    assert set(cancelled.values_list("member", flat=True)) == {taking_part.pk, waiting.pk}

    initiative.refresh_from_db()
    initiative_save(initiative=initiative, by=staff)  # saving without a change notifies nobody
    assert Notification.objects.count() == 4


def test_raising_capacity_promotes_the_queue():
    initiative = InitiativeFactory(capacity=1)
    members = MemberFactory.create_batch(3)
    for member in members:
        initiative_join(member=member, initiative=initiative)
    initiative.capacity = 2
    initiative_save(initiative=initiative, by=staff_user())
    statuses = list(Participation.objects.order_by("requested_at", "id").values_list("status", flat=True))
    assert statuses == ["active", "active", "waitlisted"]


def test_notifications_stay_on_the_site_and_are_read_by_their_owner_only():
    member, other = MemberFactory(), MemberFactory()
    for url in ["https://evil.example/", "//evil.example/", "/\\evil.example/"]:
        with pytest.raises(ValidationError, match="only link to a page of this site"):
            notification_create(member=member, kind=NotificationKind.PROMOTED, title="x", url=url)
    with pytest.raises(IntegrityError), transaction.atomic():  # and the database refuses it too
        Notification.objects.create(member=member, kind=NotificationKind.PROMOTED, title="x", url="//evil.example/")
    mine = NotificationFactory(member=member)
    NotificationFactory(member=member)
    with pytest.raises(Notification.DoesNotExist):
        notification_mark_read(member=other, notification_id=mine.pk)
    assert notification_mark_read(member=member, notification_id=mine.pk).read_at is not None
    assert notifications_mark_all_read(member=member) == 1
    assert notifications_mark_all_read(member=member) == 0


# Calendar feeds


def test_a_feed_keeps_only_the_digest_of_its_secret():
    member = MemberFactory()
    secret = calendar_feed_reset(member=member)
    assert secret.startswith(CALENDAR_FEED_MARKER)
    assert len(secret) > len(CALENDAR_FEED_MARKER) + 40
    feed = CalendarFeed.objects.get(member=member)
    assert feed.digest == CalendarFeed.digest_of(secret)
    assert secret not in feed.digest


def test_resetting_a_feed_replaces_its_secret():
    member = MemberFactory()
    old = calendar_feed_reset(member=member)
    CalendarFeed.objects.filter(member=member).update(last_fetched_at=timezone.now())
    new = calendar_feed_reset(member=member)
    assert new != old
    feed = CalendarFeed.objects.get(member=member)
    assert feed.digest == CalendarFeed.digest_of(new)
    assert feed.last_fetched_at is None  # the new address has not been read by anything yet
    assert not CalendarFeed.objects.filter(digest=CalendarFeed.digest_of(old)).exists()


@pytest.mark.parametrize("status", [Member.Status.PENDING, Member.Status.SUSPENDED, Member.Status.LEFT])
def test_only_approved_members_get_a_feed(status):
    member = MemberFactory(status=status)
    with pytest.raises(ValidationError, match="Only approved members"):
        calendar_feed_reset(member=member)
    assert not CalendarFeed.objects.exists()


def test_revoking_a_feed_deletes_it_and_says_whether_there_was_one():
    member, other = MemberFactory(), MemberFactory()
    calendar_feed_reset(member=member)
    calendar_feed_reset(member=other)
    assert calendar_feed_revoke(member=member) is True
    assert calendar_feed_revoke(member=member) is False
    assert list(CalendarFeed.objects.values_list("member", flat=True)) == [other.pk]


def test_staff_revoke_feeds_in_bulk():
    leaked, also_leaked, kept = MemberFactory(), MemberFactory(), MemberFactory()
    for member in (leaked, also_leaked, kept):
        calendar_feed_reset(member=member)
    assert calendar_feeds_revoke(feeds=CalendarFeed.objects.filter(member__in=[leaked, also_leaked])) == 2
    assert list(CalendarFeed.objects.values_list("member", flat=True)) == [kept.pk]


def test_a_fetch_is_dated_at_most_every_few_minutes():
    member = MemberFactory()
    calendar_feed_reset(member=member)
    feed = CalendarFeed.objects.get(member=member)
    calendar_feed_mark_fetched(feed=feed)
    first = CalendarFeed.objects.get(member=member).last_fetched_at
    assert first is not None
    calendar_feed_mark_fetched(feed=CalendarFeed.objects.get(member=member))
    assert CalendarFeed.objects.get(member=member).last_fetched_at == first
    CalendarFeed.objects.filter(member=member).update(last_fetched_at=first - timedelta(hours=1))
    calendar_feed_mark_fetched(feed=CalendarFeed.objects.get(member=member))
    assert CalendarFeed.objects.get(member=member).last_fetched_at > first - timedelta(hours=1)


def test_a_fetch_that_raced_a_reset_does_not_date_the_new_address():
    member = MemberFactory()
    calendar_feed_reset(member=member)
    fetched = CalendarFeed.objects.get(member=member)
    calendar_feed_reset(member=member)
    calendar_feed_mark_fetched(feed=fetched)
    assert CalendarFeed.objects.get(member=member).last_fetched_at is None


def authors(model_history) -> list[tuple[object, str]]:
    return [(row.history_user, row.history_change_reason) for row in model_history.order_by("history_id")]


def test_every_participation_change_names_its_author_and_a_system_promotion_none():
    staff = staff_user()
    initiative = InitiativeFactory(capacity=1)
    holder, waiting, added = MemberFactory.create_batch(3)
    held = initiative_join(member=holder, initiative=initiative)
    initiative_join(member=waiting, initiative=initiative)
    initiative_leave(member=holder, initiative=initiative)  # the system moves `waiting` up
    participation_remove(participation=Participation.objects.get(member=waiting), by=staff)
    promoted_by_nobody = Participation.objects.get(member=waiting)
    extra = participation_add(initiative=initiative, member=added, by=staff)
    participation_set_role(participation=extra, role=ParticipationRole.OBSERVER, by=staff)

    assert authors(held.history) == [(holder.user, Source.WEB), (holder.user, Source.WEB)]
    assert authors(promoted_by_nobody.history) == [
        (waiting.user, Source.WEB),  # joined the queue
        (None, Source.SYSTEM),  # promoted when a place freed
        (staff, Source.ADMIN),  # removed by staff
    ]
    assert authors(extra.history) == [(staff, Source.ADMIN), (staff, Source.ADMIN)]


def test_staff_edits_of_an_initiative_name_their_author_whatever_the_channel():
    staff, other = staff_user(), staff_user()
    initiative = InitiativeFactory(capacity=1)
    initiative.title = "Renamed"
    initiative_save(initiative=initiative, by=staff)
    initiative_set_status(initiative=initiative, status=InitiativeStatus.CLOSED, by=other)
    initiative.refresh_from_db()
    initiative.title = "Renamed again"
    initiative_save(initiative=initiative, by=staff, source=Source.API)
    assert authors(initiative.history)[-3:] == [(staff, Source.ADMIN), (other, Source.ADMIN), (staff, Source.API)]


def test_places_added_by_staff_promote_under_their_name():
    staff = staff_user()
    initiative = InitiativeFactory(capacity=1)
    holder, waiting = MemberFactory.create_batch(2)
    initiative_join(member=holder, initiative=initiative)
    initiative_join(member=waiting, initiative=initiative)
    initiative.capacity = 2
    initiative_save(initiative=initiative, by=staff)
    assert authors(Participation.objects.get(member=waiting).history)[-1] == (staff, Source.ADMIN)


# Sessions and attendance


def test_the_initiatives_lead_records_attendance_as_the_members_own_activity():
    lead = UserFactory(is_staff=True)
    initiative = InitiativeFactory(lead=lead)
    member = MemberFactory()
    initiative_join(member=member, initiative=initiative)
    session = InitiativeSessionFactory(initiative=initiative)
    attendance_record(session=session, member=member, by=lead)
    attendance_record(session=session, member=member, by=lead)
    attended = Activity.objects.get(member=member, verb=Verb.SESSION_ATTENDED)
    assert (attended.origin, attended.details["session"]) == (Origin.MEMBER, session.pk)


def test_attendance_needs_a_recorder_with_the_right_a_session_that_began_and_a_participant():
    initiative = InitiativeFactory()
    member = MemberFactory()
    initiative_join(member=member, initiative=initiative)
    session = InitiativeSessionFactory(initiative=initiative)
    with pytest.raises(PermissionDenied):
        attendance_record(session=session, member=member, by=UserFactory())
    later = InitiativeSessionFactory(initiative=initiative, starts_at=timezone.now() + timedelta(days=1))
    with pytest.raises(ValidationError, match="not begun"):
        attendance_record(session=later, member=member, by=staff_user())
    with pytest.raises(ValidationError, match="not taking part"):
        attendance_record(session=session, member=MemberFactory(), by=staff_user())
    assert not Activity.objects.filter(verb=Verb.SESSION_ATTENDED).exists()


def test_a_member_added_from_the_admin_is_recorded_as_staff_caused():
    initiative = InitiativeFactory()
    member = MemberFactory()
    participation_add(initiative=initiative, member=member, by=staff_user())
    assert Activity.objects.get(member=member, verb=Verb.INITIATIVE_JOINED).origin == Origin.STAFF
