"""Red flags: what an institution can observe at a stage, an actor or a flow; their observers, published
revisions and members' ratings."""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length, Trim
from django.db.models.lookups import GreaterThan
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ecosystem.models.map import Actor, FinancialFlow, Stage, TraffickingCategory, same_category
from members.models import Member
from personas.models import Persona
from sharing.models import Label, label_constraint, label_field


class Confidence(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class ReviewState(models.TextChoices):
    """Draft → in review → verified (by a second staff member) → published; retired withdraws it."""

    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    VERIFIED = "verified", _("Verified")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")


GLOBAL = "global"


def applies_in_q(jurisdiction: str) -> Q:
    """Red flags that apply in a jurisdiction: its own, and the global ones."""
    return Q(jurisdiction__in=[jurisdiction, GLOBAL])


def in_stage_q(stage_id: int) -> Q:
    """Red flags of a stage: of the stage itself, of the actors placed in it and of the flows happening in it."""
    return Q(stage_id=stage_id) | Q(actor__stage_id=stage_id) | Q(flow__stage_id=stage_id)


class RedFlagQuerySet(models.QuerySet["RedFlag"]):
    def published(self) -> "RedFlagQuerySet":
        return self.filter(review_state=ReviewState.PUBLISHED)

    def applies_in(self, jurisdiction: str) -> "RedFlagQuerySet":
        return self.filter(applies_in_q(jurisdiction))

    def in_stage(self, stage_id: int) -> "RedFlagQuerySet":
        return self.filter(in_stage_q(stage_id))

    def about_actor(self, actor_id: int) -> "RedFlagQuerySet":
        """Flags of the actor and of the money it sends or receives."""
        return self.filter(Q(actor_id=actor_id) | Q(flow__from_actor_id=actor_id) | Q(flow__to_actor_id=actor_id))


class RedFlag(models.Model):
    """An indicator attached to exactly one stage, actor or flow of a category's map; its sources are its
    citations (`ecosystem.models.sources`)."""

    category = models.ForeignKey(
        TraffickingCategory, on_delete=models.PROTECT, related_name="red_flags", verbose_name=_("category")
    )
    stage = models.ForeignKey(
        Stage, on_delete=models.PROTECT, null=True, blank=True, related_name="red_flags", verbose_name=_("stage")
    )
    actor = models.ForeignKey(
        Actor, on_delete=models.PROTECT, null=True, blank=True, related_name="red_flags", verbose_name=_("actor")
    )
    flow = models.ForeignKey(
        FinancialFlow, on_delete=models.PROTECT, null=True, blank=True, related_name="red_flags", verbose_name=_("flow")
    )
    indicator = models.CharField(
        max_length=300, help_text=_("What can be observed, in one sentence."), verbose_name=_("indicator")
    )
    detail = models.TextField(blank=True, help_text=_("Why it matters and how to check it."), verbose_name=_("detail"))
    personas = models.ManyToManyField(Persona, blank=True, related_name="red_flags", verbose_name=_("personas"))
    confidence = models.CharField(
        max_length=8, choices=Confidence.choices, default=Confidence.MEDIUM, verbose_name=_("confidence")
    )
    jurisdiction = models.CharField(
        max_length=80,
        default=GLOBAL,
        help_text=_("Where it applies: “global”, or the country or region its source speaks for."),
        verbose_name=_("jurisdiction"),
    )
    threshold = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("Any reporting threshold it assumes, as its source states it (e.g. a cash-reporting amount)."),
        verbose_name=_("threshold"),
    )
    review_state = models.CharField(
        max_length=16,
        choices=ReviewState.choices,
        default=ReviewState.DRAFT,
        db_index=True,
        verbose_name=_("review state"),
    )
    version = models.PositiveIntegerField(
        default=0, help_text=_("The number of its latest published revision."), verbose_name=_("version")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The staff member who sent this version for review."),
        verbose_name=_("author"),
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The second staff member who checked it against its sources."),
        verbose_name=_("verified by"),
    )
    published_before_review = models.BooleanField(
        default=False,
        help_text=_("Published before the second-reviewer rule (migration 0005): not verified."),
        verbose_name=_("published before review"),
    )
    revises = models.OneToOneField(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="pending_change",
        help_text=_("The published red flag this draft will replace once verified and published."),
        verbose_name=_("revises"),
    )
    published_at = models.DateTimeField(null=True, blank=True, verbose_name=_("published at"))
    label = label_field(default=Label.GREEN)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, db_index=True, verbose_name=_("updated at"))
    history = HistoricalRecords(excluded_fields=["updated_at"])

    objects = RedFlagQuerySet.as_manager()

    class Meta:
        verbose_name = _("red flag")
        verbose_name_plural = _("red flags")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(stage__isnull=False, actor__isnull=True, flow__isnull=True)
                | Q(stage__isnull=True, actor__isnull=False, flow__isnull=True)
                | Q(stage__isnull=True, actor__isnull=True, flow__isnull=False),
                name="red_flag_attached_to_exactly_one_part",
            ),
            models.CheckConstraint(condition=GreaterThan(Length(Trim("indicator")), 0), name="red_flag_has_text"),
            models.CheckConstraint(
                condition=GreaterThan(Length(Trim("jurisdiction")), 0), name="red_flag_has_jurisdiction"
            ),
            models.CheckConstraint(condition=Q(confidence__in=Confidence.values), name="red_flag_confidence_valid"),
            models.CheckConstraint(condition=Q(review_state__in=ReviewState.values), name="red_flag_state_valid"),
            label_constraint(name="red_flag_label_valid"),
            models.CheckConstraint(
                condition=~Q(review_state=ReviewState.PUBLISHED) | Q(published_at__isnull=False, version__gt=0),
                name="published_red_flag_has_a_revision",
            ),
            # The second-reviewer rule, whatever writes the row: a verifier who is not the author.
            models.CheckConstraint(
                condition=Q(verified_by__isnull=True) | Q(author__isnull=False) & ~Q(verified_by=F("author")),
                name="red_flag_verifier_is_not_the_author",
            ),
            models.CheckConstraint(
                condition=~Q(review_state__in=[ReviewState.VERIFIED, ReviewState.PUBLISHED])
                | Q(verified_by__isnull=False)
                | Q(review_state=ReviewState.PUBLISHED, published_before_review=True),
                name="red_flag_published_only_verified",
            ),
            models.CheckConstraint(
                condition=Q(revises__isnull=True)
                | Q(review_state__in=[ReviewState.DRAFT, ReviewState.IN_REVIEW, ReviewState.VERIFIED]),
                name="red_flag_pending_change_is_unpublished",
            ),
        ]
        indexes = [
            models.Index(fields=["category", "review_state"], name="red_flag_category_state"),
        ]

    def __str__(self) -> str:
        return self.indicator

    @property
    def attached_to(self) -> Stage | Actor | FinancialFlow | None:
        return self.stage or self.actor or self.flow

    @property
    def attachment_kind(self) -> str:
        return "stage" if self.stage_id else "actor" if self.actor_id else "flow"

    def full_clean(self, *args: Any, **kwargs: Any) -> None:
        # The category follows the part the flag is attached to.
        if self.category_id is None and (part := self.attached_to) is not None:
            self.category_id = part.category_id
        super().full_clean(*args, **kwargs)

    def clean(self) -> None:
        attached = [part for part in (self.stage, self.actor, self.flow) if part is not None]
        if len(attached) != 1:
            raise ValidationError(_("Attach the red flag to exactly one stage, actor or flow."))
        if errors := same_category(self, self.category_id, ["stage", "actor", "flow"]):
            raise ValidationError(errors)


class ObservingSector(models.TextChoices):
    """Who can see a red flag. Finer than a member organisation's sector: FinCEN's advisories tell banks,
    money-services businesses and card acquirers apart, because each sees different transactions."""

    BANK = "bank", _("Bank or credit union")
    MONEY_SERVICES = "money_services", _("Money-services business")
    PAYMENT_PROCESSOR = "payment_processor", _("Card acquirer or payment processor")
    LAW_ENFORCEMENT = "law_enforcement", _("Law enforcement")
    PROSECUTOR = "prosecutor", _("Prosecutor")
    NGO = "ngo", _("NGO or survivor services")


class RedFlagObserver(models.Model):
    """A sector that can observe the red flag; a row each, so that the library filters on any database."""

    red_flag = models.ForeignKey(
        RedFlag, on_delete=models.CASCADE, related_name="observers", verbose_name=_("red flag")
    )
    sector = models.CharField(max_length=32, choices=ObservingSector.choices, verbose_name=_("sector"))

    class Meta:
        verbose_name = _("red flag observer")
        verbose_name_plural = _("red flag observers")
        ordering = ["sector"]
        constraints = [
            models.UniqueConstraint(fields=["red_flag", "sector"], name="red_flag_observer_once"),
            models.CheckConstraint(condition=Q(sector__in=ObservingSector.values), name="red_flag_observer_valid"),
        ]
        indexes = [models.Index(fields=["sector", "red_flag"], name="red_flag_observer_lookup")]

    def __str__(self) -> str:
        return self.get_sector_display()


class RedFlagRevision(models.Model):
    """A published version of a red flag, kept for good with who published it, who verified it and why.
    Written by services."""

    red_flag = models.ForeignKey(
        RedFlag, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("red flag")
    )
    number = models.PositiveIntegerField(verbose_name=_("number"))
    snapshot = models.JSONField(help_text=_("The red flag as it was published."), verbose_name=_("snapshot"))
    review_state = models.CharField(max_length=16, choices=ReviewState.choices, verbose_name=_("review state"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("author")
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verified by"),
    )
    reason = models.TextField(verbose_name=_("reason"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("red flag revision")
        verbose_name_plural = _("red flag revisions")
        ordering = ["red_flag_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["red_flag", "number"], name="red_flag_revision_number_unique"),
            models.CheckConstraint(condition=Q(number__gt=0), name="red_flag_revision_number_positive"),
            models.CheckConstraint(condition=GreaterThan(Length(Trim("reason")), 0), name="red_flag_revision_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.red_flag_id} v{self.number}"

    def changed_fields(self, previous: "RedFlagRevision | None") -> list[str]:
        if previous is None:
            return []
        before: dict[str, Any] = previous.snapshot
        return sorted(name for name, value in self.snapshot.items() if before.get(name) != value)


class RedFlagRating(models.Model):
    """How useful a member finds a red flag, 1 to 5; one per member and flag, changed by rating again."""

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="red_flag_ratings", verbose_name=_("member")
    )
    red_flag = models.ForeignKey(RedFlag, on_delete=models.CASCADE, related_name="ratings", verbose_name=_("red flag"))
    usefulness = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)], verbose_name=_("usefulness")
    )
    rated_at = models.DateTimeField(auto_now=True, verbose_name=_("rated at"))

    class Meta:
        verbose_name = _("red flag rating")
        verbose_name_plural = _("red flag ratings")
        ordering = ["-rated_at"]
        constraints = [
            models.UniqueConstraint(fields=["member", "red_flag"], name="one_rating_per_member_and_flag"),
            models.CheckConstraint(condition=Q(usefulness__gte=1, usefulness__lte=5), name="rating_usefulness_1_5"),
        ]
        indexes = [models.Index(fields=["red_flag", "usefulness"], name="rating_flag_usefulness")]

    def __str__(self) -> str:
        return _("%(member)s rated %(red_flag)s: %(usefulness)s/5") % {
            "member": self.member,
            "red_flag": self.red_flag_id,
            "usefulness": self.usefulness,
        }
