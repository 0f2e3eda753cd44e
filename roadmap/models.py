from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.models import HistoricalRecords

from personas.models import JobToBeDone, Persona

# A roadmap is at most three years long; the timeline's style sheet has a column class for each month.
MAX_ROADMAP_MONTHS = 36
DEFAULT_ROADMAP_MONTHS = 18


class IdeationSession(models.Model):
    """A workshop in which staff and members turned jobs-to-be-done into opportunities."""

    title = models.CharField(max_length=200, verbose_name=gettext_lazy("title"))
    held_on = models.DateField(gettext_lazy("date"), db_index=True)
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=gettext_lazy("facilitator"),
    )
    personas = models.ManyToManyField(
        Persona, blank=True, related_name="ideation_sessions", verbose_name=gettext_lazy("personas")
    )
    notes = models.TextField(blank=True, verbose_name=gettext_lazy("notes"))
    history = HistoricalRecords(m2m_fields=[personas])

    class Meta:
        verbose_name = gettext_lazy("ideation session")
        verbose_name_plural = gettext_lazy("ideation sessions")
        ordering = ["-held_on", "title"]

    def __str__(self) -> str:
        return f"{self.title} ({date_format(self.held_on, 'd M Y')})"


class OpportunityStatus(models.TextChoices):
    IDEA = "idea", gettext_lazy("Idea")
    SHORTLISTED = "shortlisted", gettext_lazy("Shortlisted")
    PLANNED = "planned", gettext_lazy("Planned")
    PARKED = "parked", gettext_lazy("Parked")
    REJECTED = "rejected", gettext_lazy("Rejected")


class Opportunity(models.Model):
    """Something The Knoble could build or run for its members, produced by an ideation session."""

    session = models.ForeignKey(
        IdeationSession,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="opportunities",
        verbose_name=gettext_lazy("session"),
    )
    title = models.CharField(max_length=200, verbose_name=gettext_lazy("title"))
    description = models.TextField(blank=True, verbose_name=gettext_lazy("description"))
    jobs = models.ManyToManyField(
        JobToBeDone, blank=True, related_name="opportunities", verbose_name=gettext_lazy("jobs")
    )
    depends_on = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="enables",
        help_text=gettext_lazy("Opportunities that must be delivered first; planning places this one after them."),
        verbose_name=gettext_lazy("depends on"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=gettext_lazy("owner"),
    )
    status = models.CharField(
        max_length=16,
        choices=OpportunityStatus.choices,
        default=OpportunityStatus.IDEA,
        db_index=True,
        verbose_name=gettext_lazy("status"),
    )
    effort_weeks = models.DecimalField(
        gettext_lazy("effort (person-weeks)"),
        max_digits=6,
        decimal_places=1,
        default=1,
        validators=[MinValueValidator(0.1)],
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=gettext_lazy("created at"))
    history = HistoricalRecords(m2m_fields=[jobs])

    class Meta:
        verbose_name = gettext_lazy("opportunity")
        verbose_name_plural = gettext_lazy("opportunities")
        ordering = ["title"]
        indexes = [models.Index(fields=["status", "title"], name="opportunity_status_title")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=OpportunityStatus.values), name="opportunity_status_valid"),
            models.CheckConstraint(condition=Q(effort_weeks__gt=0), name="opportunity_effort_positive"),
        ]

    def __str__(self) -> str:
        return self.title


class Formula(models.TextChoices):
    WEIGHTED = "weighted", gettext_lazy("Weighted score")
    RICE = "rice", gettext_lazy("RICE (reach × impact × confidence ÷ effort)")
    WSJF = "wsjf", gettext_lazy("WSJF ((value + time criticality + risk reduction) ÷ job size)")


class PrioritisationModel(models.Model):
    """A bespoke way of scoring opportunities: its criteria, their weights and the formula that combines them."""

    name = models.CharField(max_length=200, unique=True, verbose_name=gettext_lazy("name"))
    description = models.TextField(blank=True, verbose_name=gettext_lazy("description"))
    formula = models.CharField(
        max_length=16, choices=Formula.choices, default=Formula.WEIGHTED, verbose_name=gettext_lazy("formula")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=gettext_lazy("created at"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = gettext_lazy("prioritisation model")
        verbose_name_plural = gettext_lazy("prioritisation models")
        ordering = ["name"]
        constraints = [models.CheckConstraint(condition=Q(formula__in=Formula.values), name="model_formula_valid")]

    def __str__(self) -> str:
        return self.name


class Direction(models.TextChoices):
    BENEFIT = "benefit", gettext_lazy("Benefit (higher is better)")
    COST = "cost", gettext_lazy("Cost (higher is worse)")


class CriterionRole(models.TextChoices):
    """The term a criterion supplies to RICE or WSJF; the weighted score ignores roles."""

    NONE = "", gettext_lazy("—")
    REACH = "reach", gettext_lazy("RICE: reach")
    IMPACT = "impact", gettext_lazy("RICE: impact")
    CONFIDENCE = "confidence", gettext_lazy("RICE: confidence (normalised to 0–1 over its scale)")
    EFFORT = "effort", gettext_lazy("RICE: effort")
    VALUE = "value", gettext_lazy("WSJF: business value")
    TIME_CRITICALITY = "time_criticality", gettext_lazy("WSJF: time criticality")
    RISK_REDUCTION = "risk_reduction", gettext_lazy("WSJF: risk reduction")
    JOB_SIZE = "job_size", gettext_lazy("WSJF: job size")


class CriterionSource(models.TextChoices):
    RATED = "rated", gettext_lazy("Rated by staff")
    JOBS = "jobs", gettext_lazy("Fed from jobs (highest opportunity score of the jobs served)")
    VOTES = (
        "votes",
        gettext_lazy("Fed from member votes (on the item and on the ideas taken into it, up to the scale's top)"),
    )


# The opportunity score of a job runs from 0 (importance 0) to 20 (importance 10, satisfaction 0).
JOB_SCORE_SCALE = (0, 20)


class Criterion(models.Model):
    model = models.ForeignKey(
        PrioritisationModel, on_delete=models.CASCADE, related_name="criteria", verbose_name=gettext_lazy("model")
    )
    name = models.CharField(max_length=100, verbose_name=gettext_lazy("name"))
    weight = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=1,
        validators=[MinValueValidator(0)],
        verbose_name=gettext_lazy("weight"),
    )
    direction = models.CharField(
        max_length=8, choices=Direction.choices, default=Direction.BENEFIT, verbose_name=gettext_lazy("direction")
    )
    scale_min = models.DecimalField(max_digits=8, decimal_places=2, default=0, verbose_name=gettext_lazy("scale min"))
    scale_max = models.DecimalField(max_digits=8, decimal_places=2, default=10, verbose_name=gettext_lazy("scale max"))
    role = models.CharField(
        max_length=20,
        choices=CriterionRole.choices,
        blank=True,
        default=CriterionRole.NONE,
        verbose_name=gettext_lazy("role"),
    )
    source = models.CharField(
        max_length=8,
        choices=CriterionSource.choices,
        default=CriterionSource.RATED,
        verbose_name=gettext_lazy("source"),
    )
    position = models.PositiveSmallIntegerField(default=0, verbose_name=gettext_lazy("position"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = gettext_lazy("criterion")
        verbose_name_plural = gettext_lazy("criteria")
        ordering = ["model", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["model", "name"], name="criterion_name_once_per_model"),
            models.UniqueConstraint(fields=["model", "role"], condition=~Q(role=""), name="criterion_role_once"),
            models.UniqueConstraint(fields=["model"], condition=Q(source="jobs"), name="one_jobs_fed_criterion"),
            models.UniqueConstraint(fields=["model"], condition=Q(source="votes"), name="one_votes_fed_criterion"),
            models.CheckConstraint(condition=Q(scale_max__gt=F("scale_min")), name="criterion_scale_ordered"),
            models.CheckConstraint(condition=Q(weight__gte=0), name="criterion_weight_not_negative"),
            models.CheckConstraint(condition=Q(direction__in=Direction.values), name="criterion_direction_valid"),
            models.CheckConstraint(condition=Q(role__in=CriterionRole.values), name="criterion_role_valid"),
            models.CheckConstraint(condition=Q(source__in=CriterionSource.values), name="criterion_source_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.model})"

    def clean(self) -> None:
        if self.scale_min is not None and self.scale_max is not None and self.scale_max <= self.scale_min:
            raise ValidationError({"scale_max": _("The top of the scale must be above its bottom.")})
        if not self.pk:
            return
        if self.source != CriterionSource.RATED and self.ratings.exists():
            raise ValidationError({"source": _("This criterion has ratings; delete them before feeding it otherwise.")})
        if self.scale_min is not None and self.scale_max is not None:
            outside = self.ratings.exclude(value__gte=self.scale_min, value__lte=self.scale_max).count()
            if outside:
                raise ValidationError(
                    _("%(outside)s rating(s) of this criterion fall outside the new scale.") % {"outside": outside}
                )


class Rating(models.Model):
    """A staff rating of one opportunity on one criterion, within the criterion's scale."""

    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="ratings", verbose_name=gettext_lazy("opportunity")
    )
    criterion = models.ForeignKey(
        Criterion, on_delete=models.CASCADE, related_name="ratings", verbose_name=gettext_lazy("criterion")
    )
    value = models.DecimalField(max_digits=8, decimal_places=2, verbose_name=gettext_lazy("value"))
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=gettext_lazy("rated by"),
    )
    rated_at = models.DateTimeField(auto_now=True, verbose_name=gettext_lazy("rated at"))
    history = HistoricalRecords(excluded_fields=["rated_at"])

    class Meta:
        verbose_name = gettext_lazy("rating")
        verbose_name_plural = gettext_lazy("ratings")
        ordering = ["opportunity", "criterion__position", "criterion_id"]
        constraints = [
            models.UniqueConstraint(fields=["opportunity", "criterion"], name="one_rating_per_criterion"),
        ]
        indexes = [models.Index(fields=["criterion", "opportunity"], name="rating_criterion_lookup")]

    def __str__(self) -> str:
        return f"{self.criterion.name}: {self.value}"

    def clean(self) -> None:
        # Triggers keep ratings within the scale in the database (migration 0002); every write path (admin
        # inline, CSV import, rating service) runs this validation too, for a message that names the scale.
        if self.criterion_id is None or self.value is None:
            return
        criterion = self.criterion
        if criterion.source == CriterionSource.JOBS:
            raise ValidationError(
                {
                    "criterion": _("“%(criterion)s” is fed from the jobs; it cannot be rated.")
                    % {"criterion": criterion.name}
                }
            )
        if criterion.source == CriterionSource.VOTES:
            raise ValidationError(
                {
                    "criterion": _("“%(criterion)s” is fed from member votes; it cannot be rated.")
                    % {"criterion": criterion.name}
                }
            )
        if not criterion.scale_min <= self.value <= criterion.scale_max:
            scale = f"{criterion.scale_min:g}–{criterion.scale_max:g}"
            raise ValidationError(
                {
                    "value": _("%(value)s is outside the scale of “%(criterion)s” (%(scale)s).")
                    % {"value": self.value, "criterion": criterion.name, "scale": scale}
                }
            )


class Roadmap(models.Model):
    title = models.CharField(max_length=200, verbose_name=gettext_lazy("title"))
    first_month = models.DateField(
        help_text=gettext_lazy("The first day of the roadmap's first month."), verbose_name=gettext_lazy("first month")
    )
    months = models.PositiveSmallIntegerField(
        default=DEFAULT_ROADMAP_MONTHS,
        validators=[MinValueValidator(3), MaxValueValidator(MAX_ROADMAP_MONTHS)],
        verbose_name=gettext_lazy("months"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=gettext_lazy("created by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=gettext_lazy("created at"))
    published_at = models.DateTimeField(null=True, blank=True, db_index=True, verbose_name=gettext_lazy("published at"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = gettext_lazy("roadmap")
        verbose_name_plural = gettext_lazy("roadmaps")
        ordering = ["-first_month", "title"]
        constraints = [
            models.CheckConstraint(condition=Q(first_month__day=1), name="roadmap_starts_on_first_of_month"),
            models.CheckConstraint(
                condition=Q(months__gte=3, months__lte=MAX_ROADMAP_MONTHS), name="roadmap_months_in_range"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Horizon(models.Model):
    """A strategic horizon: a contiguous run of the roadmap's months. Horizons never overlap and cover it all."""

    roadmap = models.ForeignKey(
        Roadmap, on_delete=models.CASCADE, related_name="horizons", verbose_name=gettext_lazy("roadmap")
    )
    name = models.CharField(max_length=100, verbose_name=gettext_lazy("name"))
    theme = models.CharField(max_length=300, blank=True, verbose_name=gettext_lazy("theme"))
    capacity_weeks = models.DecimalField(
        gettext_lazy("capacity (person-weeks)"),
        max_digits=7,
        decimal_places=1,
        default=0,
        validators=[MinValueValidator(0)],
    )
    start_month = models.PositiveSmallIntegerField(verbose_name=gettext_lazy("start month"))
    end_month = models.PositiveSmallIntegerField(verbose_name=gettext_lazy("end month"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = gettext_lazy("horizon")
        verbose_name_plural = gettext_lazy("horizons")
        ordering = ["roadmap", "start_month"]
        constraints = [
            models.UniqueConstraint(fields=["roadmap", "start_month"], name="horizon_start_once"),
            models.UniqueConstraint(fields=["roadmap", "end_month"], name="horizon_end_once"),
            models.CheckConstraint(condition=Q(start_month__gte=1), name="horizon_starts_in_month_1_or_later"),
            models.CheckConstraint(condition=Q(end_month__gte=F("start_month")), name="horizon_months_ordered"),
            models.CheckConstraint(condition=Q(capacity_weeks__gte=0), name="horizon_capacity_not_negative"),
        ]

    def __str__(self) -> str:
        return _("%(name)s (months %(start)s–%(end)s)") % {
            "name": self.name,
            "start": self.start_month,
            "end": self.end_month,
        }


class ItemStatus(models.TextChoices):
    PLANNED = "planned", gettext_lazy("Planned")
    IN_PROGRESS = "in_progress", gettext_lazy("In progress")
    DONE = "done", gettext_lazy("Done")
    AT_RISK = "at_risk", gettext_lazy("At risk")
    DROPPED = "dropped", gettext_lazy("Dropped")


class RoadmapItem(models.Model):
    """An opportunity placed on a roadmap. Its horizon follows from its start month (set by the services)."""

    roadmap = models.ForeignKey(
        Roadmap, on_delete=models.CASCADE, related_name="items", verbose_name=gettext_lazy("roadmap")
    )
    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.PROTECT, related_name="roadmap_items", verbose_name=gettext_lazy("opportunity")
    )
    horizon = models.ForeignKey(
        Horizon, on_delete=models.PROTECT, related_name="items", verbose_name=gettext_lazy("horizon")
    )
    start_month = models.PositiveSmallIntegerField(verbose_name=gettext_lazy("start month"))
    end_month = models.PositiveSmallIntegerField(verbose_name=gettext_lazy("end month"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=gettext_lazy("owner"),
    )
    status = models.CharField(
        max_length=16,
        choices=ItemStatus.choices,
        default=ItemStatus.PLANNED,
        db_index=True,
        verbose_name=gettext_lazy("status"),
    )
    dependencies = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="dependents", verbose_name=gettext_lazy("dependencies")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = gettext_lazy("roadmap item")
        verbose_name_plural = gettext_lazy("roadmap items")
        ordering = ["roadmap", "start_month", "end_month", "id"]
        constraints = [
            models.UniqueConstraint(fields=["roadmap", "opportunity"], name="opportunity_once_per_roadmap"),
            models.CheckConstraint(condition=Q(start_month__gte=1), name="item_starts_in_month_1_or_later"),
            models.CheckConstraint(condition=Q(end_month__gte=F("start_month")), name="item_months_ordered"),
            models.CheckConstraint(condition=Q(status__in=ItemStatus.values), name="item_status_valid"),
        ]
        indexes = [models.Index(fields=["roadmap", "horizon", "status"], name="item_roadmap_horizon")]

    def __str__(self) -> str:
        return _("%(name)s (months %(start)s–%(end)s)") % {
            "name": self.opportunity,
            "start": self.start_month,
            "end": self.end_month,
        }


class RoadmapRevision(models.Model):
    """What was published: a snapshot of the roadmap, who published it, when and why."""

    roadmap = models.ForeignKey(
        Roadmap, on_delete=models.CASCADE, related_name="revisions", verbose_name=gettext_lazy("roadmap")
    )
    number = models.PositiveIntegerField(verbose_name=gettext_lazy("number"))
    snapshot = models.JSONField(verbose_name=gettext_lazy("snapshot"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=gettext_lazy("published by"),
    )
    published_at = models.DateTimeField(db_index=True, verbose_name=gettext_lazy("published at"))
    note = models.TextField(blank=True, verbose_name=gettext_lazy("note"))

    class Meta:
        verbose_name = gettext_lazy("roadmap revision")
        verbose_name_plural = gettext_lazy("roadmap revisions")
        ordering = ["roadmap", "-number"]
        get_latest_by = "published_at"
        constraints = [
            models.UniqueConstraint(fields=["roadmap", "number"], name="revision_number_once"),
            models.CheckConstraint(condition=Q(number__gte=1), name="revision_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.roadmap} — revision {self.number}"
