"""The ecosystem map: trafficking categories, their stages, actors and financial flows, and the red flags
financial institutions and their partners can observe in them.

Every part of a map belongs to one category. Actors, flows and red flags store that category themselves,
so that `clean()` (called by every write path) can refuse a part of another category's map, and so that
PostgreSQL enforces it too with composite foreign keys on (part, category) (migration 0002).
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length, Trim
from django.db.models.lookups import GreaterThan
from simple_history.models import HistoricalRecords

from members.models import Member
from personas.models import Persona


class CategoryStatus(models.TextChoices):
    MAPPED = "mapped", "Mapped"
    IN_PROGRESS = "in_progress", "Mapping in progress"
    NOT_STARTED = "not_started", "Not started"


class TraffickingCategory(models.Model):
    """A type of human trafficking, e.g. one of the 25 of Polaris's typology; mapped one at a time."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    summary = models.TextField(blank=True)
    status = models.CharField(
        max_length=16, choices=CategoryStatus.choices, default=CategoryStatus.NOT_STARTED, db_index=True
    )
    order = models.PositiveIntegerField(default=0, help_text="Position in the catalogue.")
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "trafficking categories"
        ordering = ["order", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=CategoryStatus.values), name="category_status_valid"),
        ]

    def __str__(self) -> str:
        return self.name


def _same_category(part: models.Model, category_id: int | None, fields: list[str]) -> dict[str, str]:
    """The fields of `part` that point to a part of another category's map, with the reason."""
    errors = {}
    for name in fields:
        related = getattr(part, name, None)
        if related is not None and category_id is not None and related.category_id != category_id:
            errors[name] = f"{related} belongs to {related.category}, not to this category."
    return errors


class Stage(models.Model):
    """A step of the trafficking business, from recruitment to the return of the proceeds; a column of the map."""

    category = models.ForeignKey(TraffickingCategory, on_delete=models.CASCADE, related_name="stages")
    order = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["category_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["category", "order"], name="stage_order_unique_in_category"),
            models.UniqueConstraint(fields=["category", "name"], name="stage_name_unique_in_category"),
            # The target of the composite foreign keys that keep actors, flows and flags in one category.
            models.UniqueConstraint(fields=["id", "category"], name="stage_id_category"),
        ]

    def __str__(self) -> str:
        return self.name


class ActorKind(models.TextChoices):
    ORGANISER = "organiser", "Network organiser"
    RECRUITER = "recruiter", "Recruiter or broker"
    TRANSPORTER = "transporter", "Transporter"
    OPERATOR = "operator", "Operator (manager on site)"
    VICTIM = "victim", "Victim"
    BUYER = "buyer", "Sex buyer"
    FRONT_BUSINESS = "front_business", "Front business or nominee owner"
    LANDLORD = "landlord", "Landlord or property owner"
    FACILITATOR = "facilitator", "Facilitator (accountant, company formation)"
    ADVERTISER = "advertiser", "Advertising or review website"
    PAYMENT_PROCESSOR = "payment_processor", "Card payment processor or acquirer"
    BANK = "bank", "Bank"
    MONEY_SERVICES = "money_services", "Money-services business or cash courier"
    MONEY_MULE = "money_mule", "Money mule"
    OTHER = "other", "Other"


class Actor(models.Model):
    """A person, business or intermediary of the map, placed in the stage where it mostly acts."""

    category = models.ForeignKey(TraffickingCategory, on_delete=models.CASCADE, related_name="actors")
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="actors")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=32, choices=ActorKind.choices, db_index=True)
    description = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["category_id", "stage__order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["category", "name"], name="actor_name_unique_in_category"),
            models.UniqueConstraint(fields=["id", "category"], name="actor_id_category"),
            models.CheckConstraint(condition=Q(kind__in=ActorKind.values), name="actor_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.name

    def full_clean(self, *args: Any, **kwargs: Any) -> None:
        # A part placed in a stage belongs to that stage's category unless it says otherwise.
        if self.category_id is None and self.stage_id is not None:
            self.category_id = self.stage.category_id
        super().full_clean(*args, **kwargs)

    def clean(self) -> None:
        if errors := _same_category(self, self.category_id, ["stage"]):
            raise ValidationError(errors)


class Instrument(models.TextChoices):
    CASH = "cash", "Cash"
    CARD = "card", "Card"
    WIRE = "wire", "Wire transfer"
    MONEY_TRANSFER = "money_transfer", "Money transfer"
    CRYPTO = "crypto", "Virtual currency"
    OTHER = "other", "Other"


class Direction(models.TextChoices):
    DOMESTIC = "domestic", "Domestic"
    OUTBOUND = "outbound", "Outbound (abroad)"
    INBOUND = "inbound", "Inbound (from abroad)"


class FinancialFlow(models.Model):
    """Money moving from one actor to another: an arrow of the map."""

    category = models.ForeignKey(TraffickingCategory, on_delete=models.CASCADE, related_name="flows")
    label = models.CharField(max_length=80, help_text="Short label drawn on the arrow, e.g. “Card takings”.")
    from_actor = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="flows_out")
    to_actor = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="flows_in")
    instrument = models.CharField(max_length=16, choices=Instrument.choices, db_index=True)
    direction = models.CharField(max_length=16, choices=Direction.choices, default=Direction.DOMESTIC)
    typical_pattern = models.TextField(blank=True)
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="flows")
    history = HistoricalRecords()

    class Meta:
        ordering = ["category_id", "stage__order", "label"]
        constraints = [
            models.UniqueConstraint(fields=["category", "label"], name="flow_label_unique_in_category"),
            models.UniqueConstraint(fields=["id", "category"], name="flow_id_category"),
            models.CheckConstraint(condition=~Q(from_actor=F("to_actor")), name="flow_between_two_actors"),
            models.CheckConstraint(condition=Q(instrument__in=Instrument.values), name="flow_instrument_valid"),
            models.CheckConstraint(condition=Q(direction__in=Direction.values), name="flow_direction_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.label}: {self.from_actor} → {self.to_actor}"

    def full_clean(self, *args: Any, **kwargs: Any) -> None:
        if self.category_id is None and self.stage_id is not None:
            self.category_id = self.stage.category_id
        super().full_clean(*args, **kwargs)

    def clean(self) -> None:
        errors = _same_category(self, self.category_id, ["from_actor", "to_actor", "stage"])
        if self.from_actor_id is not None and self.from_actor_id == self.to_actor_id:
            errors["to_actor"] = "A flow goes from one actor to another."
        if errors:
            raise ValidationError(errors)


class Confidence(models.TextChoices):
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


class ReviewState(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    RETIRED = "retired", "Retired"


def in_stage_q(stage_id: int) -> Q:
    """Red flags of a stage: of the stage itself, of the actors placed in it and of the flows happening in it."""
    return Q(stage_id=stage_id) | Q(actor__stage_id=stage_id) | Q(flow__stage_id=stage_id)


class RedFlagQuerySet(models.QuerySet["RedFlag"]):
    def published(self) -> "RedFlagQuerySet":
        return self.filter(review_state=ReviewState.PUBLISHED)

    def in_stage(self, stage_id: int) -> "RedFlagQuerySet":
        return self.filter(in_stage_q(stage_id))

    def about_actor(self, actor_id: int) -> "RedFlagQuerySet":
        """Flags of the actor and of the money it sends or receives."""
        return self.filter(Q(actor_id=actor_id) | Q(flow__from_actor_id=actor_id) | Q(flow__to_actor_id=actor_id))


class RedFlag(models.Model):
    """An indicator attached to exactly one stage, actor or flow of a category's map, with its source."""

    category = models.ForeignKey(TraffickingCategory, on_delete=models.PROTECT, related_name="red_flags")
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, null=True, blank=True, related_name="red_flags")
    actor = models.ForeignKey(Actor, on_delete=models.PROTECT, null=True, blank=True, related_name="red_flags")
    flow = models.ForeignKey(FinancialFlow, on_delete=models.PROTECT, null=True, blank=True, related_name="red_flags")
    indicator = models.CharField(max_length=300, help_text="What can be observed, in one sentence.")
    detail = models.TextField(blank=True, help_text="Why it matters and how to check it.")
    personas = models.ManyToManyField(Persona, blank=True, related_name="red_flags")
    source = models.CharField(max_length=300, help_text="The public advisory or study it comes from.")
    source_url = models.URLField(blank=True)
    confidence = models.CharField(max_length=8, choices=Confidence.choices, default=Confidence.MEDIUM)
    review_state = models.CharField(
        max_length=16, choices=ReviewState.choices, default=ReviewState.DRAFT, db_index=True
    )
    version = models.PositiveIntegerField(default=0, help_text="The number of its latest published revision.")
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    objects = RedFlagQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(stage__isnull=False, actor__isnull=True, flow__isnull=True)
                | Q(stage__isnull=True, actor__isnull=False, flow__isnull=True)
                | Q(stage__isnull=True, actor__isnull=True, flow__isnull=False),
                name="red_flag_attached_to_exactly_one_part",
            ),
            models.CheckConstraint(condition=GreaterThan(Length(Trim("source")), 0), name="red_flag_has_source"),
            models.CheckConstraint(condition=GreaterThan(Length(Trim("indicator")), 0), name="red_flag_has_text"),
            models.CheckConstraint(condition=Q(confidence__in=Confidence.values), name="red_flag_confidence_valid"),
            models.CheckConstraint(condition=Q(review_state__in=ReviewState.values), name="red_flag_state_valid"),
            models.CheckConstraint(
                condition=~Q(review_state=ReviewState.PUBLISHED) | Q(published_at__isnull=False, version__gt=0),
                name="published_red_flag_has_a_revision",
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
            raise ValidationError("Attach the red flag to exactly one stage, actor or flow.")
        if errors := _same_category(self, self.category_id, ["stage", "actor", "flow"]):
            raise ValidationError(errors)
        if not self.source.strip():
            raise ValidationError({"source": "Name the public source of the red flag."})


class ObservingSector(models.TextChoices):
    """Who can see a red flag. Finer than a member organisation's sector: FinCEN's advisories tell banks,
    money-services businesses and card acquirers apart, because each sees different transactions."""

    BANK = "bank", "Bank or credit union"
    MONEY_SERVICES = "money_services", "Money-services business"
    PAYMENT_PROCESSOR = "payment_processor", "Card acquirer or payment processor"
    LAW_ENFORCEMENT = "law_enforcement", "Law enforcement"
    PROSECUTOR = "prosecutor", "Prosecutor"
    NGO = "ngo", "NGO or survivor services"


class RedFlagObserver(models.Model):
    """A sector that can observe the red flag; a row each, so that the library filters on any database."""

    red_flag = models.ForeignKey(RedFlag, on_delete=models.CASCADE, related_name="observers")
    sector = models.CharField(max_length=32, choices=ObservingSector.choices)

    class Meta:
        ordering = ["sector"]
        constraints = [
            models.UniqueConstraint(fields=["red_flag", "sector"], name="red_flag_observer_once"),
            models.CheckConstraint(condition=Q(sector__in=ObservingSector.values), name="red_flag_observer_valid"),
        ]
        indexes = [models.Index(fields=["sector", "red_flag"], name="red_flag_observer_lookup")]

    def __str__(self) -> str:
        return self.get_sector_display()


class RedFlagRevision(models.Model):
    """A published version of a red flag, kept for good with who published it and why. Written by services."""

    red_flag = models.ForeignKey(RedFlag, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    snapshot = models.JSONField(help_text="The red flag as it was published.")
    review_state = models.CharField(max_length=16, choices=ReviewState.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
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

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="red_flag_ratings")
    red_flag = models.ForeignKey(RedFlag, on_delete=models.CASCADE, related_name="ratings")
    usefulness = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    rated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-rated_at"]
        constraints = [
            models.UniqueConstraint(fields=["member", "red_flag"], name="one_rating_per_member_and_flag"),
            models.CheckConstraint(condition=Q(usefulness__gte=1, usefulness__lte=5), name="rating_usefulness_1_5"),
        ]
        indexes = [models.Index(fields=["red_flag", "usefulness"], name="rating_flag_usefulness")]

    def __str__(self) -> str:
        return f"{self.member} rated {self.red_flag_id}: {self.usefulness}/5"


class SuggestionKind(models.TextChoices):
    NEW = "new", "A new red flag"
    CHANGE = "change", "A change to a red flag"


class SuggestionStatus(models.TextChoices):
    PENDING = "pending", "Waiting for review"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Not accepted"


class SuggestionQuerySet(models.QuerySet["Suggestion"]):
    def pending(self) -> "SuggestionQuerySet":
        return self.filter(status=SuggestionStatus.PENDING)


class Suggestion(models.Model):
    """A member's proposal of a new red flag (for a stage) or of a change to one; staff review it."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="red_flag_suggestions")
    kind = models.CharField(max_length=8, choices=SuggestionKind.choices)
    stage = models.ForeignKey(
        Stage, on_delete=models.PROTECT, null=True, blank=True, related_name="suggestions", help_text="For a new flag."
    )
    red_flag = models.ForeignKey(
        RedFlag, on_delete=models.PROTECT, null=True, blank=True, related_name="suggestions", help_text="For a change."
    )
    text = models.TextField("suggested red flag or change")
    evidence = models.TextField(blank=True, help_text="What the member could share: cases, typologies, sources.")
    status = models.CharField(
        max_length=16, choices=SuggestionStatus.choices, default=SuggestionStatus.PENDING, db_index=True
    )
    staff_response = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    resulting_red_flag = models.ForeignKey(
        RedFlag,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The draft red flag created when a new-flag suggestion was accepted.",
    )
    outcome_emailed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    history = HistoricalRecords()

    objects = SuggestionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=SuggestionKind.values), name="suggestion_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=SuggestionStatus.values), name="suggestion_status_valid"),
            models.CheckConstraint(
                condition=Q(kind=SuggestionKind.NEW, stage__isnull=False, red_flag__isnull=True)
                | Q(kind=SuggestionKind.CHANGE, stage__isnull=True, red_flag__isnull=False),
                name="suggestion_target_matches_kind",
            ),
            models.CheckConstraint(condition=GreaterThan(Length(Trim("text")), 0), name="suggestion_has_text"),
            models.CheckConstraint(
                condition=Q(status=SuggestionStatus.PENDING, decided_at__isnull=True)
                | (~Q(status=SuggestionStatus.PENDING) & Q(decided_at__isnull=False)),
                name="suggestion_decided_at_matches_status",
            ),
        ]
        indexes = [models.Index(fields=["member", "-created_at"], name="suggestion_member_time")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.member}"

    @property
    def category(self) -> TraffickingCategory:
        return self.stage.category if self.stage_id else self.red_flag.category  # type: ignore[union-attr]
