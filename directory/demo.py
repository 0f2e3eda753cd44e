"""Demo directory entries, an introduction awaiting the demo member's answer, an invitation they sent, verified
organisation facts and coverage targets, for `manage.py seed_demo` (`demo/directory/directory.json`)."""

import secrets
from datetime import timedelta
from typing import Any

from django.utils import timezone

from core.demo_files import demo_json
from directory.models import (
    INTRODUCTION_LIFETIME,
    INVITATION_LIFETIME,
    CoverageTarget,
    DirectoryProfile,
    Expertise,
    Introduction,
    Invitation,
    InvitationStatus,
    OrganisationFact,
    ProfileJurisdiction,
    ProfileLanguage,
)
from members.models import Member, Organisation, User

VISIBILITIES = ("name", "organisation", "sector", "expertise", "jurisdictions", "languages", "liaison_role")


def _member(row: dict[str, Any]) -> Member | None:
    members = Member.objects.filter(status=Member.Status.APPROVED).order_by("pk")
    if "member" in row:
        return members.filter(user__email=row["member"]).first()
    return members.filter(organisation__name=row["organisation"]).first()


def seed() -> list[tuple[str, str]]:
    """Idempotent: running it again adds nothing that is already there."""
    data = demo_json("directory/directory.json")
    expertise = {
        name: Expertise.objects.get_or_create(name=name, defaults={"kind": kind})[0] for name, kind in data["expertise"]
    }
    for row in data["profiles"]:
        member = _member(row)
        if member is None:
            continue
        defaults = {
            "listed": row.get("listed", True),
            "liaison_role": row.get("liaison_role", ""),
            "phone": row["phone"],
            **{f"{name}_visibility": row[f"{name}_visibility"] for name in VISIBILITIES if f"{name}_visibility" in row},
        }
        profile, created = DirectoryProfile.objects.get_or_create(member=member, defaults=defaults)
        if created:
            profile.expertise.set([expertise[name] for name in row["expertise"]])
            ProfileJurisdiction.objects.bulk_create(
                [ProfileJurisdiction(profile=profile, country=code) for code in row["jurisdictions"]]
            )
            ProfileLanguage.objects.bulk_create(
                [ProfileLanguage(profile=profile, language=code) for code in row["languages"]]
            )
    staff = User.objects.filter(is_staff=True).order_by("pk").first()
    for name, fact in data["facts"]:
        organisation = Organisation.objects.filter(name=name).first()
        if organisation and staff:
            OrganisationFact.objects.get_or_create(
                organisation=organisation, fact=fact, defaults={"verified_by": staff}
            )
    now = timezone.now()
    intro = data["introduction"]
    requester = _member({"organisation": intro["requester_organisation"]})
    recipient = _member({"member": intro["recipient"]})
    if requester and recipient and not Introduction.objects.filter(requester=requester, recipient=recipient).exists():
        asked = now - timedelta(days=2)
        Introduction.objects.create(
            requester=requester,
            recipient=recipient,
            reason=intro["reason"],
            created_at=asked,
            expires_at=asked + INTRODUCTION_LIFETIME,
        )
    invite = data["invitation"]
    sponsor = _member({"member": invite["sponsor"]})
    if sponsor and not Invitation.objects.filter(email=invite["email"]).exists():
        sent = now - timedelta(days=3)
        Invitation.objects.create(
            sponsor=sponsor,
            email=invite["email"],
            organisation=sponsor.organisation if invite["bind_organisation"] else None,
            nonce=secrets.token_hex(16),
            status=InvitationStatus.SENT,
            created_at=sent,
            sent_at=sent,
            expires_at=sent + INVITATION_LIFETIME,
        )
    for sector, country, organisations, active in data["coverage_targets"]:
        CoverageTarget.objects.get_or_create(
            sector=sector, country=country, defaults={"organisations": organisations, "active_members": active}
        )
    return []
