"""Writes of the members app: registration, vetting decisions, profile changes and activity."""

from datetime import datetime
from typing import Any

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from members.models import Activity, Member, MemberStatus, Organisation, OrganisationDomain, Source, User, Verb
from members.roles import MEMBER_ROLE


def record_activity(
    *,
    member: Member,
    verb: Verb | str,
    subject: models.Model | None = None,
    source: Source | str = Source.WEB,
    details: dict[str, Any] | None = None,
    occurred_at: datetime | None = None,
) -> Activity:
    """The one way activity is written. Joins the caller's transaction, so a failed write records nothing."""
    if verb not in Verb.values:
        raise ValidationError({"verb": f"Unknown activity verb {verb!r}."})
    return Activity.objects.create(
        member=member,
        verb=verb,
        subject=subject,
        source=source,
        details=details or {},
        occurred_at=occurred_at or timezone.now(),
    )


def organisation_for_email(email: str) -> Organisation | None:
    domain = email.rsplit("@", 1)[-1].lower()
    match = OrganisationDomain.objects.select_related("organisation").filter(domain=domain).first()
    return match.organisation if match else None


@transaction.atomic
def member_register(*, user: User, job_title: str = "") -> Member:
    """A sign-up becomes a pending member, linked to the organisation that owns its e-mail domain."""
    member = Member.objects.create(user=user, organisation=organisation_for_email(user.email), job_title=job_title)
    record_activity(member=member, verb=Verb.SIGNED_UP, details={"domain_matched": member.organisation_id is not None})
    return member


def _decide(*, member: Member, by: User, status: MemberStatus) -> Member:
    locked = Member.objects.select_for_update().get(pk=member.pk)
    if locked.status != Member.Status.PENDING:
        raise ValidationError(f"{locked} is {locked.get_status_display().lower()}, not pending approval.")
    locked.status = status
    locked.status_changed_at = timezone.now()
    locked.status_changed_by = by
    return locked


@transaction.atomic
def member_approve(*, member: Member, by: User, organisation: Organisation | None = None) -> Member:
    locked = _decide(member=member, by=by, status=Member.Status.APPROVED)
    if organisation is not None:
        locked.organisation = organisation
    if locked.organisation_id is None:
        raise ValidationError(f"Choose an organisation for {locked} before approving.")
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


def _send_decision_email_on_commit(member: Member) -> None:
    from members.tasks import send_membership_decision_email

    member_id = member.pk
    transaction.on_commit(lambda: send_membership_decision_email.delay(member_id))


@transaction.atomic
def member_profile_update(*, member: Member, user_fields: dict[str, Any], member_fields: dict[str, Any]) -> Member:
    """Saves the profile form and records which fields changed (names only, never values)."""
    changed = [name for name, value in user_fields.items() if getattr(member.user, name) != value]
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
