"""Who sees what in the directory, decided once here for every channel (page, CSV, API, e-mail)."""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from directory.models import (
    DirectoryProfile,
    Expertise,
    Introduction,
    IntroductionStatus,
    Invitation,
    OrganisationFact,
    Visibility,
)
from members.models import Member, User


@dataclass(frozen=True)
class Viewer:
    """Who is looking: staff see every field; a member sees members' fields and their own organisation's."""

    is_staff: bool
    member_id: int | None
    organisation_id: int | None
    is_organisation_admin: bool = False


def viewer_for(user: Any) -> Viewer:
    try:
        member = user.member
    except (AttributeError, Member.DoesNotExist):
        member = None
    return Viewer(
        is_staff=bool(user.is_staff),
        member_id=member.pk if member else None,
        organisation_id=member.organisation_id if member else None,
        is_organisation_admin=bool(member and member.is_organisation_admin),
    )


def _sees(viewer: Viewer, visibility: str, organisation_id: int | None) -> bool:
    if viewer.is_staff or visibility == Visibility.MEMBERS:
        return True
    return (
        visibility == Visibility.ORGANISATION
        and viewer.organisation_id is not None
        and viewer.organisation_id == organisation_id
    )


def _visible_q(viewer: Viewer, field_name: str) -> Q:
    """The rows whose `field_name` the viewer may see: filters never match on a field hidden from them."""
    if viewer.is_staff:
        return Q()
    visible = Q(**{f"{field_name}_visibility": Visibility.MEMBERS})
    if viewer.organisation_id is not None:
        visible |= Q(
            **{f"{field_name}_visibility": Visibility.ORGANISATION}, member__organisation_id=viewer.organisation_id
        )
    return visible


@dataclass
class DirectoryFilters:
    q: str = ""
    expertise: int | None = None
    sector: str = ""
    country: str = ""
    jurisdiction: str = ""
    language: str = ""
    liaison_role: str = ""


def listed_profiles(*, viewer: Viewer, filters: DirectoryFilters | None = None) -> QuerySet[DirectoryProfile]:
    """The profiles the viewer may find: listed, of approved members, matching the filters only on the fields
    the viewer may see. Five queries a page: the rows and three prefetches (plus the count when paged)."""
    filters = filters or DirectoryFilters()
    profiles = DirectoryProfile.objects.filter(listed=True, member__status=Member.Status.APPROVED)
    if filters.q:
        words = filters.q.strip()
        profiles = profiles.filter(
            (
                _visible_q(viewer, "name")
                & (Q(member__user__first_name__icontains=words) | Q(member__user__last_name__icontains=words))
            )
            | (_visible_q(viewer, "organisation") & Q(member__organisation__name__icontains=words))
        )
    if filters.expertise:
        profiles = profiles.filter(_visible_q(viewer, "expertise"), expertise=filters.expertise)
    if filters.sector:
        profiles = profiles.filter(_visible_q(viewer, "sector"), member__organisation__sector=filters.sector)
    if filters.country:
        profiles = profiles.filter(_visible_q(viewer, "organisation"), member__organisation__country=filters.country)
    if filters.jurisdiction:
        profiles = profiles.filter(_visible_q(viewer, "jurisdictions"), jurisdictions__country=filters.jurisdiction)
    if filters.language:
        profiles = profiles.filter(_visible_q(viewer, "languages"), languages__language=filters.language)
    if filters.liaison_role:
        profiles = profiles.filter(_visible_q(viewer, "liaison_role"), liaison_role=filters.liaison_role)
    return (
        profiles.distinct()
        .select_related("member__user", "member__organisation")
        .prefetch_related(
            Prefetch("expertise", queryset=Expertise.objects.order_by("name")),
            "jurisdictions",
            "languages",
        )
        .order_by("member__user__last_name", "member__user__first_name", "id")
    )


@dataclass
class Entry:
    """One profile as the viewer may see it; a hidden field is None. Never carries contact details."""

    member_id: int
    name: str | None
    organisation: str | None
    country: str | None
    sector: str | None
    expertise: list[str] | None
    jurisdictions: list[str] | None
    languages: list[str] | None
    liaison_role: str | None
    facts: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "member": self.member_id,
            "name": self.name,
            "organisation": self.organisation,
            "country": self.country,
            "sector": self.sector,
            "expertise": self.expertise,
            "jurisdictions": self.jurisdictions,
            "languages": self.languages,
            "liaison_role": self.liaison_role,
        }


ENTRY_COLUMNS = [
    "member",
    "name",
    "organisation",
    "country",
    "sector",
    "expertise",
    "jurisdictions",
    "languages",
    "liaison_role",
]


def entry_for(profile: DirectoryProfile, viewer: Viewer) -> Entry:
    member = profile.member
    organisation = member.organisation
    org_id = member.organisation_id

    def sees(name: str) -> bool:
        return _sees(viewer, getattr(profile, f"{name}_visibility"), org_id)

    return Entry(
        member_id=member.pk,
        name=member.user.get_full_name() or _("A member") if sees("name") else None,
        organisation=organisation.name if organisation and sees("organisation") else None,
        country=str(organisation.country.name) if organisation and sees("organisation") else None,
        sector=str(organisation.get_sector_display()) if organisation and sees("sector") else None,
        expertise=[item.name for item in profile.expertise.all()] if sees("expertise") else None,
        jurisdictions=[str(j.country.name) for j in profile.jurisdictions.all()] if sees("jurisdictions") else None,
        languages=[str(lang.get_language_display()) for lang in profile.languages.all()] if sees("languages") else None,
        liaison_role=(str(profile.get_liaison_role_display()) if profile.liaison_role else "")
        if sees("liaison_role")
        else None,
    )


def organisation_facts(organisation_ids: set[int]) -> dict[int, list[str]]:
    facts: dict[int, list[str]] = {}
    for fact in OrganisationFact.objects.filter(organisation_id__in=organisation_ids).order_by("fact"):
        facts.setdefault(fact.organisation_id, []).append(str(fact.get_fact_display()))
    return facts


def entries(*, profiles: list[DirectoryProfile], viewer: Viewer) -> list[Entry]:
    """The entries of a page of profiles, with the staff-verified facts of the organisations the viewer sees."""
    result = [entry_for(profile, viewer) for profile in profiles]
    visible_orgs = {p.member.organisation_id for p, e in zip(profiles, result, strict=True) if e.organisation}
    facts = organisation_facts({org for org in visible_orgs if org is not None}) if visible_orgs else {}
    for profile, entry in zip(profiles, result, strict=True):
        if entry.organisation and profile.member.organisation_id in facts:
            entry.facts = facts[profile.member.organisation_id]
    return result


def findable_member(*, viewer: Viewer, member_id: int) -> DirectoryProfile | None:
    """A listed profile the viewer may ask to be introduced to (never their own)."""
    profiles = listed_profiles(viewer=viewer).filter(member_id=member_id)
    if viewer.member_id is not None:
        profiles = profiles.exclude(member_id=viewer.member_id)
    return profiles.first()


def introductions_of(*, member: Member) -> QuerySet[Introduction]:
    return (
        Introduction.objects.filter(Q(requester=member) | Q(recipient=member))
        .select_related("requester__user", "requester__organisation", "recipient__user", "recipient__organisation")
        .prefetch_related("requester__directory_profile", "recipient__directory_profile")
        .order_by("-created_at")
    )


def contact_details(*, introduction: Introduction, member: Member) -> dict[str, str] | None:
    """The other party's contact details: only to the two parties, and only once the recipient accepted."""
    if introduction.status != IntroductionStatus.ACCEPTED:
        return None
    if member.pk == introduction.requester_id:
        other = introduction.recipient
    elif member.pk == introduction.recipient_id:
        other = introduction.requester
    else:
        return None
    profile = getattr(other, "directory_profile", None)
    return {"email": other.user.email, "phone": profile.phone if profile else ""}


def invitations_of(*, sponsor: Member) -> QuerySet[Invitation]:
    return Invitation.objects.filter(sponsor=sponsor).select_related("organisation", "invitee").order_by("-created_at")


def colleagues_of(*, admin: Member) -> QuerySet[Member]:
    """An organisation admin's colleagues with their membership state (and their lifecycle stage)."""
    if not admin.is_organisation_admin or admin.organisation_id is None:
        return Member.objects.none()
    return (
        Member.objects.filter(organisation_id=admin.organisation_id)
        .exclude(pk=admin.pk)
        .select_related("user", "engagement")
        .order_by("user__last_name", "user__first_name", "id")
    )


def sponsor_of(member: Member) -> User | None:
    invitation = Invitation.objects.filter(invitee=member).select_related("sponsor__user").first()
    return invitation.sponsor.user if invitation else None
