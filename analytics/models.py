"""Roll-up tables the dashboards read; rebuilt by `analytics.rollups.rollups_refresh` with set-based SQL.

Each row is a count for one combination of the filter dimensions (sector, persona, country), so every
filter is a WHERE on small tables and a member is counted in exactly one combination.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy

from campaigns.models.campaigns import CampaignStep
from engagement.models import LifecycleStage
from initiatives.models import Initiative
from members.models import Organisation
from personas.models import Sector


class Dimensions(models.Model):
    sector = models.CharField(max_length=32, choices=Sector.choices)
    persona_id = models.IntegerField(null=True, blank=True)
    country = models.CharField(max_length=2)

    class Meta:
        abstract = True


class StageWeekly(Dimensions):
    """Members in each lifecycle stage at the end of each week (weeks start on Monday)."""

    week = models.DateField()
    stage = models.CharField(max_length=16, choices=LifecycleStage.choices)
    members = models.PositiveIntegerField()

    class Meta:
        db_table = "engagement_stageweekly"
        indexes = [models.Index(fields=["week", "stage"], name="stage_weekly_week")]

    def __str__(self) -> str:
        return f"{self.week}: {self.members} {self.stage}"


class PeriodKind(models.TextChoices):
    WEEK = "week", gettext_lazy("Week")
    MONTH = "month", gettext_lazy("Month")


class PeriodActive(Dimensions):
    """Distinct members with any activity in a calendar week or month."""

    kind = models.CharField(max_length=8, choices=PeriodKind.choices)
    starts_on = models.DateField()
    members = models.PositiveIntegerField()

    class Meta:
        db_table = "engagement_periodactive"
        indexes = [models.Index(fields=["kind", "starts_on"], name="period_active_kind_start")]
        constraints = [models.CheckConstraint(condition=Q(kind__in=PeriodKind.values), name="period_kind_valid")]

    def __str__(self) -> str:
        return f"{self.kind} of {self.starts_on}: {self.members} active"


class JoinDaily(Dimensions):
    """Members approved on a day: how long they took to activate, and whether they went on to engage and collaborate.

    `members` is the count of the row's combination; `days_to_activation` is empty for those not activated yet.
    """

    day = models.DateField()
    days_to_activation = models.IntegerField(null=True, blank=True)
    members = models.PositiveIntegerField()
    engaged = models.PositiveIntegerField()
    collaborating = models.PositiveIntegerField()

    class Meta:
        db_table = "engagement_joindaily"
        indexes = [models.Index(fields=["day"], name="join_daily_day")]

    def __str__(self) -> str:
        return f"{self.day}: {self.members} approved"


class CohortActivity(Dimensions):
    """Members who joined in a month (the cohort) and were active `months_after` months later."""

    cohort = models.DateField()
    months_after = models.PositiveSmallIntegerField()
    members = models.PositiveIntegerField()

    class Meta:
        db_table = "engagement_cohortactivity"
        indexes = [models.Index(fields=["cohort", "months_after"], name="cohort_activity_cohort")]

    def __str__(self) -> str:
        return f"cohort {self.cohort:%Y-%m} +{self.months_after}: {self.members}"


class OrganisationEngagement(models.Model):
    """An organisation's total score and the stage mix of its members."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, primary_key=True, related_name="engagement"
    )
    members = models.PositiveIntegerField()
    score = models.FloatField()
    pending = models.PositiveIntegerField()
    activated = models.PositiveIntegerField()
    engaged = models.PositiveIntegerField()
    collaborating = models.PositiveIntegerField()
    dormant = models.PositiveIntegerField()

    class Meta:
        db_table = "engagement_organisationengagement"
        indexes = [models.Index(fields=["-score"], name="organisation_engagement_score")]

    def __str__(self) -> str:
        return f"{self.organisation_id}: {self.score:.1f}"


class InitiativeSectorCount(models.Model):
    """Per initiative and sector: members taking part and waiting."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="+")
    sector = models.CharField(max_length=32, choices=Sector.choices)
    active = models.PositiveIntegerField()
    waitlisted = models.PositiveIntegerField()

    class Meta:
        db_table = "engagement_initiativesectorcount"
        constraints = [models.UniqueConstraint(fields=["initiative", "sector"], name="initiative_sector_once")]

    def __str__(self) -> str:
        return f"{self.initiative_id} {self.sector}: {self.active} taking part"


class CampaignStepTotals(models.Model):
    """Per step of a launched campaign: messages sent, deferred, bounced and failed, opened and clicked, and the
    conversions they led to."""

    step = models.OneToOneField(CampaignStep, on_delete=models.CASCADE, primary_key=True, related_name="+")
    sent = models.PositiveIntegerField()
    deferred = models.PositiveIntegerField(default=0)
    bounced = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    opened = models.PositiveIntegerField()
    clicked = models.PositiveIntegerField()
    converted = models.PositiveIntegerField()

    class Meta:
        db_table = "engagement_campaignsteptotals"
        verbose_name_plural = gettext_lazy("campaign step totals")

    def __str__(self) -> str:
        return f"{self.step_id}: {self.sent} sent, {self.converted} converted"


class RollupRefresh(models.Model):
    """One row per completed refresh; the latest one dates the dashboards and keys their cache."""

    finished_at = models.DateTimeField(db_index=True)
    as_of = models.DateTimeField()
    seconds = models.FloatField()

    class Meta:
        db_table = "engagement_rolluprefresh"
        ordering = ["-finished_at"]

    def __str__(self) -> str:
        return f"Roll-ups as of {self.as_of:%Y-%m-%d %H:%M}"
