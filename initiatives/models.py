import hashlib
from collections.abc import Collection
from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ecosystem.models import RedFlag, Stage
from members.models import Member, User
from personas.models import Persona, Sector
from roadmap.models import RoadmapItem


class InitiativeKind(models.TextChoices):
    WORKING_GROUP = "working_group", _("Working group")
    TRAINING = "training", _("Training")
    DATA_SHARING_PILOT = "data_sharing_pilot", _("Data-sharing pilot")
    EVENT = "event", _("Event")
    RESOURCE = "resource", _("Resource")


class InitiativeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


def sector_may_join(*, eligible: Collection[str], sector: str | None) -> bool:
    """The sector rule of joining, written once: an initiative that lists no sector is open to every sector;
    one that lists some is open only to members whose organisation is in one of them (a member without an
    organisation is not). `InitiativeQuerySet.eligible_for_sector` is the same rule in SQL."""
    return not eligible or (sector is not None and sector in eligible)


class InitiativeQuerySet(models.QuerySet["Initiative"]):
    def visible(self) -> "InitiativeQuerySet":
        """What members may see: everything but drafts."""
        return self.exclude(status=InitiativeStatus.DRAFT)

    def visible_to(self, user: User) -> "InitiativeQuerySet":
        """Staff also see drafts; everyone else what members may see."""
        return self if user.is_staff else self.visible()

    def signup_open_at(self, moment: datetime) -> "InitiativeQuerySet":
        """Open, and inside the sign-up window (an empty bound does not limit)."""
        return self.filter(
            Q(signup_opens_at__isnull=True) | Q(signup_opens_at__lte=moment),
            Q(signup_closes_at__isnull=True) | Q(signup_closes_at__gt=moment),
            status=InitiativeStatus.OPEN,
        )

    def eligible_for_sector(self, sector: str) -> "InitiativeQuerySet":
        """`sector_may_join` in SQL: initiatives with no eligible sectors are open to all; the others list it."""
        listed = EligibleSector.objects.filter(initiative=OuterRef("pk"))
        return self.filter(~Exists(listed) | Exists(listed.filter(sector=sector)))


class Initiative(models.Model):
    """Something members take part in: a working group, a training, a data-sharing pilot, an event, a resource."""

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    summary = models.CharField(max_length=300)
    description = models.TextField(blank=True, help_text=_("Markdown; sanitised when shown."))
    kind = models.CharField(max_length=32, choices=InitiativeKind.choices, db_index=True)
    status = models.CharField(
        max_length=16, choices=InitiativeStatus.choices, default=InitiativeStatus.DRAFT, db_index=True
    )
    target_personas = models.ManyToManyField(Persona, blank=True, related_name="initiatives")
    capacity = models.PositiveIntegerField(null=True, blank=True, help_text=_("Empty means unlimited."))
    has_waitlist = models.BooleanField(
        "keep a waitlist", default=True, help_text=_("When full, later sign-ups queue; otherwise they are refused.")
    )
    signup_opens_at = models.DateTimeField(null=True, blank=True)
    signup_closes_at = models.DateTimeField(null=True, blank=True)
    starts_at = models.DateTimeField(null=True, blank=True, db_index=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_initiatives",
        limit_choices_to={"is_staff": True},
        help_text=_("A member of staff."),
    )
    is_online = models.BooleanField("online", default=True)
    location = models.CharField(max_length=200, blank=True, help_text=_("Where it takes place, when not online."))
    # PROTECT: a roadmap item that launched initiatives cannot be deleted and take the link with it.
    roadmap_item = models.ForeignKey(
        RoadmapItem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="initiatives",
        help_text=_("The roadmap item this initiative was launched from."),
    )
    stages = models.ManyToManyField(
        Stage, blank=True, related_name="initiatives", help_text=_("Stages of an ecosystem map it works on.")
    )
    red_flags = models.ManyToManyField(
        RedFlag, blank=True, related_name="initiatives", help_text=_("Red flags it works on.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The personas, stages and red flags it is aimed at are part of what staff change, so they are kept too.
    history = HistoricalRecords(excluded_fields=["updated_at"], m2m_fields=[target_personas, stages, red_flags])

    objects = InitiativeQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "title"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=InitiativeKind.values), name="initiative_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=InitiativeStatus.values), name="initiative_status_valid"),
            models.CheckConstraint(condition=Q(capacity__isnull=True) | Q(capacity__gt=0), name="capacity_positive"),
            models.CheckConstraint(
                condition=Q(signup_opens_at__isnull=True)
                | Q(signup_closes_at__isnull=True)
                | Q(signup_closes_at__gt=F("signup_opens_at")),
                name="signup_window_ordered",
            ),
            models.CheckConstraint(
                condition=Q(starts_at__isnull=True) | Q(ends_at__isnull=True) | Q(ends_at__gte=F("starts_at")),
                name="initiative_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("initiatives:detail", kwargs={"slug": self.slug})

    def is_open_to(self, member: Member) -> bool:
        """Whether the member's sector may join (`sector_may_join`); reads prefetched eligible sectors if any."""
        organisation = member.organisation
        return sector_may_join(
            eligible={row.sector for row in self.eligible_sectors.all()},
            sector=organisation.sector if organisation is not None else None,
        )

    def signup_is_open_at(self, moment: datetime) -> bool:
        return (
            self.status == InitiativeStatus.OPEN
            and (self.signup_opens_at is None or self.signup_opens_at <= moment)
            and (self.signup_closes_at is None or moment < self.signup_closes_at)
        )


class EligibleSector(models.Model):
    """A sector whose members may join; an initiative with none is open to every sector."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="eligible_sectors")
    sector = models.CharField(max_length=32, choices=Sector.choices)

    class Meta:
        ordering = ["sector"]
        constraints = [
            models.UniqueConstraint(fields=["initiative", "sector"], name="eligible_sector_once"),
            models.CheckConstraint(condition=Q(sector__in=Sector.values), name="eligible_sector_valid"),
        ]
        indexes = [models.Index(fields=["sector", "initiative"], name="eligible_sector_lookup")]

    def __str__(self) -> str:
        return self.get_sector_display()


class ParticipationRole(models.TextChoices):
    PARTICIPANT = "participant", _("Participant")
    CO_LEAD = "co_lead", _("Co-lead")
    OBSERVER = "observer", _("Observer")


class ParticipationStatus(models.TextChoices):
    ACTIVE = "active", _("Taking part")
    WAITLISTED = "waitlisted", _("Waitlisted")
    LEFT = "left", _("Left")


class Participation(models.Model):
    """One row per member and initiative; its status moves between active, waitlisted and left."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="participations")
    initiative = models.ForeignKey(Initiative, on_delete=models.PROTECT, related_name="participations")
    role = models.CharField(max_length=16, choices=ParticipationRole.choices, default=ParticipationRole.PARTICIPANT)
    status = models.CharField(max_length=16, choices=ParticipationStatus.choices)
    # The waitlist is served in the order people asked; this is when they (last) asked to join.
    requested_at = models.DateTimeField()
    joined_at = models.DateTimeField(null=True, blank=True)
    left_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["member", "initiative"], name="one_participation_per_member"),
            models.CheckConstraint(condition=Q(role__in=ParticipationRole.values), name="participation_role_valid"),
            models.CheckConstraint(
                condition=Q(status__in=ParticipationStatus.values), name="participation_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=ParticipationStatus.ACTIVE) | Q(joined_at__isnull=False),
                name="active_participation_has_joined_at",
            ),
            models.CheckConstraint(
                condition=~Q(status=ParticipationStatus.LEFT) | Q(left_at__isnull=False),
                name="left_participation_has_left_at",
            ),
        ]
        indexes = [
            models.Index(fields=["initiative", "status", "requested_at"], name="participation_queue"),
            models.Index(fields=["member", "status"], name="participation_member_status"),
        ]

    def __str__(self) -> str:
        return f"{self.member} in {self.initiative} ({self.get_status_display()})"


class InitiativeSession(models.Model):
    """A dated meeting of an initiative (a working group's call, a training day), whose attendance staff record."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="sessions")
    starts_at = models.DateTimeField()
    title = models.CharField(_("title"), max_length=200, blank=True, help_text=_("Optional, e.g. “Kick-off call”."))

    class Meta:
        ordering = ["initiative", "-starts_at"]
        verbose_name = _("session")
        indexes = [models.Index(fields=["initiative", "starts_at"], name="session_initiative_time")]

    def __str__(self) -> str:
        return self.title or f"{self.initiative}, {self.starts_at:%Y-%m-%d}"


class Attendance(models.Model):
    """A member was at a session; recorded once, by staff or the initiative's lead, with an activity caused by
    the member's presence (`initiatives.services.attendance_record`)."""

    session = models.ForeignKey(InitiativeSession, on_delete=models.PROTECT, related_name="attendances")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="attendances")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["session", "member"]
        constraints = [models.UniqueConstraint(fields=["session", "member"], name="attendance_once")]

    def __str__(self) -> str:
        return f"{self.member} at {self.session}"


class CalendarFeed(models.Model):
    """A member's private calendar address, which calendar apps fetch without signing in. The secret in the
    address is shown once; only its SHA-256 digest is kept, so a database leak reveals no working address."""

    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="calendar_feed")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_fetched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(digest__regex=r"^[0-9a-f]{64}$"), name="calendar_feed_digest_hex"),
        ]

    def __str__(self) -> str:
        return _("Calendar feed of %(member)s") % {"member": self.member}

    @staticmethod
    def digest_of(secret: str) -> str:
        """Secrets are 256 random bits, so a plain SHA-256 is enough: there is nothing to brute-force."""
        return hashlib.sha256(secret.encode()).hexdigest()
