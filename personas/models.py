from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import ExpressionWrapper, F, Value
from django.db.models.functions import Greatest
from simple_history.models import HistoricalRecords

SCORE_VALIDATORS = [MinValueValidator(0), MaxValueValidator(10)]
# The opportunity score runs 0–20 with one decimal, like the importance and satisfaction it comes from.
SCORE_FIELD: models.DecimalField[Decimal, Decimal] = models.DecimalField(max_digits=3, decimal_places=1)


class Sector(models.TextChoices):
    """The sectors of member organisations and of personas."""

    FINANCIAL_INSTITUTION = "financial_institution", "Financial institution"
    LAW_ENFORCEMENT = "law_enforcement", "Law enforcement"
    PROSECUTOR = "prosecutor", "Prosecutor"
    NGO = "ngo", "NGO"
    OTHER = "other", "Other"


class Persona(models.Model):
    """A needs-based member persona from The Knoble's research."""

    name = models.CharField(max_length=200, unique=True)
    sector = models.CharField(max_length=32, choices=Sector.choices, db_index=True)
    summary = models.TextField()
    needs = models.TextField(blank=True)
    pains = models.TextField(blank=True)
    goals = models.TextField(blank=True)
    quote = models.TextField("representative quote", blank=True)
    is_active = models.BooleanField("active", default=True, db_index=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(sector__in=Sector.values), name="persona_sector_valid"),
        ]

    def __str__(self) -> str:
        return self.name


class JobQuerySet(models.QuerySet["JobToBeDone"]):
    def with_opportunity_score(self) -> "JobQuerySet":
        """Outcome-Driven Innovation: importance + max(importance − satisfaction, 0), in SQL so lists sort by it."""
        gap = Greatest(F("importance") - F("satisfaction"), Value(Decimal(0)), output_field=SCORE_FIELD)
        return self.annotate(opportunity=ExpressionWrapper(F("importance") + gap, output_field=SCORE_FIELD))


class OpportunityBand(models.TextChoices):
    EXTREME = "extreme", "Extreme (above 15)"
    HIGH = "high", "High (12–15)"
    WORTH_CONSIDERING = "worth_considering", "Worth considering (10–12)"
    LOW = "low", "Low (below 10)"


def opportunity_band(score: float) -> OpportunityBand:
    if score > 15:
        return OpportunityBand.EXTREME
    if score >= 12:
        return OpportunityBand.HIGH
    if score >= 10:
        return OpportunityBand.WORTH_CONSIDERING
    return OpportunityBand.LOW


class JobToBeDone(models.Model):
    """When <situation>, I want to <motivation>, so I can <outcome>."""

    persona = models.ForeignKey(Persona, on_delete=models.PROTECT, related_name="jobs")
    situation = models.CharField("when …", max_length=300)
    motivation = models.CharField("I want to …", max_length=300)
    outcome = models.CharField("so I can …", max_length=300)
    importance = models.DecimalField(max_digits=3, decimal_places=1, validators=SCORE_VALIDATORS)
    satisfaction = models.DecimalField(max_digits=3, decimal_places=1, validators=SCORE_VALIDATORS)
    evidence_notes = models.TextField(blank=True)
    interview_count = models.PositiveIntegerField("number of interviews", default=0)
    history = HistoricalRecords()

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = "job to be done"
        verbose_name_plural = "jobs to be done"
        ordering = ["persona", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(importance__gte=0, importance__lte=10), name="job_importance_0_10"
            ),
            models.CheckConstraint(
                condition=models.Q(satisfaction__gte=0, satisfaction__lte=10), name="job_satisfaction_0_10"
            ),
        ]

    def __str__(self) -> str:
        return f"When {self.situation}, I want to {self.motivation}, so I can {self.outcome}"

    @property
    def opportunity_score(self) -> float:
        annotated = getattr(self, "opportunity", None)
        if annotated is not None:
            return float(annotated)
        importance, satisfaction = float(self.importance), float(self.satisfaction)
        return importance + max(importance - satisfaction, 0.0)

    @property
    def band(self) -> OpportunityBand:
        return opportunity_band(self.opportunity_score)
