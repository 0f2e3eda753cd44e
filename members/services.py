"""Writes of the members app: registration, vetting decisions, profile changes and activity."""

import hashlib
import json
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from members import unread
from members.consent import consent_give, consent_is_unrecorded, consent_withdraw, email_consent_wording
from members.history import attribute_change
from members.languages import supported
from members.models import (
    VERB_ORIGINS,
    Activity,
    ApiToken,
    ConsentMethod,
    Member,
    MemberStatus,
    Notification,
    NotificationKind,
    Organisation,
    OrganisationDomain,
    Origin,
    Source,
    User,
    Verb,
    origin_for,
)
from members.roles import MEMBER_ROLE
from members.tasks import send_membership_decision_email, send_membership_status_email


def _require_known_verb(verb: Verb | str) -> None:
    # The enum's own lookup by value, not `Verb.values`, which builds the list of every choice on each call:
    # every activity write passes here (the campaign engine once per message sent).
    try:
        Verb(verb)
    except ValueError:
        raise ValidationError({"verb": _("Unknown activity verb %(verb)s.") % {"verb": repr(verb)}}) from None


def _origin(verb: Verb | str, source: Source | str, origin: Origin | str | None) -> Origin:
    """The stated origin when the verb allows it (the database would refuse it otherwise), else the inferred one."""
    _require_known_verb(verb)
    if origin is None:
        return origin_for(verb, source)
    if origin not in VERB_ORIGINS[verb]:
        raise ValidationError(
            {"origin": _("“%(verb)s” cannot be caused by %(origin)s.") % {"verb": verb, "origin": origin}}
        )
    return Origin(origin)


def record_activity(
    *,
    member: Member,
    verb: Verb | str,
    subject: models.Model | None = None,
    source: Source | str = Source.WEB,
    origin: Origin | str | None = None,
    details: dict[str, Any] | None = None,
    occurred_at: datetime | None = None,
) -> Activity:
    """The way one event is written (batches and update-driven writes have their own forms below). Joins the
    caller's transaction, so a failed write records nothing. Without an `origin`, `origin_for` infers it
    from the verb and the channel."""
    return Activity.objects.create(
        member=member,
        verb=verb,
        subject=subject,
        source=source,
        origin=_origin(verb, source, origin),
        details=details or {},
        occurred_at=occurred_at or timezone.now(),
    )


def activity_insert_sql(
    *,
    member_ids_from: str,
    verb: Verb | str,
    subject: models.Model,
    source: Source | str,
    details: dict[str, Any],
    occurred_at: datetime,
) -> tuple[str, list[Any]]:
    """The `INSERT … SELECT` (PostgreSQL) that records `verb` for every `member_id` of the caller's relation
    `member_ids_from` (a CTE's name), and its parameters: for a caller that writes its rows and their activity
    in one statement, which it composes and runs itself. The activity row stays defined here, in one place.

    The campaign engine marks every message it sends this way (`WITH updated AS (UPDATE … RETURNING member_id)
    INSERT …`), one round trip per message in a commit of its own.
    """
    origin = _origin(verb, source, None)
    subject_type = ContentType.objects.get_for_model(subject)
    return (
        f"INSERT INTO {Activity._meta.db_table} "  # noqa: S608
        "(member_id, verb, subject_type_id, subject_id, source, origin, details, occurred_at) "
        f"SELECT member_id, %s, %s, %s, %s, %s, CAST(%s AS jsonb), %s FROM {member_ids_from}",
        [verb, subject_type.pk, subject.pk, source, origin.value, json.dumps(details), occurred_at],
    )


def record_activity_for_members(
    *,
    member_ids: Sequence[int],
    verb: Verb | str,
    subject: models.Model,
    source: Source | str,
    details: dict[str, Any],
    occurred_at: datetime,
) -> int:
    """The same event for several members in one insert (where `activity_insert_sql` cannot be used: SQLite's
    UPDATE cannot feed an INSERT). Joins the caller's transaction; returns how many it recorded."""
    origin = _origin(verb, source, None)
    Activity.objects.bulk_create(
        Activity(
            member_id=member_id,
            verb=verb,
            subject=subject,
            source=source,
            origin=origin,
            details=details,
            occurred_at=occurred_at,
        )
        for member_id in member_ids
    )
    return len(member_ids)


def organisation_for_email(email: str) -> Organisation | None:
    domain = email.rsplit("@", 1)[-1].lower()
    match = OrganisationDomain.objects.select_related("organisation").filter(domain=domain).first()
    return match.organisation if match else None


@transaction.atomic
def member_register(*, user: User, job_title: str = "", consent_wording: str = "", language: str = "") -> Member:
    """A sign-up becomes a pending member, linked to the organisation that owns its e-mail domain. With
    `consent_wording` (the text beside the box the person ticked) it records their e-mail consent; without it
    they have none. `language` is the one they signed up in (empty: the browser's, else English)."""
    member = Member.objects.create(
        user=user, organisation=organisation_for_email(user.email), job_title=job_title, language=language
    )
    record_activity(member=member, verb=Verb.SIGNED_UP, details={"domain_matched": member.organisation_id is not None})
    if consent_wording:
        consent_give(member=member, how=ConsentMethod.SIGN_UP, wording=consent_wording)
    return member


def _decide(*, member: Member, by: User, status: MemberStatus) -> Member:
    locked = Member.objects.select_for_update().get(pk=member.pk)
    if locked.status != Member.Status.PENDING:
        raise ValidationError(
            _("%(locked)s is %(status)s, not pending approval.")
            % {"locked": locked, "status": locked.get_status_display().lower()}
        )
    locked.status = status
    locked.status_changed_at = timezone.now()
    locked.status_changed_by = by
    attribute_change(locked, by=by, origin=Source.ADMIN)
    return locked


@transaction.atomic
def member_approve(*, member: Member, by: User, organisation: Organisation | None = None) -> Member:
    locked = _decide(member=member, by=by, status=Member.Status.APPROVED)
    if organisation is not None:
        locked.organisation = organisation
    if locked.organisation_id is None:
        raise ValidationError(_("Choose an organisation for %(locked)s before approving.") % {"locked": locked})
    locked.save()
    locked.user.groups.add(Group.objects.get(name=MEMBER_ROLE))
    record_activity(member=locked, verb=Verb.APPROVED, source=Source.ADMIN, details={"by": by.pk})
    _send_decision_email_on_commit(locked)
    return locked


@transaction.atomic
def member_reject(*, member: Member, by: User) -> Member:
    locked = _decide(member=member, by=by, status=Member.Status.REJECTED)
    locked.save()
    record_activity(member=locked, verb=Verb.REJECTED, source=Source.ADMIN, details={"by": by.pk})
    _send_decision_email_on_commit(locked)
    return locked


# Where each status change may start from; anything else is refused and changes nothing.
_STATUS_MOVES = {
    "suspend": ({MemberStatus.APPROVED}, MemberStatus.SUSPENDED),
    "reinstate": ({MemberStatus.SUSPENDED}, MemberStatus.APPROVED),
    "leave": ({MemberStatus.APPROVED, MemberStatus.SUSPENDED}, MemberStatus.LEFT),
}


def _change_status(*, member: Member, by: User, reason: str, move: str) -> Member:
    """One status change under a row lock: the reason and author go to the member's history, the member is told
    by e-mail, and a suspension or departure revokes the API tokens and ends the sessions at once."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason: it is kept in the member's history.")})
    allowed_from, target = _STATUS_MOVES[move]
    locked = Member.objects.select_for_update().select_related("user").get(pk=member.pk)
    if locked.status not in allowed_from:
        raise ValidationError(
            _("%(member)s is %(status)s: this change is not possible.")
            % {"member": locked, "status": locked.get_status_display().lower()}
        )
    if locked.user_id == by.pk:
        raise ValidationError(_("Nobody may change their own membership status."))
    if (locked.user.is_staff or locked.user.is_superuser) and not by.is_superuser:
        raise ValidationError(_("Only a superuser may change the status of a staff account."))
    locked.status = target
    locked.status_changed_at = timezone.now()
    locked.status_changed_by = by
    attribute_change(locked, by=by, origin=reason)
    locked.save()
    if target != MemberStatus.APPROVED:
        api_tokens_revoke(tokens=ApiToken.objects.filter(user_id=locked.user_id))
        user_id = locked.user_id
        transaction.on_commit(lambda: user_sessions_end(user_id=user_id))
    send_membership_status_email.delay_on_commit(locked.pk)
    return locked


@transaction.atomic
def member_suspend(*, member: Member, by: User, reason: str) -> Member:
    return _change_status(member=member, by=by, reason=reason, move="suspend")


@transaction.atomic
def member_reinstate(*, member: Member, by: User, reason: str) -> Member:
    return _change_status(member=member, by=by, reason=reason, move="reinstate")


@transaction.atomic
def member_mark_left(*, member: Member, by: User, reason: str) -> Member:
    return _change_status(member=member, by=by, reason=reason, move="leave")


def user_sessions_end(*, user_id: int) -> int:
    """Ends every session the person signed in with (allauth tracks each sign-in); returns how many."""
    from allauth.usersessions.adapter import get_adapter
    from allauth.usersessions.models import UserSession

    sessions = list(UserSession.objects.filter(user_id=user_id))
    get_adapter().end_sessions(sessions)
    return len(sessions)


def _send_decision_email_on_commit(member: Member) -> None:
    send_membership_decision_email.delay_on_commit(member.pk)


def _profile_consent(*, member: Member, wanted: bool | None, wording: str) -> bool:
    """Applies the profile's consent box; True when it recorded a change. Ticking the box records consent when
    it was off or only carried over unrecorded; unticking it withdraws consent that was on."""
    if wanted is None:
        return False
    if wanted and (not member.consent_email or consent_is_unrecorded(member=member)):
        consent_give(member=member, how=ConsentMethod.PROFILE, wording=wording)
        return True
    if not wanted and member.consent_email:
        consent_withdraw(member=member, how=ConsentMethod.PROFILE, wording=wording)
        return True
    return False


@transaction.atomic
def member_profile_update(
    *, member: Member, user_fields: dict[str, Any], member_fields: dict[str, Any], consent_wording: str = ""
) -> Member:
    """Saves the profile form and records which fields changed (names only, never values). E-mail consent
    (`consent_email` among the member fields) goes through `members.consent`, with the wording shown beside the
    box (the current wording when none is given)."""
    member_fields = dict(member_fields)
    wanted = member_fields.pop("consent_email", None)
    consent_changed = _profile_consent(member=member, wanted=wanted, wording=consent_wording or email_consent_wording())
    changed = ["consent_email"] if consent_changed else []
    changed += [name for name, value in user_fields.items() if getattr(member.user, name) != value]
    changed += [name for name, value in member_fields.items() if getattr(member, name) != value]
    for name, value in user_fields.items():
        setattr(member.user, name, value)
    for name, value in member_fields.items():
        setattr(member, name, value)
    member.user.save(update_fields=list(user_fields) or None)
    member.save()
    if changed:
        record_activity(member=member, verb=Verb.PROFILE_UPDATED, details={"fields": sorted(changed)})
    return member


@transaction.atomic
def member_language_set(*, member: Member, language: str) -> Member:
    """The member's language, chosen with the switcher in the navigation: their pages and e-mail from now on."""
    chosen = supported(language)
    if chosen is None:
        raise ValidationError({"language": _("Choose one of the portal's languages.")})
    if member.language != chosen:
        member.language = chosen
        member.save(update_fields=["language"])
    return member


# Marks our secrets, so that secret scanners can recognise a leaked one.
API_KEY_MARKER = "knb_"


def api_token_digest(secret: str) -> str:
    """Tokens are 256 random bits, so a plain SHA-256 is enough: there is nothing to brute-force."""
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, name: str, expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    """Creates a token and returns it with its secret, which is never stored and cannot be shown again."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name, such as the tool that will use it.")})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": _("The expiry must be in the future.")})
    secret = API_KEY_MARKER + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=secret[: len(API_KEY_MARKER) + 6],
        digest=api_token_digest(secret),
        expires_at=expires_at,
    )
    return token, secret


def api_token_revoke(*, user: User, token_id: int) -> ApiToken:
    """Revokes one of the user's own tokens; another user's token is not found."""
    token = ApiToken.objects.get(pk=token_id, user=user)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_tokens_revoke(*, tokens: models.QuerySet[ApiToken]) -> int:
    """Staff revoke tokens in bulk (a leak); already revoked ones keep their first revocation time."""
    return tokens.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())


@dataclass(frozen=True)
class ActivityEvent:
    """One validated event of a batch; `client_id` makes a resend harmless."""

    client_id: uuid.UUID
    member_id: int
    verb: str
    occurred_at: datetime
    subject_type_id: int | None = None
    subject_id: int | None = None
    details: dict[str, Any] = field(default_factory=dict)
    # As the client states it; None means the verb's usual origin.
    origin: str | None = None


@transaction.atomic
def record_activity_batch(*, events: Sequence[ActivityEvent], source: Source | str = Source.API) -> int:
    """The batch form of `record_activity`: one INSERT for the whole batch; returns how many were new.

    Events whose client id is already stored are skipped by the unique constraint, never by a prior
    look-up, so two concurrent resends of one batch still store each event once.
    """
    unknown = {event.verb for event in events} - set(Verb.values)
    if unknown:
        raise ValidationError(
            {"verb": _("Unknown activity verbs: %(unknown)s.") % {"unknown": ", ".join(sorted(unknown))}}
        )
    origins = [_origin(event.verb, source, event.origin) for event in events]
    client_ids = [event.client_id for event in events]
    before = Activity.objects.filter(client_id__in=client_ids).count()
    Activity.objects.bulk_create(
        [
            Activity(
                client_id=event.client_id,
                member_id=event.member_id,
                verb=event.verb,
                occurred_at=event.occurred_at,
                subject_type_id=event.subject_type_id,
                subject_id=event.subject_id,
                source=source,
                origin=origin,
                details=event.details,
            )
            for event, origin in zip(events, origins, strict=True)
        ],
        ignore_conflicts=True,
    )
    return Activity.objects.filter(client_id__in=client_ids).count() - before


def notification_create(
    *, member: Member, kind: NotificationKind | str, title: str, body: str = "", url: str = ""
) -> Notification:
    """The one way a notice reaches a member's inbox; its link must stay on this site."""
    if url and not url_has_allowed_host_and_scheme(url, allowed_hosts=None):
        raise ValidationError({"url": _("A notification may only link to a page of this site.")})
    notification = Notification.objects.create(member=member, kind=kind, title=title[:200], body=body, url=url)
    unread.forget(member_ids=[member.pk])
    return notification


def notifications_create(notices: Sequence[Notification]) -> list[Notification]:
    """Many notices in one statement (a change told to everyone taking part); each link must stay on this site."""
    for notice in notices:
        if notice.url and not url_has_allowed_host_and_scheme(notice.url, allowed_hosts=None):
            raise ValidationError({"url": _("A notification may only link to a page of this site.")})
        notice.title = notice.title[:200]
    created = Notification.objects.bulk_create(notices)
    unread.forget(member_ids=sorted({notice.member_id for notice in notices}))
    return created


@transaction.atomic
def notification_mark_read(*, member: Member, notification_id: int) -> Notification:
    """Only the member's own notices; somebody else's id is simply not found."""
    notification = Notification.objects.select_for_update().get(pk=notification_id, member=member)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
        unread.forget(member_ids=[member.pk])
    return notification


def notifications_delete(notices: models.QuerySet[Notification]) -> int:
    """Staff removing notices (the admin): the members' unread counts follow."""
    member_ids = sorted(set(notices.values_list("member_id", flat=True)))
    deleted, _by_model = notices.delete()
    unread.forget(member_ids=member_ids)
    return deleted


def notifications_mark_all_read(*, member: Member) -> int:
    marked = Notification.objects.filter(member=member, read_at__isnull=True).update(read_at=timezone.now())
    unread.forget(member_ids=[member.pk])
    return marked
