"""Writes of the initiatives app: joining, leaving, the waitlist, staff changes, notifications and calendar
feeds.

Every function that changes who takes part locks the initiative row first, so capacity holds however many
people press "Join" at the same moment.
"""

import secrets
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.permissions import ATTENDANCE_RECORD_PERMISSION
from initiatives.models import (
    Attendance,
    CalendarFeed,
    Initiative,
    InitiativeSession,
    InitiativeStatus,
    Participation,
    ParticipationRole,
    ParticipationStatus,
)
from initiatives.signals import place_given_up
from members.history import attribute_change
from members.languages import in_member_language
from members.models import Member, Notification, NotificationKind, Origin, Source, User, Verb
from members.services import notification_create, notifications_create, record_activity

# Changes to these fields are news for everyone taking part or waiting.
NOTIFIED_FIELDS = {
    "title": gettext_lazy("title"),
    "starts_at": gettext_lazy("start"),
    "ends_at": gettext_lazy("end"),
    "is_online": gettext_lazy("format"),
    "location": gettext_lazy("place"),
    "status": gettext_lazy("status"),
}


def _lock(initiative: Initiative) -> Initiative:
    return Initiative.objects.select_for_update().get(pk=initiative.pk)


def _active_count(initiative: Initiative) -> int:
    return Participation.objects.filter(initiative=initiative, status=ParticipationStatus.ACTIVE).count()


def _has_room(initiative: Initiative) -> bool:
    return initiative.capacity is None or _active_count(initiative) < initiative.capacity


def waitlist_position(participation: Participation) -> int | None:
    """1 for the next in line; None when the participation is not on the waitlist."""
    if participation.status != ParticipationStatus.WAITLISTED:
        return None
    ahead = Participation.objects.filter(
        Q(requested_at__lt=participation.requested_at)
        | Q(requested_at=participation.requested_at, id__lt=participation.pk),
        initiative_id=participation.initiative_id,
        status=ParticipationStatus.WAITLISTED,
    )
    return ahead.count() + 1


def _check_can_join(*, member: Member, initiative: Initiative) -> None:
    if not member.is_approved:
        raise ValidationError(_("Only approved members can join initiatives."))
    if not initiative.signup_is_open_at(timezone.now()):
        if initiative.status == InitiativeStatus.OPEN:
            raise ValidationError(
                _("Sign-up for “%(initiative)s” is not open at the moment.") % {"initiative": initiative}
            )
        raise ValidationError(
            _("“%(initiative)s” is %(status)s: sign-up is not open.")
            % {"initiative": initiative, "status": initiative.get_status_display().lower()}
        )
    if not initiative.is_open_to(member):
        raise ValidationError(
            _("“%(initiative)s” is open only to members from: %(initiative2)s.")
            % {"initiative": initiative, "initiative2": _sector_names(initiative)}
        )


def _sector_names(initiative: Initiative) -> str:
    return ", ".join(str(sector) for sector in initiative.eligible_sectors.all())


def _enter(
    *,
    member: Member,
    initiative: Initiative,
    existing: Participation | None,
    role: str,
    source: Source | str,
    by: User | None,
) -> Participation:
    """Takes a place when there is room, otherwise the end of the queue; records the matching activity."""
    now = timezone.now()
    room = _has_room(initiative)
    if not room and not initiative.has_waitlist:
        raise ValidationError(_("“%(initiative)s” is full.") % {"initiative": initiative})
    participation = existing or Participation(member=member, initiative=initiative)
    participation.role = role
    participation.requested_at = now
    participation.left_at = None
    if room:
        participation.status = ParticipationStatus.ACTIVE
        participation.joined_at = now
    else:
        participation.status = ParticipationStatus.WAITLISTED
        participation.joined_at = None
    attribute_change(participation, by=by, origin=source)
    participation.save()
    if room:
        record_activity(member=member, verb=Verb.INITIATIVE_JOINED, subject=initiative, source=source)
    else:
        position = waitlist_position(participation)
        record_activity(
            member=member,
            verb=Verb.INITIATIVE_WAITLISTED,
            subject=initiative,
            source=source,
            details={"position": position},
        )
    return participation


@transaction.atomic
def initiative_join(*, member: Member, initiative: Initiative, source: Source | str = Source.WEB) -> Participation:
    """Joins, or queues when full. Joining again while taking part or waiting changes nothing."""
    locked = _lock(initiative)
    existing = Participation.objects.select_for_update().filter(member=member, initiative=locked).first()
    if existing is not None and existing.status != ParticipationStatus.LEFT:
        return existing
    _check_can_join(member=member, initiative=locked)
    return _enter(
        member=member,
        initiative=locked,
        existing=existing,
        role=ParticipationRole.PARTICIPANT,
        source=source,
        by=member.user,
    )


def _promote_waitlisted(initiative: Initiative, *, source: Source | str, by: User | None) -> list[Participation]:
    """Fills every free place from the head of the queue; each promoted member is told in the inbox. `by` is
    the member of staff whose change made room, or None when the system promotes (someone left)."""
    promoted = []
    waiting = Participation.objects.select_for_update().filter(
        initiative=initiative, status=ParticipationStatus.WAITLISTED
    )
    free = None if initiative.capacity is None else initiative.capacity - _active_count(initiative)
    queue = waiting.select_related("member").order_by("requested_at", "id")
    for participation in queue if free is None else queue[: max(free, 0)]:
        participation.status = ParticipationStatus.ACTIVE
        participation.joined_at = timezone.now()
        attribute_change(participation, by=by, origin=source)
        participation.save(update_fields=["status", "joined_at"])
        record_activity(member=participation.member, verb=Verb.INITIATIVE_PROMOTED, subject=initiative, source=source)
        with in_member_language(participation.member.language):  # the reader's language, not the author's
            notification_create(
                member=participation.member,
                kind=NotificationKind.PROMOTED,
                title=_("A place opened up: you are now taking part in %(initiative)s") % {"initiative": initiative},
                body=_(
                    "You were next on the waitlist, so the place is yours. Leave the initiative if you no longer "
                    "need it, so the next person can take it."
                ),
                url=initiative.get_absolute_url(),
            )
        promoted.append(participation)
    return promoted


def _exit(
    participation: Participation, initiative: Initiative, *, source: Source | str, by: User | None
) -> Participation:
    was_active = participation.status == ParticipationStatus.ACTIVE
    participation.status = ParticipationStatus.LEFT
    participation.left_at = timezone.now()
    attribute_change(participation, by=by, origin=source)
    participation.save(update_fields=["status", "left_at"])
    record_activity(
        member=participation.member,
        verb=Verb.INITIATIVE_LEFT,
        subject=initiative,
        source=source,
        details={"from": "place" if was_active else "waitlist"},
    )
    if was_active:
        _promote_waitlisted(initiative, source=Source.SYSTEM, by=None)
        initiative_id = initiative.pk
        # Robust (a failure is logged, not raised): the leaving is committed by then, and the hourly audience sync
        # repairs what a receiver failed to do.
        transaction.on_commit(
            lambda: place_given_up.send(sender=Participation, initiative_id=initiative_id), robust=True
        )
    return participation


@transaction.atomic
def initiative_leave(*, member: Member, initiative: Initiative, source: Source | str = Source.WEB) -> Participation:
    """Gives up a place (promoting the first in line) or a place in the queue. Leaving twice changes nothing."""
    locked = _lock(initiative)
    participation = (
        Participation.objects.select_for_update().select_related("member").filter(member=member, initiative=locked)
    ).first()
    if participation is None:
        raise ValidationError(_("You are not taking part in “%(locked)s”.") % {"locked": locked})
    if participation.status == ParticipationStatus.LEFT:
        return participation
    return _exit(participation, locked, source=source, by=member.user)


@transaction.atomic
def participation_add(
    *, initiative: Initiative, member: Member, by: User, role: str = ParticipationRole.PARTICIPANT
) -> Participation:
    """Staff add a member: sign-up window and sector do not apply, capacity does (queue when full)."""
    if not member.is_approved:
        raise ValidationError(_("%(member)s is not an approved member.") % {"member": member})
    locked = _lock(initiative)
    existing = Participation.objects.select_for_update().filter(member=member, initiative=locked).first()
    if existing is not None and existing.status != ParticipationStatus.LEFT:
        if existing.role != role:
            return _set_role(existing, role, by=by)
        return existing
    return _enter(member=member, initiative=locked, existing=existing, role=role, source=Source.ADMIN, by=by)


@transaction.atomic
def participation_remove(*, participation: Participation, by: User) -> Participation:
    """Staff take a member out; a freed place goes to the first in line as when members leave themselves."""
    locked = _lock(participation.initiative)
    current = Participation.objects.select_for_update().select_related("member").get(pk=participation.pk)
    if current.status == ParticipationStatus.LEFT:
        return current
    return _exit(current, locked, source=Source.ADMIN, by=by)


def _set_role(participation: Participation, role: str, *, by: User) -> Participation:
    if role not in ParticipationRole.values:
        raise ValidationError(_("Unknown role %(role)s.") % {"role": repr(role)})
    participation.role = role
    attribute_change(participation, by=by, origin=Source.ADMIN)
    participation.save(update_fields=["role"])
    return participation


@transaction.atomic
def participation_set_role(*, participation: Participation, role: str, by: User) -> Participation:
    current = Participation.objects.select_for_update().get(pk=participation.pk)
    return _set_role(current, role, by=by)


@transaction.atomic
def initiative_save(*, initiative: Initiative, by: User, source: Source | str = Source.ADMIN) -> Initiative:
    """Saves staff edits. Everyone taking part or waiting hears of a change of date, place or status,
    a cancellation is announced as such, and a place added (or unlimited capacity) goes to the queue."""
    before = Initiative.objects.select_for_update().filter(pk=initiative.pk).first() if initiative.pk else None
    attribute_change(initiative, by=by, origin=source)
    initiative.save()
    if before is None:
        return initiative
    changed = [field for field in NOTIFIED_FIELDS if getattr(before, field) != getattr(initiative, field)]
    if changed:
        _notify_change(initiative, changed)
    if initiative.status == InitiativeStatus.OPEN:
        _promote_waitlisted(initiative, source=source, by=by)
    return initiative


@transaction.atomic
def initiative_set_status(*, initiative: Initiative, status: InitiativeStatus | str, by: User) -> Initiative:
    locked = _lock(initiative)
    if locked.status == status:
        return locked
    locked.status = status
    return initiative_save(initiative=locked, by=by)


def _notify_change(initiative: Initiative, changed: list[str]) -> None:
    """Tells everyone taking part or waiting, each in their own language (the notice is written once per
    language, then saved in one statement)."""
    # `changed` names fields (NOTIFIED_FIELDS' keys); the notice names them in the reader's language.
    cancelled = initiative.status == InitiativeStatus.CANCELLED and "status" in changed
    concerned = Participation.objects.filter(
        initiative=initiative, status__in=[ParticipationStatus.ACTIVE, ParticipationStatus.WAITLISTED]
    ).select_related("member")
    written: dict[str, tuple[str, str, str]] = {}
    notices = []
    for participation in concerned:
        language = participation.member.language
        if language not in written:
            with in_member_language(language):
                written[language] = _change_notice(initiative, changed, cancelled=cancelled)
        kind, title, body = written[language]
        notices.append(
            Notification(
                member=participation.member, kind=kind, title=title[:200], body=body, url=initiative.get_absolute_url()
            )
        )
    notifications_create(notices)


def _change_notice(initiative: Initiative, changed: list[str], *, cancelled: bool) -> tuple[str, str, str]:
    """The kind, title and body of the change notice, in the active language."""
    if cancelled:
        return (
            NotificationKind.INITIATIVE_CANCELLED,
            _("%(initiative)s is cancelled") % {"initiative": initiative},
            _("Staff cancelled this initiative. Thank you for your interest; we will tell you about what replaces it."),
        )
    return (
        NotificationKind.INITIATIVE_CHANGED,
        _("%(initiative)s has changed") % {"initiative": initiative},
        _("Changed: %(changed)s. Check the details and your calendar.")
        % {"changed": ", ".join(str(NOTIFIED_FIELDS[field]) for field in changed)},
    )


# Marks the secret as ours, so that a secret scanner can recognise a leaked feed address.
CALENDAR_FEED_MARKER = "knbcal_"
# Writing on every fetch would turn each poll of a calendar app into a write; minutes are precise enough.
FEED_FETCH_PRECISION = timedelta(minutes=5)


@transaction.atomic
def calendar_feed_reset(*, member: Member) -> str:
    """Gives the member a new feed address and returns its secret, which is never stored and cannot be shown
    again; the member's previous address stops working in the same commit."""
    if not member.is_approved:
        raise ValidationError(_("Only approved members can subscribe to their initiatives."))
    secret = CALENDAR_FEED_MARKER + secrets.token_urlsafe(32)
    CalendarFeed.objects.update_or_create(
        member=member,
        defaults={"digest": CalendarFeed.digest_of(secret), "created_at": timezone.now(), "last_fetched_at": None},
    )
    return secret


def calendar_feed_revoke(*, member: Member) -> bool:
    """Stops the member's feed; False when there was none."""
    deleted, _ = CalendarFeed.objects.filter(member=member).delete()
    return deleted > 0


def calendar_feeds_revoke(*, feeds: QuerySet[CalendarFeed]) -> int:
    """Staff stop feeds in bulk (a leaked address, a member who left); returns how many."""
    deleted, _ = feeds.delete()
    return deleted


def calendar_feed_mark_fetched(*, feed: CalendarFeed) -> None:
    """Keeps `last_fetched_at` so that the member sees whether a calendar app follows the feed. Matching the
    digest too means a fetch that raced a reset never dates the new address."""
    now = timezone.now()
    if feed.last_fetched_at is None or feed.last_fetched_at < now - FEED_FETCH_PRECISION:
        CalendarFeed.objects.filter(pk=feed.pk, digest=feed.digest).update(last_fetched_at=now)


def may_record_attendance(*, user: User, initiative: Initiative) -> bool:
    """Staff with the permission, or the initiative's lead."""
    return user.has_perm(ATTENDANCE_RECORD_PERMISSION) or (
        initiative.lead_id is not None and initiative.lead_id == user.pk
    )


@transaction.atomic
def attendance_record(*, session: InitiativeSession, member: Member, by: User) -> Attendance:
    """Records that a member taking part was at a session that has begun; recording it again changes nothing.

    The activity is the member's own (their presence), dated when the session began, and it is what makes them
    collaborating (`session_attended` is a contribution in the verb table).
    """
    initiative = session.initiative
    if not may_record_attendance(user=by, initiative=initiative):
        raise PermissionDenied(_("Only staff or the initiative's lead may record attendance."))
    if session.starts_at > timezone.now():
        raise ValidationError(_("This session has not begun yet."))
    if not Participation.objects.filter(
        member=member, initiative=initiative, status=ParticipationStatus.ACTIVE
    ).exists():
        raise ValidationError(
            _("%(member)s is not taking part in “%(initiative)s”.") % {"member": member, "initiative": initiative}
        )
    attendance, created = Attendance.objects.get_or_create(session=session, member=member, defaults={"recorded_by": by})
    if created:
        record_activity(
            member=member,
            verb=Verb.SESSION_ATTENDED,
            subject=initiative,
            source=Source.WEB,
            origin=Origin.MEMBER,
            occurred_at=session.starts_at,
            details={"session": session.pk, "recorded_by": by.pk},
        )
    return attendance
