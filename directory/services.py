"""Writes of the directory: profiles, introductions, invitations, organisation admins' requests. Each one
transaction; mail and tasks on commit."""

import secrets
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.signing import BadSignature, Signer
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from directory import tasks
from directory.emails import LINK_SALT
from directory.models import (
    INTRODUCTION_LIFETIME,
    INVITATION_LIFETIME,
    DirectoryProfile,
    Introduction,
    IntroductionReport,
    IntroductionStatus,
    Invitation,
    InvitationStatus,
    SuspensionRequest,
)
from engagement.models import LifecycleStage, MemberEngagement
from members.history import attribute_change
from members.models import Member, Organisation, Source, User, Verb
from members.services import record_activity

# Rate limits on introductions, so that nobody harvests the directory: requests a day, and open at once.
INTRODUCTIONS_PER_DAY = 5
INTRODUCTIONS_OPEN = 10

# Invitations a member may send in 30 days, by lifecycle stage: trust grows with engagement (Discourse's trust
# levels). An organisation admin may invite a few more colleagues.
INVITATION_QUOTAS = {
    LifecycleStage.PENDING: 1,
    LifecycleStage.ACTIVATED: 3,
    LifecycleStage.ENGAGED: 5,
    LifecycleStage.COLLABORATING: 10,
    LifecycleStage.DORMANT: 1,
}
ORGANISATION_ADMIN_EXTRA = 5
QUOTA_WINDOW = timedelta(days=30)


def profile_of(member: Member) -> DirectoryProfile:
    profile, _created = DirectoryProfile.objects.get_or_create(member=member)
    return profile


def _approved(member: Member) -> None:
    if member.status != Member.Status.APPROVED:
        raise ValidationError(_("Only approved members may do this."))


# Introductions ------------------------------------------------------------------------------------------------


@transaction.atomic
def introduction_request(
    *, requester: Member, recipient: Member, reason: str, now: datetime | None = None
) -> Introduction:
    now = now or timezone.now()
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Say in a sentence why you would like to be introduced."))
    # The requester's row is the lock: two requests at once cannot both slip under the limits.
    locked = Member.objects.select_for_update().get(pk=requester.pk)
    _approved(locked)
    if recipient.pk == locked.pk:
        raise ValidationError(_("You cannot ask to be introduced to yourself."))
    listed = DirectoryProfile.objects.filter(
        member=recipient, listed=True, member__status=Member.Status.APPROVED
    ).exists()
    if not listed:
        raise ValidationError(_("This member is not in the directory."))
    mine = Introduction.objects.filter(requester=locked)
    if mine.filter(recipient=recipient, status=IntroductionStatus.REQUESTED, expires_at__gt=now).exists():
        raise ValidationError(_("You have already asked to be introduced to this member."))
    if mine.filter(created_at__gt=now - timedelta(days=1)).count() >= INTRODUCTIONS_PER_DAY:
        raise ValidationError(_("You have asked for too many introductions today. Try again tomorrow."))
    if mine.filter(status=IntroductionStatus.REQUESTED, expires_at__gt=now).count() >= INTRODUCTIONS_OPEN:
        raise ValidationError(_("Too many of your requests are awaiting an answer. Wait for some to be answered."))
    # A stale open request to the same member (expired but not yet swept) is closed first.
    mine.filter(recipient=recipient, status=IntroductionStatus.REQUESTED).update(status=IntroductionStatus.EXPIRED)
    introduction = Introduction.objects.create(
        requester=locked, recipient=recipient, reason=reason, created_at=now, expires_at=now + INTRODUCTION_LIFETIME
    )
    record_activity(member=locked, verb=Verb.INTRODUCTION_REQUESTED, subject=introduction, occurred_at=now)
    tasks.introduction_email_task.delay_on_commit(introduction.pk)
    return introduction


@transaction.atomic
def introduction_answer(
    *, introduction_id: int, member: Member, accept: bool, now: datetime | None = None
) -> Introduction:
    now = now or timezone.now()
    introduction = Introduction.objects.select_for_update().filter(pk=introduction_id, recipient=member).first()
    if introduction is None:
        raise ValidationError(_("There is no such request for you."))
    if introduction.status != IntroductionStatus.REQUESTED:
        raise ValidationError(_("This request has already been answered."))
    if introduction.expires_at <= now:
        introduction.status = IntroductionStatus.EXPIRED
        introduction.save(update_fields=["status"])
        raise ValidationError(_("This request has expired."))
    introduction.status = IntroductionStatus.ACCEPTED if accept else IntroductionStatus.DECLINED
    introduction.decided_at = now
    introduction.save(update_fields=["status", "decided_at"])
    if accept:
        record_activity(member=member, verb=Verb.INTRODUCTION_ACCEPTED, subject=introduction, occurred_at=now)
        tasks.introduction_email_task.delay_on_commit(introduction.pk)
    return introduction


@transaction.atomic
def introduction_report(*, introduction_id: int, member: Member, reason: str) -> IntroductionReport:
    introduction = Introduction.objects.filter(pk=introduction_id, recipient=member).first()
    if introduction is None:
        raise ValidationError(_("There is no such request for you."))
    if not reason.strip():
        raise ValidationError(_("Say what is wrong with this request."))
    report, _created = IntroductionReport.objects.get_or_create(
        introduction=introduction, reporter=member, defaults={"reason": reason.strip()}
    )
    if introduction.status == IntroductionStatus.REQUESTED:
        introduction.status = IntroductionStatus.DECLINED
        introduction.decided_at = timezone.now()
        introduction.save(update_fields=["status", "decided_at"])
    return report


# Invitations --------------------------------------------------------------------------------------------------


def invitation_quota(member: Member) -> int:
    stage = MemberEngagement.objects.filter(member=member).values_list("stage", flat=True).first()
    quota = INVITATION_QUOTAS.get(LifecycleStage(stage) if stage else LifecycleStage.PENDING, 1)
    return quota + (ORGANISATION_ADMIN_EXTRA if member.is_organisation_admin else 0)


def invitations_left(member: Member, *, now: datetime | None = None) -> int:
    now = now or timezone.now()
    used = (
        Invitation.objects.filter(sponsor=member, created_at__gt=now - QUOTA_WINDOW)
        .exclude(status=InvitationStatus.REVOKED)
        .count()
    )
    return max(invitation_quota(member) - used, 0)


@transaction.atomic
def invitation_create(
    *,
    sponsor: Member,
    email: str,
    organisation: Organisation | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Invitation:
    now = now or timezone.now()
    email = email.strip().lower()
    # The sponsor's row is the lock that holds the quota under concurrent sends.
    locked = Member.objects.select_for_update().get(pk=sponsor.pk)
    _approved(locked)
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError(_("Someone with this e-mail address is already registered."))
    if Invitation.objects.filter(
        email__iexact=email, status__in=[InvitationStatus.QUEUED, InvitationStatus.SENT], expires_at__gt=now
    ).exists():
        raise ValidationError(_("This address has already been invited."))
    if invitations_left(locked, now=now) <= 0:
        raise ValidationError(_("You have used all your invitations for now."))
    invitation = Invitation.objects.create(
        sponsor=locked,
        email=email,
        organisation=organisation,
        note=note.strip(),
        nonce=secrets.token_hex(16),
        created_at=now,
        expires_at=now + INVITATION_LIFETIME,
    )
    record_activity(member=locked, verb=Verb.MEMBER_INVITED, subject=invitation, occurred_at=now)
    tasks.invitation_send_task.delay_on_commit(invitation.pk)
    return invitation


def invitation_check(*, token: str, email: str | None = None, now: datetime | None = None) -> Invitation:
    """The invitation a link's token names, if it may still be used (by `email`, when given); else refused."""
    now = now or timezone.now()
    invalid = ValidationError(_("This invitation link is not valid."))
    try:
        value = Signer(salt=LINK_SALT).unsign(token)
    except BadSignature:
        raise invalid from None
    pk, _dot, nonce = value.partition(".")
    invitation = Invitation.objects.filter(pk=int(pk) if pk.isdigit() else 0).first()
    if invitation is None or not constant_time_compare(invitation.nonce, nonce):
        raise invalid
    if invitation.status == InvitationStatus.ACCEPTED:
        raise ValidationError(_("This invitation has already been used."))
    if invitation.status == InvitationStatus.REVOKED:
        raise ValidationError(_("This invitation was withdrawn."))
    if invitation.expires_at <= now:
        raise ValidationError(_("This invitation has expired."))
    if email is not None and email.strip().lower() != invitation.email.lower():
        raise ValidationError(_("This invitation was sent to a different e-mail address."))
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, member: Member, now: datetime | None = None) -> Invitation:
    """Links a new sign-up to their invitation: the member stays pending until staff approve them."""
    now = now or timezone.now()
    checked = invitation_check(token=token, email=member.user.email, now=now)
    invitation = Invitation.objects.select_for_update().get(pk=checked.pk)
    if invitation.status == InvitationStatus.ACCEPTED:  # used meanwhile by a concurrent sign-up
        raise ValidationError(_("This invitation has already been used."))
    invitation.status = InvitationStatus.ACCEPTED
    invitation.accepted_at = now
    invitation.invitee = member
    invitation.save(update_fields=["status", "accepted_at", "invitee"])
    if invitation.organisation_id and member.organisation_id is None:
        locked = Member.objects.select_for_update().get(pk=member.pk)
        locked.organisation_id = invitation.organisation_id
        attribute_change(locked, by=member.user, origin=Source.WEB)
        locked.save(update_fields=["organisation"])
    return invitation


@transaction.atomic
def invitation_revoke(*, invitation_id: int, sponsor: Member) -> Invitation:
    invitation = Invitation.objects.select_for_update().filter(pk=invitation_id, sponsor=sponsor).first()
    if invitation is None or invitation.status == InvitationStatus.ACCEPTED:
        raise ValidationError(_("This invitation cannot be withdrawn."))
    invitation.status = InvitationStatus.REVOKED
    invitation.save(update_fields=["status"])
    return invitation


# Organisation admins ------------------------------------------------------------------------------------------


@transaction.atomic
def suspension_request(*, by: Member, member: Member, reason: str) -> SuspensionRequest:
    """An organisation admin asks staff to suspend a colleague who left; staff decide."""
    if not by.is_organisation_admin or by.organisation_id is None or by.organisation_id != member.organisation_id:
        raise ValidationError(_("Only your organisation's admin may ask this, for a colleague."))
    if member.pk == by.pk:
        raise ValidationError(_("You cannot ask to suspend yourself."))
    if member.status != Member.Status.APPROVED:
        raise ValidationError(_("Only an approved member can be suspended."))
    if not reason.strip():
        raise ValidationError(_("Say why, for staff."))
    if SuspensionRequest.objects.filter(member=member, resolved_at__isnull=True).exists():
        raise ValidationError(_("Staff already have a request about this colleague."))
    return SuspensionRequest.objects.create(requested_by=by, member=member, reason=reason.strip())
