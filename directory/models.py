"""The vetted member directory (issue 23): profiles with a visibility per field, brokered introductions, sponsored
invitations, organisation admins' suspension requests and the coverage targets leadership sets."""

from datetime import timedelta
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from members.models import Member, Organisation, User
from personas.models import Sector

INTRODUCTION_LIFETIME = timedelta(days=14)
INVITATION_LIFETIME = timedelta(days=30)


# Languages a member may say they work in (not the site's own languages).
WORKING_LANGUAGES = [
    ("en", _("English")),
    ("es", _("Spanish")),
    ("fr", _("French")),
    ("pt", _("Portuguese")),
    ("de", _("German")),
    ("zh", _("Chinese")),
    ("ar", _("Arabic")),
    ("hi", _("Hindi")),
    ("ru", _("Russian")),
    ("vi", _("Vietnamese")),
    ("tl", _("Tagalog")),
]


class Visibility(models.TextChoices):
    """Who sees one field of a profile. Staff always see every field."""

    STAFF = "staff", _("Knoble staff only")
    ORGANISATION = "organisation", _("My organisation")
    MEMBERS = "members", _("All members")


class ExpertiseKind(models.TextChoices):
    TYPOLOGY = "typology", _("Typology")
    SECTOR = "sector", _("Sector")
    SKILL = "skill", _("Skill")


class Expertise(models.Model):
    """An area of expertise members may claim: a list staff manage."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=ExpertiseKind.choices)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("area of expertise")
        verbose_name_plural = _("areas of expertise")
        constraints = [models.CheckConstraint(condition=Q(kind__in=ExpertiseKind.values), name="expertise_kind_valid")]

    def __str__(self) -> str:
        return self.name


class LiaisonRole(models.TextChoices):
    NONE = "", _("None")
    LAW_ENFORCEMENT = "law_enforcement", _("Law-enforcement liaison")
    SECTION_314B = "314b", _("314(b) contact")
    SURVIVOR_SERVICES = "survivor_services", _("Survivor-services contact")
    PROSECUTION = "prosecution", _("Prosecution contact")


# The fields of a profile that carry their own visibility, and the default of each: the default shows
# name, organisation, sector and expertise to members only; the rest to staff until the member opens them.
VISIBLE_FIELDS: dict[str, Visibility] = {
    "name": Visibility.MEMBERS,
    "organisation": Visibility.MEMBERS,
    "sector": Visibility.MEMBERS,
    "expertise": Visibility.MEMBERS,
    "jurisdictions": Visibility.STAFF,
    "languages": Visibility.STAFF,
    "liaison_role": Visibility.STAFF,
}


def _visibility_field(name: str, verbose_name: Any) -> "models.CharField[str, str]":
    return models.CharField(verbose_name, max_length=16, choices=Visibility.choices, default=VISIBLE_FIELDS[name].value)


class DirectoryProfile(models.Model):
    """A member's entry in the directory. `listed=False` removes the member from every channel at once."""

    member = models.OneToOneField(
        Member, on_delete=models.CASCADE, related_name="directory_profile", verbose_name=_("member")
    )
    listed = models.BooleanField(
        _("listed in the directory"), default=True, help_text=_("Untick to leave the directory altogether.")
    )
    expertise = models.ManyToManyField(Expertise, blank=True, related_name="profiles", verbose_name=_("expertise"))
    liaison_role = models.CharField(
        _("role in liaison"), max_length=24, choices=LiaisonRole.choices, blank=True, db_index=True
    )
    phone = models.CharField(
        _("phone"), max_length=40, blank=True, help_text=_("Shared only with members whose introduction you accept.")
    )
    name_visibility = _visibility_field("name", _("who sees the name"))
    organisation_visibility = _visibility_field("organisation", _("who sees the organisation and country"))
    sector_visibility = _visibility_field("sector", _("who sees the sector"))
    expertise_visibility = _visibility_field("expertise", _("who sees the expertise"))
    jurisdictions_visibility = _visibility_field("jurisdictions", _("who sees the jurisdictions"))
    languages_visibility = _visibility_field("languages", _("who sees the languages"))
    liaison_role_visibility = _visibility_field("liaison_role", _("who sees the role in liaison"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name_plural = _("directory profiles")
        verbose_name = _("directory profile")
        indexes = [models.Index(fields=["listed", "member"], name="directory_profile_listed")]
        constraints = [
            models.CheckConstraint(
                condition=Q(**{f"{name}_visibility__in": Visibility.values}),
                name=f"profile_{name}_visibility_valid",
            )
            for name in VISIBLE_FIELDS
        ]

    def __str__(self) -> str:
        return str(self.member)


class ProfileJurisdiction(models.Model):
    profile = models.ForeignKey(
        DirectoryProfile, on_delete=models.CASCADE, related_name="jurisdictions", verbose_name=_("profile")
    )
    country = CountryField(_("country"), db_index=True)

    class Meta:
        verbose_name = _("profile jurisdiction")
        verbose_name_plural = _("profile jurisdictions")
        constraints = [models.UniqueConstraint(fields=["profile", "country"], name="profile_jurisdiction_unique")]

    def __str__(self) -> str:
        return str(self.country.name)


class ProfileLanguage(models.Model):
    profile = models.ForeignKey(
        DirectoryProfile, on_delete=models.CASCADE, related_name="languages", verbose_name=_("profile")
    )
    language = models.CharField(_("language"), max_length=8, choices=WORKING_LANGUAGES, db_index=True)

    class Meta:
        verbose_name = _("profile language")
        verbose_name_plural = _("profile languages")
        constraints = [models.UniqueConstraint(fields=["profile", "language"], name="profile_language_unique")]

    def __str__(self) -> str:
        return self.get_language_display()


class OrganisationFact(models.Model):
    """A fact about an organisation that staff verified (it offers accounts to survivors); every member sees it."""

    class Fact(models.TextChoices):
        SURVIVOR_ACCOUNTS = "survivor_accounts", _("Offers accounts to survivors")
        SURVIVOR_ONBOARDING = "survivor_onboarding", _("Survivor-friendly onboarding")
        SECTION_314B = "314b", _("Registered for 314(b) information sharing")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="directory_facts", verbose_name=_("organisation")
    )
    fact = models.CharField(_("fact"), max_length=32, choices=Fact.choices)
    verified_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("verified by"))
    verified_at = models.DateTimeField(_("verified at"), auto_now_add=True)

    class Meta:
        verbose_name_plural = _("verified organisation facts")
        verbose_name = _("verified organisation fact")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "fact"], name="organisation_fact_unique"),
            models.CheckConstraint(
                condition=Q(fact__in=["survivor_accounts", "survivor_onboarding", "314b"]),
                name="organisation_fact_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.get_fact_display()}"


class IntroductionStatus(models.TextChoices):
    REQUESTED = "requested", _("Awaiting an answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired")


class Introduction(models.Model):
    """A brokered introduction: contact details are exchanged only once the recipient accepts."""

    requester = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="introductions_asked", verbose_name=_("requester")
    )
    recipient = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="introductions_received", verbose_name=_("recipient")
    )
    reason = models.TextField(_("why you would like to be introduced"), max_length=600)
    status = models.CharField(
        _("status"), max_length=16, choices=IntroductionStatus.choices, default=IntroductionStatus.REQUESTED
    )
    created_at = models.DateTimeField(_("asked at"), db_index=True)
    expires_at = models.DateTimeField(_("expires at"))
    decided_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name_plural = _("introductions")
        ordering = ["-created_at"]
        verbose_name = _("introduction")
        indexes = [
            models.Index(fields=["recipient", "status"], name="introduction_recipient"),
            models.Index(fields=["requester", "created_at"], name="introduction_requester"),
            models.Index(fields=["status", "expires_at"], name="introduction_expiry"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=IntroductionStatus.values), name="introduction_status_valid"),
            models.CheckConstraint(condition=~Q(requester=models.F("recipient")), name="introduction_not_to_self"),
            models.UniqueConstraint(
                fields=["requester", "recipient"], condition=Q(status="requested"), name="introduction_one_open"
            ),
            models.CheckConstraint(
                condition=Q(status="requested", decided_at__isnull=True) | (~Q(status="requested")),
                name="introduction_open_undecided",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.requester} → {self.recipient} ({self.get_status_display()})"


class IntroductionReport(models.Model):
    """A recipient's report of an abusive request (harvesting, spam): staff read them in the admin."""

    introduction = models.ForeignKey(
        Introduction, on_delete=models.CASCADE, related_name="reports", verbose_name=_("introduction")
    )
    reporter = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+", verbose_name=_("reporter"))
    reason = models.TextField(_("what is wrong"), max_length=1000)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name_plural = _("introduction abuse reports")
        ordering = ["-created_at"]
        verbose_name = _("introduction abuse report")
        constraints = [models.UniqueConstraint(fields=["introduction", "reporter"], name="introduction_report_once")]

    def __str__(self) -> str:
        return f"{self.reporter}: {self.introduction}"


class InvitationStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Signed up")
    REVOKED = "revoked", _("Revoked")


class Invitation(models.Model):
    """A sponsored invitation: single use, to one e-mail address, expiring in 30 days, optionally bound to an
    organisation. Its link carries a token signed with the secret key. The invitee still verifies their e-mail and
    waits for staff approval: the invitation only names their sponsor."""

    sponsor = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="invitations_sent", verbose_name=_("sponsor")
    )
    email = models.EmailField(_("e-mail address"))
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("organisation")
    )
    note = models.TextField(_("a note to them"), max_length=600, blank=True)
    # With the secret key, makes the signed token of the link (`directory.services.invitation_token`); never shown.
    nonce = models.CharField(max_length=32, editable=False, verbose_name=_("nonce"))
    status = models.CharField(
        _("status"), max_length=16, choices=InvitationStatus.choices, default=InvitationStatus.QUEUED, db_index=True
    )
    created_at = models.DateTimeField(_("created at"), db_index=True)
    expires_at = models.DateTimeField(_("expires at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("signed up at"), null=True, blank=True)
    invitee = models.OneToOneField(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="invitation", verbose_name=_("invitee")
    )

    class Meta:
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        indexes = [models.Index(fields=["sponsor", "created_at"], name="invitation_sponsor")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=InvitationStatus.values), name="invitation_status_valid"),
            models.CheckConstraint(
                condition=~Q(status="accepted") | Q(accepted_at__isnull=False), name="invitation_accepted_dated"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.sponsor})"


class SuspensionRequest(models.Model):
    """An organisation admin asks staff to suspend a colleague who left; staff decide in the members admin."""

    requested_by = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+", verbose_name=_("requested by"))
    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="suspension_requests", verbose_name=_("member")
    )
    reason = models.TextField(_("reason"), max_length=1000)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name_plural = _("suspension requests")
        ordering = ["-created_at"]
        verbose_name = _("suspension request")
        constraints = [
            models.UniqueConstraint(
                fields=["member"], condition=Q(resolved_at__isnull=True), name="suspension_request_one_open"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} ({self.requested_by})"


class CoverageTarget(models.Model):
    """Leadership's target for one sector in one country: member organisations and active members."""

    sector = models.CharField(_("sector"), max_length=32, choices=Sector.choices)
    country = CountryField(_("country"))
    organisations = models.PositiveIntegerField(_("member organisations"), default=0)
    active_members = models.PositiveIntegerField(_("active members"), default=0)

    class Meta:
        verbose_name_plural = _("coverage targets")
        ordering = ["country", "sector"]
        verbose_name = _("coverage target")
        constraints = [
            models.UniqueConstraint(fields=["sector", "country"], name="coverage_target_unique"),
            models.CheckConstraint(condition=Q(sector__in=Sector.values), name="coverage_target_sector_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_sector_display()} · {self.country.name}"
