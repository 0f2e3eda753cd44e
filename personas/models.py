from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import ExpressionWrapper, F, Value
from django.db.models.functions import Greatest
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

SCORE_VALIDATORS = [MinValueValidator(0), MaxValueValidator(10)]
# The opportunity score runs 0–20 with one decimal, like the importance and satisfaction it comes from.
SCORE_FIELD: models.DecimalField[Decimal, Decimal] = models.DecimalField(max_digits=3, decimal_places=1)


class Sector(models.TextChoices):
    """The sectors of member organisations and of personas."""

    FINANCIAL_INSTITUTION = "financial_institution", _("Financial institution")
    LAW_ENFORCEMENT = "law_enforcement", _("Law enforcement")
    PROSECUTOR = "prosecutor", _("Prosecutor")
    NGO = "ngo", _("NGO")
    OTHER = "other", _("Other")


class Persona(models.Model):
    """A needs-based member persona from The Knoble's research."""

    name = models.CharField(max_length=200, unique=True, verbose_name=_("name"))
    sector = models.CharField(max_length=32, choices=Sector.choices, db_index=True, verbose_name=_("sector"))
    summary = models.TextField(verbose_name=_("summary"))
    needs = models.TextField(blank=True, verbose_name=_("needs"))
    pains = models.TextField(blank=True, verbose_name=_("pains"))
    goals = models.TextField(blank=True, verbose_name=_("goals"))
    quote = models.TextField(_("representative quote"), blank=True)
    is_active = models.BooleanField(_("active"), default=True, db_index=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("persona")
        verbose_name_plural = _("personas")
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
    EXTREME = "extreme", _("Extreme (above 15)")
    HIGH = "high", _("High (12–15)")
    WORTH_CONSIDERING = "worth_considering", _("Worth considering (10–12)")
    LOW = "low", _("Low (below 10)")


def opportunity_band(score: float) -> OpportunityBand:
    if score > 15:
        return OpportunityBand.EXTREME
    if score >= 12:
        return OpportunityBand.HIGH
    if score >= 10:
        return OpportunityBand.WORTH_CONSIDERING
    return OpportunityBand.LOW


class ScoreSource(models.TextChoices):
    """Where a job's importance and satisfaction come from."""

    TYPED = "typed", _("Typed by staff from the research")
    COMPUTED = "computed", _("Computed from member survey responses")
    OVERRIDE = "override", _("Overridden by staff, with a reason")


# What member surveys computed for a job (voice/scoring.py): shown in the admin and the API, never typed there.
SURVEY_SCORE_FIELDS = (
    "computed_importance",
    "importance_margin",
    "importance_sample",
    "computed_satisfaction",
    "satisfaction_margin",
    "satisfaction_sample",
    "responses_from",
    "responses_to",
)


class JobToBeDone(models.Model):
    """When <situation>, I want to <motivation>, so I can <outcome>."""

    persona = models.ForeignKey(Persona, on_delete=models.PROTECT, related_name="jobs", verbose_name=_("persona"))
    situation = models.CharField(_("when …"), max_length=300)
    motivation = models.CharField(_("I want to …"), max_length=300)
    outcome = models.CharField(_("so I can …"), max_length=300)
    importance = models.DecimalField(
        max_digits=3, decimal_places=1, validators=SCORE_VALIDATORS, verbose_name=_("importance")
    )
    satisfaction = models.DecimalField(
        max_digits=3, decimal_places=1, validators=SCORE_VALIDATORS, verbose_name=_("satisfaction")
    )
    evidence_notes = models.TextField(blank=True, verbose_name=_("evidence notes"))
    interview_count = models.PositiveIntegerField(_("number of interviews"), default=0)
    # `importance` and `satisfaction` are what every score reads (the opportunity score, the prioritisation criterion
    # fed from jobs). Members' survey responses compute them (the `computed_*` fields keep what they said, with the
    # sample and a 95% confidence band) unless staff override them with a reason, shown as such.
    score_source = models.CharField(
        _("score source"), max_length=8, choices=ScoreSource.choices, default=ScoreSource.TYPED
    )
    override_reason = models.TextField(_("reason for the override"), blank=True)
    computed_importance = models.DecimalField(
        _("importance computed from responses"), max_digits=3, decimal_places=1, null=True, blank=True
    )
    importance_margin = models.DecimalField(
        # xgettext:no-python-format (the 95% is not a placeholder)
        _("importance: half-width of the 95% confidence band"),
        max_digits=3,
        decimal_places=1,
        null=True,
        blank=True,
    )
    importance_sample = models.PositiveIntegerField(_("responses rating importance"), default=0)
    computed_satisfaction = models.DecimalField(
        _("satisfaction computed from responses"), max_digits=3, decimal_places=1, null=True, blank=True
    )
    satisfaction_margin = models.DecimalField(
        # xgettext:no-python-format (the 95% is not a placeholder)
        _("satisfaction: half-width of the 95% confidence band"),
        max_digits=3,
        decimal_places=1,
        null=True,
        blank=True,
    )
    satisfaction_sample = models.PositiveIntegerField(_("responses rating satisfaction"), default=0)
    responses_from = models.DateField(_("first response"), null=True, blank=True)
    responses_to = models.DateField(_("latest response"), null=True, blank=True)
    history = HistoricalRecords()

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = _("job to be done")
        verbose_name_plural = _("jobs to be done")
        ordering = ["persona", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(importance__gte=0, importance__lte=10), name="job_importance_0_10"
            ),
            models.CheckConstraint(
                condition=models.Q(satisfaction__gte=0, satisfaction__lte=10), name="job_satisfaction_0_10"
            ),
            models.CheckConstraint(
                condition=models.Q(score_source__in=ScoreSource.values), name="job_score_source_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(score_source=ScoreSource.OVERRIDE) | ~models.Q(override_reason=""),
                name="job_override_has_reason",
            ),
            models.CheckConstraint(
                condition=~models.Q(score_source=ScoreSource.COMPUTED)
                | models.Q(computed_importance__isnull=False, computed_satisfaction__isnull=False),
                name="job_computed_has_values",
            ),
        ]

    def __str__(self) -> str:
        return _("When %(situation)s, I want to %(motivation)s, so I can %(outcome)s") % {
            "situation": self.situation,
            "motivation": self.motivation,
            "outcome": self.outcome,
        }

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
