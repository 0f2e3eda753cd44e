"""Roll-up tables the dashboards read; rebuilt by `analytics.rollups.rollups_refresh` with set-based SQL.

Each row is a count for one combination of the filter dimensions (sector, persona, country), so every
filter is a WHERE on small tables and a member is counted in exactly one combination.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _

from campaigns.models.campaigns import CampaignStep
from ecosystem.models import IndicatorSet, RedFlag
from engagement.models import LifecycleStage
from initiatives.models import Initiative
from members.models import Organisation
from personas.models import JobToBeDone, Sector
from roadmap.models import Horizon, Roadmap, RoadmapItem


class Dimensions(models.Model):
    sector = models.CharField(max_length=32, choices=Sector.choices, verbose_name=_("sector"))
    persona_id = models.IntegerField(null=True, blank=True, verbose_name=_("persona ID"))
    country = models.CharField(max_length=2, verbose_name=_("country"))

    class Meta:
        abstract = True


class StageWeekly(Dimensions):
    """Members in each lifecycle stage at the end of each week (weeks start on Monday)."""

    week = models.DateField(verbose_name=_("week"))
    stage = models.CharField(max_length=16, choices=LifecycleStage.choices, verbose_name=_("stage"))
    members = models.PositiveIntegerField(verbose_name=_("members"))

    class Meta:
        verbose_name = _("weekly stage count")
        verbose_name_plural = _("weekly stage counts")
        db_table = "engagement_stageweekly"
        indexes = [models.Index(fields=["week", "stage"], name="stage_weekly_week")]

    def __str__(self) -> str:
        return f"{self.week}: {self.members} {self.stage}"


class PeriodKind(models.TextChoices):
    WEEK = "week", gettext_lazy("Week")
    MONTH = "month", gettext_lazy("Month")


class PeriodActive(Dimensions):
    """Distinct members with any activity in a calendar week or month."""

    kind = models.CharField(max_length=8, choices=PeriodKind.choices, verbose_name=_("kind"))
    starts_on = models.DateField(verbose_name=_("starts on"))
    members = models.PositiveIntegerField(verbose_name=_("members"))

    class Meta:
        verbose_name = _("active members in a period")
        verbose_name_plural = _("active members by period")
        db_table = "engagement_periodactive"
        indexes = [models.Index(fields=["kind", "starts_on"], name="period_active_kind_start")]
        constraints = [models.CheckConstraint(condition=Q(kind__in=PeriodKind.values), name="period_kind_valid")]

    def __str__(self) -> str:
        return f"{self.kind} of {self.starts_on}: {self.members} active"


class JoinDaily(Dimensions):
    """Members approved on a day: how long they took to activate, and whether they went on to engage and collaborate.

    `members` is the count of the row's combination; `days_to_activation` is empty for those not activated yet.
    """

    day = models.DateField(verbose_name=_("day"))
    days_to_activation = models.IntegerField(null=True, blank=True, verbose_name=_("days to activation"))
    members = models.PositiveIntegerField(verbose_name=_("members"))
    engaged = models.PositiveIntegerField(verbose_name=_("engaged"))
    collaborating = models.PositiveIntegerField(verbose_name=_("collaborating"))

    class Meta:
        verbose_name = _("daily join count")
        verbose_name_plural = _("daily join counts")
        db_table = "engagement_joindaily"
        indexes = [models.Index(fields=["day"], name="join_daily_day")]

    def __str__(self) -> str:
        return f"{self.day}: {self.members} approved"


class CohortActivity(Dimensions):
    """Members who joined in a month (the cohort) and were active `months_after` months later."""

    cohort = models.DateField(verbose_name=_("cohort"))
    months_after = models.PositiveSmallIntegerField(verbose_name=_("months after"))
    members = models.PositiveIntegerField(verbose_name=_("members"))

    class Meta:
        verbose_name = _("cohort activity")
        verbose_name_plural = _("cohort activity")
        db_table = "engagement_cohortactivity"
        indexes = [models.Index(fields=["cohort", "months_after"], name="cohort_activity_cohort")]

    def __str__(self) -> str:
        return f"cohort {self.cohort:%Y-%m} +{self.months_after}: {self.members}"


class OrganisationEngagement(models.Model):
    """An organisation's total score and the stage mix of its members."""

    organisation = models.OneToOneField(
        Organisation,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="engagement",
        verbose_name=_("organisation"),
    )
    members = models.PositiveIntegerField(verbose_name=_("members"))
    score = models.FloatField(verbose_name=_("score"))
    pending = models.PositiveIntegerField(verbose_name=_("pending"))
    activated = models.PositiveIntegerField(verbose_name=_("activated"))
    engaged = models.PositiveIntegerField(verbose_name=_("engaged"))
    collaborating = models.PositiveIntegerField(verbose_name=_("collaborating"))
    dormant = models.PositiveIntegerField(verbose_name=_("dormant"))

    class Meta:
        verbose_name = _("organisation engagement")
        verbose_name_plural = _("organisation engagements")
        db_table = "engagement_organisationengagement"
        indexes = [models.Index(fields=["-score"], name="organisation_engagement_score")]

    def __str__(self) -> str:
        return f"{self.organisation_id}: {self.score:.1f}"


class InitiativeSectorCount(models.Model):
    """Per initiative and sector: members taking part and waiting."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="+", verbose_name=_("initiative"))
    sector = models.CharField(max_length=32, choices=Sector.choices, verbose_name=_("sector"))
    active = models.PositiveIntegerField(verbose_name=_("active"))
    waitlisted = models.PositiveIntegerField(verbose_name=_("waitlisted"))

    class Meta:
        verbose_name = _("initiative sector count")
        verbose_name_plural = _("initiative sector counts")
        db_table = "engagement_initiativesectorcount"
        constraints = [models.UniqueConstraint(fields=["initiative", "sector"], name="initiative_sector_once")]

    def __str__(self) -> str:
        return f"{self.initiative_id} {self.sector}: {self.active} taking part"


class CampaignStepTotals(models.Model):
    """Per step of a launched campaign: messages sent, deferred, bounced and failed, opened and clicked, and the
    conversions they led to."""

    step = models.OneToOneField(
        CampaignStep, on_delete=models.CASCADE, primary_key=True, related_name="+", verbose_name=_("step")
    )
    sent = models.PositiveIntegerField(verbose_name=_("sent"))
    deferred = models.PositiveIntegerField(default=0, verbose_name=_("deferred"))
    bounced = models.PositiveIntegerField(default=0, verbose_name=_("bounced"))
    failed = models.PositiveIntegerField(default=0, verbose_name=_("failed"))
    opened = models.PositiveIntegerField(verbose_name=_("opened"))
    clicked = models.PositiveIntegerField(verbose_name=_("clicked"))
    converted = models.PositiveIntegerField(verbose_name=_("converted"))

    class Meta:
        verbose_name = _("campaign step totals")
        db_table = "engagement_campaignsteptotals"
        verbose_name_plural = gettext_lazy("campaign step totals")

    def __str__(self) -> str:
        return f"{self.step_id}: {self.sent} sent, {self.converted} converted"


class RollupRefresh(models.Model):
    """One row per completed refresh; the latest one dates the dashboards and keys their cache.

    The marks are the highest activity and stage-transition ids the refresh saw, and the activity ids under
    the mark it did not see (taken by transactions not yet committed, or rolled back): the next one recounts
    only the weeks and months that rows past the mark, rows filling those gaps, or members whose dimensions
    changed touch.
    """

    finished_at = models.DateTimeField(db_index=True, verbose_name=_("finished at"))
    as_of = models.DateTimeField(verbose_name=_("as of"))
    seconds = models.FloatField(verbose_name=_("seconds"))
    full = models.BooleanField(default=True, verbose_name=_("full rebuild"))
    activity_mark = models.BigIntegerField(null=True, blank=True, verbose_name=_("last activity counted"))
    activity_gaps = models.JSONField(default=list, blank=True, verbose_name=_("activity not yet visible"))
    transition_mark = models.BigIntegerField(null=True, blank=True, verbose_name=_("last stage change counted"))

    class Meta:
        verbose_name = _("roll-up refresh")
        verbose_name_plural = _("roll-up refreshes")
        db_table = "engagement_rolluprefresh"
        ordering = ["-finished_at"]

    def __str__(self) -> str:
        return f"Roll-ups as of {self.as_of:%Y-%m-%d %H:%M}"


class RollupMember(models.Model):
    """Each approved member's dimensions as the roll-ups last counted them; a member whose dimensions differ
    now (approved, gone, another organisation or persona) has every period they were active in recounted."""

    # Not a foreign key: a member deleted since the last refresh must still be found here, to be uncounted.
    member_id = models.BigIntegerField(primary_key=True, verbose_name=_("member ID"))
    sector = models.CharField(max_length=32, choices=Sector.choices, verbose_name=_("sector"))
    persona_id = models.IntegerField(null=True, blank=True, verbose_name=_("persona ID"))
    country = models.CharField(max_length=2, verbose_name=_("country"))
    approved_at = models.DateTimeField(verbose_name=_("approved at"))

    class Meta:
        db_table = "engagement_rollupmember"
        verbose_name = _("member as last counted")
        verbose_name_plural = _("members as last counted")

    def __str__(self) -> str:
        return f"{self.member_id}: {self.sector} {self.country}"


class ImpactScope(models.TextChoices):
    ITEM = "item", _("Roadmap item")
    HORIZON = "horizon", _("Horizon")
    ROADMAP = "roadmap", _("Roadmap")


class RoadmapImpact(models.Model):
    """What a roadmap item (or a horizon, or the whole roadmap) did for members, as of the last roll-up.

    Participants are the members who joined one of the initiatives launched from it. The lift compares the share of
    them whose next change of stage, within `analytics.impact.WINDOW_DAYS` of joining, went up with the same share
    in a comparison group matched on persona, sector and stage at the start; empty ("not enough data") when either
    group is under `analytics.impact.MIN_GROUP`.
    """

    scope = models.CharField(max_length=8, choices=ImpactScope.choices, verbose_name=_("scope"))
    roadmap = models.ForeignKey(Roadmap, on_delete=models.CASCADE, related_name="+", verbose_name=_("roadmap"))
    horizon = models.ForeignKey(
        Horizon, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("horizon")
    )
    item = models.ForeignKey(
        RoadmapItem, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("item")
    )
    done_on = models.DateField(null=True, blank=True, verbose_name=_("done on"))
    initiatives = models.PositiveIntegerField(default=0, verbose_name=_("initiatives"))
    members = models.PositiveIntegerField(default=0, verbose_name=_("members"))
    organisations = models.PositiveIntegerField(default=0, verbose_name=_("organisations"))
    contributions = models.PositiveIntegerField(default=0, verbose_name=_("contributions"))
    participants = models.PositiveIntegerField(
        default=0, help_text=_("Participants with a matched comparison."), verbose_name=_("participants")
    )
    participant_rate = models.FloatField(null=True, blank=True, verbose_name=_("participant rate"))
    comparison_members = models.PositiveIntegerField(default=0, verbose_name=_("comparison members"))
    comparison_rate = models.FloatField(null=True, blank=True, verbose_name=_("comparison rate"))
    lift = models.FloatField(
        null=True, blank=True, help_text=_("Percentage points; empty: not enough data."), verbose_name=_("lift")
    )
    jobs = models.PositiveIntegerField(default=0, verbose_name=_("jobs"))
    satisfaction_change = models.FloatField(null=True, blank=True, verbose_name=_("satisfaction change"))
    votes = models.PositiveIntegerField(default=0, verbose_name=_("votes"))
    ideas = models.PositiveIntegerField(default=0, verbose_name=_("ideas"))
    outcome_subjects = models.PositiveIntegerField(default=0, verbose_name=_("outcome subjects"))
    outcome_reports = models.PositiveIntegerField(default=0, verbose_name=_("outcome reports"))

    class Meta:
        verbose_name = _("roadmap impact")
        verbose_name_plural = _("roadmap impacts")
        db_table = "analytics_roadmapimpact"
        constraints = [
            models.CheckConstraint(condition=Q(scope__in=ImpactScope.values), name="impact_scope_valid"),
            models.CheckConstraint(
                condition=(Q(scope=ImpactScope.ITEM) & Q(item__isnull=False) & Q(horizon__isnull=False))
                | (Q(scope=ImpactScope.HORIZON) & Q(item__isnull=True) & Q(horizon__isnull=False))
                | (Q(scope=ImpactScope.ROADMAP) & Q(item__isnull=True) & Q(horizon__isnull=True)),
                name="impact_scope_matches_keys",
            ),
            models.UniqueConstraint(fields=["item"], condition=Q(scope=ImpactScope.ITEM), name="impact_item_once"),
            models.UniqueConstraint(
                fields=["horizon"], condition=Q(scope=ImpactScope.HORIZON), name="impact_horizon_once"
            ),
            models.UniqueConstraint(
                fields=["roadmap"], condition=Q(scope=ImpactScope.ROADMAP), name="impact_roadmap_once"
            ),
        ]
        indexes = [models.Index(fields=["roadmap", "scope"], name="impact_roadmap_scope")]

    def __str__(self) -> str:
        return f"{self.scope} impact of roadmap {self.roadmap_id}"


class ReachDimension(models.TextChoices):
    PERSONA = "persona", _("Persona")
    SECTOR = "sector", _("Sector")
    COUNTRY = "country", _("Country")


class ImpactReach(models.Model):
    """Participants and their organisations by persona, sector or country (value: persona id, sector, ISO code)."""

    impact = models.ForeignKey(RoadmapImpact, on_delete=models.CASCADE, related_name="reach", verbose_name=_("impact"))
    dimension = models.CharField(max_length=8, choices=ReachDimension.choices, verbose_name=_("dimension"))
    value = models.CharField(max_length=32, blank=True, verbose_name=_("value"))
    members = models.PositiveIntegerField(verbose_name=_("members"))
    organisations = models.PositiveIntegerField(verbose_name=_("organisations"))

    class Meta:
        verbose_name = _("impact reach")
        verbose_name_plural = _("impact reaches")
        db_table = "analytics_impactreach"
        constraints = [
            models.UniqueConstraint(fields=["impact", "dimension", "value"], name="impact_reach_once"),
            models.CheckConstraint(condition=Q(dimension__in=ReachDimension.values), name="impact_reach_dimension"),
        ]

    def __str__(self) -> str:
        return f"{self.dimension} {self.value}: {self.members}"


class ImpactInitiative(models.Model):
    """An initiative launched from a roadmap item: its participants and their contributions."""

    impact = models.ForeignKey(
        RoadmapImpact, on_delete=models.CASCADE, related_name="initiative_rows", verbose_name=_("impact")
    )
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="+", verbose_name=_("initiative"))
    members = models.PositiveIntegerField(verbose_name=_("members"))
    organisations = models.PositiveIntegerField(verbose_name=_("organisations"))
    posts = models.PositiveIntegerField(verbose_name=_("posts"))
    documents = models.PositiveIntegerField(verbose_name=_("documents"))
    sessions_attended = models.PositiveIntegerField(verbose_name=_("sessions attended"))

    class Meta:
        verbose_name = _("impact initiative")
        verbose_name_plural = _("impact initiatives")
        db_table = "analytics_impactinitiative"
        constraints = [models.UniqueConstraint(fields=["impact", "initiative"], name="impact_initiative_once")]

    def __str__(self) -> str:
        return f"{self.initiative_id}: {self.members} taking part"


class ImpactCohort(models.Model):
    """The lift's evidence: one matched cell (persona, sector, stage at the start), with both groups' counts."""

    impact = models.ForeignKey(
        RoadmapImpact, on_delete=models.CASCADE, related_name="cohorts", verbose_name=_("impact")
    )
    persona_id = models.IntegerField(null=True, blank=True, verbose_name=_("persona ID"))
    sector = models.CharField(max_length=32, choices=Sector.choices, verbose_name=_("sector"))
    stage = models.CharField(max_length=16, choices=LifecycleStage.choices, verbose_name=_("stage"))
    participants = models.PositiveIntegerField(verbose_name=_("participants"))
    participants_moved = models.PositiveIntegerField(verbose_name=_("participants moved"))
    comparison = models.PositiveIntegerField(verbose_name=_("comparison"))
    comparison_moved = models.PositiveIntegerField(verbose_name=_("comparison moved"))

    class Meta:
        verbose_name = _("impact cohort")
        verbose_name_plural = _("impact cohorts")
        db_table = "analytics_impactcohort"

    def __str__(self) -> str:
        return f"{self.sector}/{self.persona_id}/{self.stage}: {self.participants} vs {self.comparison}"


class ImpactJob(models.Model):
    """A job the item's opportunity serves: importance and satisfaction from the latest survey before the item was
    done and from the latest one after (0–10; empty where no survey asked)."""

    impact = models.ForeignKey(
        RoadmapImpact, on_delete=models.CASCADE, related_name="job_rows", verbose_name=_("impact")
    )
    job = models.ForeignKey(JobToBeDone, on_delete=models.CASCADE, related_name="+", verbose_name=_("job"))
    importance_before = models.DecimalField(
        max_digits=3, decimal_places=1, null=True, blank=True, verbose_name=_("importance before")
    )
    satisfaction_before = models.DecimalField(
        max_digits=3, decimal_places=1, null=True, blank=True, verbose_name=_("satisfaction before")
    )
    answers_before = models.PositiveIntegerField(default=0, verbose_name=_("answers before"))
    surveyed_before = models.DateField(null=True, blank=True, verbose_name=_("surveyed before"))
    importance_after = models.DecimalField(
        max_digits=3, decimal_places=1, null=True, blank=True, verbose_name=_("importance after")
    )
    satisfaction_after = models.DecimalField(
        max_digits=3, decimal_places=1, null=True, blank=True, verbose_name=_("satisfaction after")
    )
    answers_after = models.PositiveIntegerField(default=0, verbose_name=_("answers after"))
    surveyed_after = models.DateField(null=True, blank=True, verbose_name=_("surveyed after"))

    class Meta:
        verbose_name = _("impact job")
        verbose_name_plural = _("impact jobs")
        db_table = "analytics_impactjob"
        constraints = [models.UniqueConstraint(fields=["impact", "job"], name="impact_job_once")]

    def __str__(self) -> str:
        return f"job {self.job_id}: {self.satisfaction_before} → {self.satisfaction_after}"


class ImpactOutcome(models.Model):
    """A red flag or indicator set the item's initiatives work on, with outcome reports from at least
    `outcomes.selectors.MIN_ORGANISATIONS` organisations (subjects under it are not stored at all)."""

    impact = models.ForeignKey(
        RoadmapImpact, on_delete=models.CASCADE, related_name="outcome_rows", verbose_name=_("impact")
    )
    red_flag = models.ForeignKey(
        RedFlag, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("red flag")
    )
    indicator_set = models.ForeignKey(
        IndicatorSet, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("indicator set")
    )
    organisations = models.PositiveIntegerField(verbose_name=_("organisations"))
    reports = models.PositiveIntegerField(verbose_name=_("reports"))
    reports_filed = models.PositiveIntegerField(verbose_name=_("reports filed"))

    class Meta:
        verbose_name = _("impact outcome")
        verbose_name_plural = _("impact outcomes")
        db_table = "analytics_impactoutcome"
        constraints = [
            models.CheckConstraint(
                condition=(Q(red_flag__isnull=False) & Q(indicator_set__isnull=True))
                | (Q(red_flag__isnull=True) & Q(indicator_set__isnull=False)),
                name="impact_outcome_one_subject",
            ),
            models.CheckConstraint(condition=Q(organisations__gte=3), name="impact_outcome_min_organisations"),
        ]

    def __str__(self) -> str:
        return f"{self.red_flag_id or self.indicator_set_id}: {self.organisations} organisations"
