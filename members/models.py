from datetime import datetime
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from members.access import SHUT_OUT, account_standing
from members.statuses import MemberStatus
from personas.models import Sector


class UserManager(DjangoUserManager["User"]):
    """Users log in with their e-mail address; there is no username."""

    use_in_migrations = True

    def _create_user_with_email(self, email: str, password: str | None, **extra: Any) -> "User":
        if not email:
            raise ValueError(_("An e-mail address is required."))
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(  # type: ignore[override]
        self, email: str, password: str | None = None, **extra: Any
    ) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user_with_email(email, password, **extra)

    def create_superuser(  # type: ignore[override]
        self, email: str, password: str | None = None, **extra: Any
    ) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user_with_email(email, password, **extra)


class User(AbstractUser):
    username = None  # type: ignore[assignment]
    email = models.EmailField(_("e-mail address"), unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[UserManager] = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.email

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.email

    # A suspended, departed or inactive account holds no permission at all, whatever its role (superusers
    # included): every check of every channel sees the member's status, not only the role's group.
    def has_perm(self, perm: str, obj: Any = None) -> bool:
        return account_standing(self) not in SHUT_OUT and super().has_perm(perm, obj)

    def has_module_perms(self, app_label: str) -> bool:
        return account_standing(self) not in SHUT_OUT and super().has_module_perms(app_label)


class Organisation(models.Model):
    name = models.CharField(max_length=200, unique=True, verbose_name=_("name"))
    sector = models.CharField(max_length=32, choices=Sector.choices, db_index=True, verbose_name=_("sector"))
    country = CountryField(db_index=True, verbose_name=_("country"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(sector__in=Sector.values), name="organisation_sector_valid"),
        ]

    def __str__(self) -> str:
        return self.name


class OrganisationDomain(models.Model):
    """An e-mail domain of a member organisation; a sign-up from it is linked to the organisation."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="domains", verbose_name=_("organisation")
    )
    domain = models.CharField(
        max_length=253, unique=True, help_text=_("e.g. examplebank.com, lower case"), verbose_name=_("domain")
    )

    class Meta:
        verbose_name = _("organisation domain")
        verbose_name_plural = _("organisation domains")
        ordering = ["domain"]
        constraints = [
            models.CheckConstraint(condition=models.Q(domain=Lower("domain")), name="domain_lower_case"),
        ]

    def __str__(self) -> str:
        return self.domain


class MemberQuerySet(models.QuerySet["Member"]):
    def approved(self) -> "MemberQuerySet":
        return self.filter(status=Member.Status.APPROVED)

    def pending(self) -> "MemberQuerySet":
        return self.filter(status=Member.Status.PENDING)


class Member(models.Model):
    Status = MemberStatus

    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="member", verbose_name=_("user"))
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("organisation"),
    )
    job_title = models.CharField(max_length=200, blank=True, verbose_name=_("job title"))
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True, verbose_name=_("status")
    )
    status_changed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("status changed at"))
    status_changed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("status changed by")
    )
    persona = models.ForeignKey(
        "personas.Persona",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
        help_text=_("The member's primary persona: set by staff, or chosen by the member during onboarding."),
        verbose_name=_("persona"),
    )
    # The member's current e-mail consent, which the campaign engine reads; changed only by the services of
    # `members.consent`, which append each change to `EmailConsent`, the history that says when, how and on what
    # wording. Opt-in: nobody agrees by default.
    consent_email = models.BooleanField(_("E-mail consent"), default=False)
    timezone = models.CharField(max_length=64, default="UTC", verbose_name=_("timezone"))
    # The language of the portal's pages and of every e-mail to the member (`members.languages`); empty: the
    # browser's language, else English. A code of settings.LANGUAGES, checked by the profile form and the switcher
    # (no choices here, so that adding a language needs no migration).
    language = models.CharField(_("language"), max_length=16, blank=True, default="", db_default="")
    # Marked by staff: the member answers for their organisation's shared knowledge and may read the access log
    # of its labelled objects (`sharing`). Later organisation-admin features build on this flag.
    is_organisation_admin = models.BooleanField(
        _("organisation admin"),
        default=False,
        # Also in the database, so that rows written without the column (bulk loaders, older code mid-deploy) are
        # not admins.
        db_default=False,
        help_text=_("May read the access log of the organisation's labelled knowledge."),
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True, verbose_name=_("created at"))
    history = HistoricalRecords()

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["-created_at"]
        permissions = [
            ("use_portal", "Can use the member portal"),
            ("view_dashboards", "Can view the leadership dashboards"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=MemberStatus.values), name="member_status_valid"),
            # Approval needs an organisation: staff choose one when the e-mail domain did not match.
            models.CheckConstraint(
                condition=~models.Q(status="approved") | models.Q(organisation__isnull=False),
                name="approved_member_has_organisation",
            ),
            models.CheckConstraint(
                condition=models.Q(is_organisation_admin=False) | models.Q(organisation__isnull=False),
                name="organisation_admin_has_organisation",
            ),
        ]

    def __str__(self) -> str:
        return self.user.display_name

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED


class Verb(models.TextChoices):
    """Every kind of member touch the portal records."""

    SIGNED_UP = "signed_up", _("Signed up")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    LOGGED_IN = "logged_in", _("Logged in")
    PROFILE_UPDATED = "profile_updated", _("Profile updated")
    ONBOARDING_STEP = "onboarding_step", _("Onboarding step completed")
    INITIATIVE_VIEWED = "initiative_viewed", _("Initiative viewed")
    INITIATIVE_JOINED = "initiative_joined", _("Initiative joined")
    INITIATIVE_WAITLISTED = "initiative_waitlisted", _("Waitlisted for an initiative")
    INITIATIVE_PROMOTED = "initiative_promoted", _("Promoted from a waitlist")
    INITIATIVE_LEFT = "initiative_left", _("Initiative left")
    MESSAGE_SENT = "message_sent", _("Message sent")
    MESSAGE_OPENED = "message_opened", _("Message opened")
    LINK_CLICKED = "link_clicked", _("Link clicked")
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
    RESOURCE_VIEWED = "resource_viewed", _("Resource viewed")
    RED_FLAG_RATED = "red_flag_rated", _("Red flag rated")
    RED_FLAG_SUGGESTED = "red_flag_suggested", _("Red flag suggested")
    SESSION_ATTENDED = "session_attended", _("Attended an initiative session")
    SPACE_POSTED = "space_posted", _("Posted in a working-group space")
    SPACE_DOCUMENT_UPLOADED = "space_document_uploaded", _("Uploaded a document to a working-group space")
    OUTCOME_REPORTED = "outcome_reported", _("Reported a red flag's outcomes")
    IDEA_SUBMITTED = "idea_submitted", _("Submitted an idea")
    IDEA_VOTED = "idea_voted", _("Voted for an idea or a roadmap item")
    SURVEY_ANSWERED = "survey_answered", _("Answered a survey")
    INTRODUCTION_REQUESTED = "introduction_requested", _("Asked for an introduction")
    INTRODUCTION_ACCEPTED = "introduction_accepted", _("Accepted an introduction")
    MEMBER_INVITED = "member_invited", _("Invited a colleague or counterpart")


class Source(models.TextChoices):
    WEB = "web", _("Web")
    API = "api", _("API")
    EMAIL = "email", _("E-mail")
    ADMIN = "admin", _("Admin")
    SYSTEM = "system", _("System")


class Origin(models.TextChoices):
    """Who caused an activity: the channel (`Source`) says where it came in, this says whose act it was."""

    MEMBER = "member", _("Member")
    STAFF = "staff", _("Staff")
    SYSTEM = "system", _("System")


# The origins each verb may have, the usual one first. Only member-caused rows earn points or show a member
# active; a database constraint on `Activity` holds every row to this table.
VERB_ORIGINS: dict[str, tuple[Origin, ...]] = {
    Verb.SIGNED_UP: (Origin.MEMBER,),
    Verb.APPROVED: (Origin.STAFF,),
    Verb.REJECTED: (Origin.STAFF,),
    Verb.LOGGED_IN: (Origin.MEMBER,),
    Verb.PROFILE_UPDATED: (Origin.MEMBER, Origin.STAFF),
    Verb.ONBOARDING_STEP: (Origin.MEMBER,),
    Verb.INITIATIVE_VIEWED: (Origin.MEMBER,),
    Verb.INITIATIVE_JOINED: (Origin.MEMBER, Origin.STAFF),
    Verb.INITIATIVE_WAITLISTED: (Origin.MEMBER, Origin.STAFF),
    Verb.INITIATIVE_PROMOTED: (Origin.SYSTEM, Origin.STAFF),
    Verb.INITIATIVE_LEFT: (Origin.MEMBER, Origin.STAFF),
    Verb.MESSAGE_SENT: (Origin.SYSTEM,),
    # A tracking pixel: the member's mail client fetched it, often without them (prefetching).
    Verb.MESSAGE_OPENED: (Origin.MEMBER,),
    Verb.LINK_CLICKED: (Origin.MEMBER,),
    Verb.UNSUBSCRIBED: (Origin.MEMBER,),
    Verb.RESOURCE_VIEWED: (Origin.MEMBER,),
    Verb.RED_FLAG_RATED: (Origin.MEMBER,),
    Verb.RED_FLAG_SUGGESTED: (Origin.MEMBER,),
    # Staff record it, but the act is the member's presence.
    Verb.SESSION_ATTENDED: (Origin.MEMBER,),
    Verb.SPACE_POSTED: (Origin.MEMBER,),
    Verb.SPACE_DOCUMENT_UPLOADED: (Origin.MEMBER,),
    Verb.OUTCOME_REPORTED: (Origin.MEMBER,),
    Verb.IDEA_SUBMITTED: (Origin.MEMBER,),
    Verb.IDEA_VOTED: (Origin.MEMBER,),
    Verb.SURVEY_ANSWERED: (Origin.MEMBER,),
    Verb.INTRODUCTION_REQUESTED: (Origin.MEMBER,),
    Verb.INTRODUCTION_ACCEPTED: (Origin.MEMBER,),
    Verb.MEMBER_INVITED: (Origin.MEMBER,),
}


def origin_for(verb: str, source: str) -> Origin:
    """The origin of a row recorded without one: staff when it came through the admin and the verb allows
    staff, the system when the system wrote it and the verb allows that, else the verb's usual origin."""
    allowed = VERB_ORIGINS[verb]
    if source == Source.ADMIN and Origin.STAFF in allowed:
        return Origin.STAFF
    if source == Source.SYSTEM and Origin.SYSTEM in allowed:
        return Origin.SYSTEM
    return allowed[0]


def _origin_allowed() -> models.Q:
    condition = models.Q()
    for verb, origins in VERB_ORIGINS.items():
        condition |= models.Q(verb=verb, origin__in=[origin.value for origin in origins])
    return condition


class Activity(models.Model):
    """Append-only: written only by the `record_activity*` services of `members.services`; a database trigger
    refuses updates."""

    # No index of their own: `activity_member_time` and `activity_subject` lead with them, and an index more is
    # a write more for every row of the busiest table.
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="activities", db_index=False, verbose_name=_("member")
    )
    verb = models.CharField(max_length=32, choices=Verb.choices, verbose_name=_("verb"))
    subject_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, db_index=False, verbose_name=_("subject type")
    )
    subject_id = models.PositiveBigIntegerField(null=True, blank=True, verbose_name=_("subject ID"))
    subject = GenericForeignKey("subject_type", "subject_id")
    occurred_at = models.DateTimeField(db_index=True, verbose_name=_("occurred at"))
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.WEB, verbose_name=_("source"))
    # The services state it (`origin_for`); the default suits most verbs, and `activity_origin_allowed` refuses
    # it where it is wrong (a message sent is never the member's own act). Raw inserts must name it.
    origin = models.CharField(max_length=8, choices=Origin.choices, default=Origin.MEMBER, verbose_name=_("origin"))
    details = models.JSONField(default=dict, blank=True, verbose_name=_("details"))
    # Chosen by an API client for each event, so that resending a batch stores nothing twice.
    client_id = models.UUIDField(null=True, blank=True, editable=False, verbose_name=_("client ID"))

    class Meta:
        verbose_name = _("activity")
        ordering = ["-occurred_at", "-id"]
        verbose_name_plural = _("activities")
        permissions = [("record_activity_batch", "Can record batches of activity through the API")]
        indexes = [
            models.Index(fields=["member", "-occurred_at"], name="activity_member_time"),
            models.Index(fields=["verb", "occurred_at"], name="activity_verb_time"),
            # With the member last, "has this member acted on this initiative" reads only their own rows (the
            # score job asks it of every participant; on a large log an initiative has thousands of rows).
            models.Index(fields=["subject_type", "subject_id", "member"], name="activity_subject"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(verb__in=Verb.values), name="activity_verb_valid"),
            models.CheckConstraint(
                condition=models.Q(subject_type__isnull=True, subject_id__isnull=True)
                | models.Q(subject_type__isnull=False, subject_id__isnull=False),
                name="activity_subject_complete",
            ),
            models.CheckConstraint(condition=_origin_allowed(), name="activity_origin_allowed"),
            models.UniqueConstraint(fields=["client_id"], name="activity_client_id_unique"),
        ]

    def __str__(self) -> str:
        return _("%(member)s %(verb)s at %(moment)s") % {
            "member": self.member,
            "verb": self.get_verb_display(),
            "moment": f"{self.occurred_at:%Y-%m-%d %H:%M}",
        }


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def usable_at(self, moment: datetime) -> "ApiTokenQuerySet":
        return self.filter(models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=moment), revoked_at__isnull=True)


class ApiToken(models.Model):
    """A personal API token. The secret is shown once; only its SHA-256 digest is kept."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user"))
    name = models.CharField(max_length=100, verbose_name=_("name"))
    # The secret's first characters, shown in lists so that a person can tell their tokens apart.
    prefix = models.CharField(max_length=16, verbose_name=_("prefix"))
    digest = models.CharField(max_length=64, unique=True, verbose_name=_("digest"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    expires_at = models.DateTimeField(null=True, blank=True, verbose_name=_("expires at"))
    last_used_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last used at"))
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("revoked at"))

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        constraints = [
            models.CheckConstraint(condition=models.Q(digest__regex=r"^[0-9a-f]{64}$"), name="api_token_digest_hex"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class NotificationKind(models.TextChoices):
    PROMOTED = "promoted", _("Promoted from the waitlist")
    INITIATIVE_CHANGED = "initiative_changed", _("Initiative changed")
    INITIATIVE_CANCELLED = "initiative_cancelled", _("Initiative cancelled")
    CAMPAIGN_MESSAGE = "campaign_message", _("Message from The Knoble")
    SPACE_ACTIVITY = "space_activity", _("In a working-group space")
    OUTCOME_FEEDBACK = "outcome_feedback", _("Feedback on a red-flag outcome")
    ROADMAP_UPDATE = "roadmap_update", _("A roadmap item or idea you follow changed")


class Notification(models.Model):
    """An in-app notice in a member's inbox; written by services, never by hand. Any app may notify."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("member"))
    kind = models.CharField(max_length=32, choices=NotificationKind.choices, verbose_name=_("kind"))
    title = models.CharField(max_length=200, verbose_name=_("title"))
    body = models.TextField(blank=True, verbose_name=_("body"))
    url = models.CharField(max_length=500, blank=True, help_text=_("A path on this site."), verbose_name=_("URL"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    read_at = models.DateTimeField(null=True, blank=True, verbose_name=_("read at"))

    class Meta:
        # The table keeps the name it was created with in initiatives/, where the inbox began.
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        db_table = "initiatives_notification"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=NotificationKind.values), name="notification_kind_valid"
            ),
            # Only site-relative links: a notification can never send a member elsewhere.
            models.CheckConstraint(
                condition=models.Q(url="") | (models.Q(url__startswith="/") & ~models.Q(url__startswith="//")),
                name="notification_url_is_local",
            ),
        ]
        indexes = [
            models.Index(fields=["member", "-created_at"], name="notification_inbox"),
            models.Index(fields=["member"], condition=models.Q(read_at__isnull=True), name="notification_unread"),
        ]

    def __str__(self) -> str:
        return self.title


class ConsentMethod(models.TextChoices):
    """How a member's e-mail consent was given or withdrawn."""

    SIGN_UP = "sign_up", _("At sign-up")
    PROFILE = "profile", _("On the profile")
    UNSUBSCRIBE_LINK = "unsubscribe_link", _("Through an e-mail's unsubscribe link")
    STAFF = "staff", _("By staff, at the member's request")
    # Carried over from before consent was recorded: staff may ask again (the campaign segment "consent unrecorded").
    UNRECORDED = "unrecorded", _("Unrecorded: set before consent was recorded")


class EmailConsent(models.Model):
    """The append-only history of a member's e-mail consent: written only by `members.consent`; a database
    trigger refuses updates (and deletes, on PostgreSQL). Its latest row is the member's `consent_email`."""

    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="email_consents", db_index=False, verbose_name=_("member")
    )
    given = models.BooleanField(_("consent given"))
    how = models.CharField(_("how"), max_length=32, choices=ConsentMethod.choices)
    # The exact text the member was shown, in the language shown, and the version of that wording.
    wording = models.TextField(_("wording shown"), blank=True)
    wording_version = models.CharField(_("wording version"), max_length=32, blank=True)
    by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("recorded by")
    )
    reason = models.TextField(_("reason"), blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name_plural = _("e-mail consent records")
        ordering = ["-recorded_at", "-id"]
        verbose_name = _("e-mail consent record")
        indexes = [models.Index(fields=["member", "-recorded_at"], name="email_consent_member_time")]
        constraints = [
            models.CheckConstraint(condition=models.Q(how__in=ConsentMethod.values), name="email_consent_how_valid"),
            # Staff record consent only on the member's request, which they describe, under their own name.
            models.CheckConstraint(
                condition=~models.Q(how=ConsentMethod.STAFF) | (models.Q(by__isnull=False) & ~models.Q(reason="")),
                name="email_consent_staff_has_author_and_reason",
            ),
            models.CheckConstraint(
                condition=models.Q(how=ConsentMethod.UNRECORDED) | ~models.Q(wording=""),
                name="email_consent_recorded_has_wording",
            ),
        ]

    def __str__(self) -> str:
        state = _("given") if self.given else _("withdrawn")
        return f"{self.member_id} {state} {self.get_how_display()} {self.recorded_at:%Y-%m-%d %H:%M}"
