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

    title = models.CharField(max_length=200, verbose_name=_("title"))
    slug = models.SlugField(max_length=200, unique=True, verbose_name=_("slug"))
    summary = models.CharField(max_length=300, verbose_name=_("summary"))
    description = models.TextField(
        blank=True, help_text=_("Markdown; sanitised when shown."), verbose_name=_("description")
    )
    kind = models.CharField(max_length=32, choices=InitiativeKind.choices, db_index=True, verbose_name=_("kind"))
    status = models.CharField(
        max_length=16,
        choices=InitiativeStatus.choices,
        default=InitiativeStatus.DRAFT,
        db_index=True,
        verbose_name=_("status"),
    )
    target_personas = models.ManyToManyField(
        Persona, blank=True, related_name="initiatives", verbose_name=_("target personas")
    )
    capacity = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("Empty means unlimited."), verbose_name=_("capacity")
    )
    has_waitlist = models.BooleanField(
        _("keep a waitlist"), default=True, help_text=_("When full, later sign-ups queue; otherwise they are refused.")
    )
    signup_opens_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sign-up opens at"))
    signup_closes_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sign-up closes at"))
    starts_at = models.DateTimeField(null=True, blank=True, db_index=True, verbose_name=_("starts at"))
    ends_at = models.DateTimeField(null=True, blank=True, verbose_name=_("ends at"))
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_initiatives",
        limit_choices_to={"is_staff": True},
        help_text=_("A member of staff."),
        verbose_name=_("lead"),
    )
    is_online = models.BooleanField(_("online"), default=True)
    location = models.CharField(
        max_length=200, blank=True, help_text=_("Where it takes place, when not online."), verbose_name=_("location")
    )
    # PROTECT: a roadmap item that launched initiatives cannot be deleted and take the link with it.
    roadmap_item = models.ForeignKey(
        RoadmapItem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="initiatives",
        help_text=_("The roadmap item this initiative was launched from."),
        verbose_name=_("roadmap item"),
    )
    stages = models.ManyToManyField(
        Stage,
        blank=True,
        related_name="initiatives",
        help_text=_("Stages of an ecosystem map it works on."),
        verbose_name=_("stages"),
    )
    red_flags = models.ManyToManyField(
        RedFlag,
        blank=True,
        related_name="initiatives",
        help_text=_("Red flags it works on."),
        verbose_name=_("red flags"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))
    # The personas, stages and red flags it is aimed at are part of what staff change, so they are kept too.
    history = HistoricalRecords(excluded_fields=["updated_at"], m2m_fields=[target_personas, stages, red_flags])

    objects = InitiativeQuerySet.as_manager()

    class Meta:
        verbose_name = _("initiative")
        verbose_name_plural = _("initiatives")
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

    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="eligible_sectors", verbose_name=_("initiative")
    )
    sector = models.CharField(max_length=32, choices=Sector.choices, verbose_name=_("sector"))

    class Meta:
        verbose_name = _("eligible sector")
        verbose_name_plural = _("eligible sectors")
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

    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="participations", verbose_name=_("member")
    )
    initiative = models.ForeignKey(
        Initiative, on_delete=models.PROTECT, related_name="participations", verbose_name=_("initiative")
    )
    role = models.CharField(
        max_length=16, choices=ParticipationRole.choices, default=ParticipationRole.PARTICIPANT, verbose_name=_("role")
    )
    status = models.CharField(max_length=16, choices=ParticipationStatus.choices, verbose_name=_("status"))
    # The waitlist is served in the order people asked; this is when they (last) asked to join.
    requested_at = models.DateTimeField(verbose_name=_("requested at"))
    joined_at = models.DateTimeField(null=True, blank=True, verbose_name=_("joined at"))
    left_at = models.DateTimeField(null=True, blank=True, verbose_name=_("left at"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
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
        return _("%(member)s in %(initiative)s (%(status)s)") % {
            "member": self.member,
            "initiative": self.initiative,
            "status": self.get_status_display(),
        }


class InitiativeSession(models.Model):
    """A dated meeting of an initiative (a working group's call, a training day), whose attendance staff record."""

    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("initiative")
    )
    starts_at = models.DateTimeField(verbose_name=_("starts at"))
    title = models.CharField(_("title"), max_length=200, blank=True, help_text=_("Optional, e.g. “Kick-off call”."))

    class Meta:
        verbose_name_plural = _("sessions")
        ordering = ["initiative", "-starts_at"]
        verbose_name = _("session")
        indexes = [models.Index(fields=["initiative", "starts_at"], name="session_initiative_time")]

    def __str__(self) -> str:
        return self.title or f"{self.initiative}, {self.starts_at:%Y-%m-%d}"


class Attendance(models.Model):
    """A member was at a session; recorded once, by staff or the initiative's lead, with an activity caused by
    the member's presence (`initiatives.services.attendance_record`)."""

    session = models.ForeignKey(
        InitiativeSession, on_delete=models.PROTECT, related_name="attendances", verbose_name=_("session")
    )
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="attendances", verbose_name=_("member"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(default=timezone.now, verbose_name=_("recorded at"))

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        ordering = ["session", "member"]
        constraints = [models.UniqueConstraint(fields=["session", "member"], name="attendance_once")]

    def __str__(self) -> str:
        return _("%(member)s at %(session)s") % {"member": self.member, "session": self.session}


class CalendarFeed(models.Model):
    """A member's private calendar address, which calendar apps fetch without signing in. The secret in the
    address is shown once; only its SHA-256 digest is kept, so a database leak reveals no working address."""

    member = models.OneToOneField(
        Member, on_delete=models.CASCADE, related_name="calendar_feed", verbose_name=_("member")
    )
    digest = models.CharField(max_length=64, unique=True, verbose_name=_("digest"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    last_fetched_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last fetched at"))

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
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
