"""E-mail consent: the wording members are shown, and the two services that change consent.

Consent is opt-in. Each change is appended to the member's history (`EmailConsent`) with when, how and the exact
wording shown, and sets `Member.consent_email`, which the campaign engine reads. Service e-mail (address
verification, the membership decision, status changes, security notices) is sent whatever the member chose.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from members.history import attribute_change
from members.models import ConsentMethod, EmailConsent, Member, User

# Raise it whenever the wording below changes in meaning: each record keeps the version it was given on.
EMAIL_CONSENT_VERSION = "2026-12"


def email_consent_wording() -> str:
    """The statement a member agrees to, as shown beside the box at sign-up and on the profile."""
    return _(
        "Yes, The Knoble may send me e-mail about initiatives, campaigns and news for members. I can withdraw "
        "at any time on my profile or through the unsubscribe link in any of these e-mails."
    )


def unsubscribe_wording() -> str:
    """What the unsubscribe page asks; a withdrawal through the link keeps it."""
    return _("Stop campaign e-mail?")


def consent_unrecorded() -> Q:
    """Members whose consent was carried over from before it was recorded, and who have not chosen since."""
    recorded = EmailConsent.objects.filter(member=OuterRef("pk")).exclude(how=ConsentMethod.UNRECORDED)
    unrecorded = EmailConsent.objects.filter(member=OuterRef("pk"), how=ConsentMethod.UNRECORDED)
    return Q(Exists(unrecorded)) & ~Q(Exists(recorded))


def consent_is_unrecorded(*, member: Member) -> bool:
    return Member.objects.filter(consent_unrecorded(), pk=member.pk).exists()


def _record(
    *,
    member: Member,
    given: bool,
    how: ConsentMethod | str,
    wording: str,
    by: User | None,
    reason: str,
    wording_version: str,
) -> EmailConsent:
    reason = reason.strip()
    if how not in ConsentMethod.values or how == ConsentMethod.UNRECORDED:
        raise ValidationError({"how": _("Say how the member gave or withdrew consent.")})
    if not wording.strip():
        raise ValidationError({"wording": _("Keep the wording the member was shown.")})
    if how == ConsentMethod.STAFF and (by is None or not reason):
        raise ValidationError({"reason": _("Staff record consent only at the member's request: describe the request.")})
    locked = Member.objects.select_for_update().get(pk=member.pk)
    record = EmailConsent.objects.create(
        member=locked,
        given=given,
        how=how,
        wording=wording,
        wording_version=wording_version,
        by=by,
        reason=reason,
    )
    if locked.consent_email != given:
        locked.consent_email = given
        attribute_change(locked, by=by, origin=reason or how)
        locked.save(update_fields=["consent_email"])
    member.consent_email = given
    return record


@transaction.atomic
def consent_give(
    *,
    member: Member,
    how: ConsentMethod | str,
    wording: str,
    by: User | None = None,
    reason: str = "",
    wording_version: str = EMAIL_CONSENT_VERSION,
) -> EmailConsent:
    """Records that the member agreed to `wording` (the exact text shown) and turns campaign e-mail on. Staff
    (`how=STAFF`) must name themselves (`by`) and describe the member's request (`reason`)."""
    return _record(
        member=member, given=True, how=how, wording=wording, by=by, reason=reason, wording_version=wording_version
    )


@transaction.atomic
def consent_withdraw(
    *,
    member: Member,
    how: ConsentMethod | str,
    wording: str,
    by: User | None = None,
    reason: str = "",
    wording_version: str = EMAIL_CONSENT_VERSION,
) -> EmailConsent:
    """Records that the member withdrew consent and turns campaign e-mail off: messages reach the portal's inbox."""
    return _record(
        member=member, given=False, how=how, wording=wording, by=by, reason=reason, wording_version=wording_version
    )
