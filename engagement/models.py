"""Engagement scores and lifecycle stages: the rules staff edit, and what the nightly job writes."""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from members.models import Member, Verb


class EngagementSettings(models.Model):
    """The one row of thresholds staff tune (id is always 1)."""

    half_life_days = models.PositiveIntegerField(
        default=30,
        validators=[MinValueValidator(1)],
        help_text=_("A point earned this many days ago counts half."),
        verbose_name=_("half-life (days)"),
    )
    engaged_score = models.FloatField(
        default=15, help_text=_("A score at or above this makes a member engaged."), verbose_name=_("engaged score")
    )
    engaged_actions = models.PositiveIntegerField(
        default=5,
        help_text=_("…or this many meaningful actions within the engaged window."),
        verbose_name=_("engaged actions"),
    )
    engaged_window_days = models.PositiveIntegerField(
        default=30, validators=[MinValueValidator(1)], verbose_name=_("engaged window (days)")
    )
    collaborating_window_days = models.PositiveIntegerField(
        default=90,
        validators=[MinValueValidator(1)],
        help_text=_(
            "Collaborating: a contribution (a verb marked so) to an initiative one takes part in, within this many "
            "days."
        ),
        verbose_name=_("collaborating window (days)"),
    )
    dormant_after_days = models.PositiveIntegerField(
        default=90,
        validators=[MinValueValidator(1)],
        help_text=_("Dormant after this many days without an act of the member's own."),
        verbose_name=_("dormant after (days)"),
    )

    class Meta:
        verbose_name = _("engagement settings")
        verbose_name_plural = _("engagement settings")
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="engagement_settings_single_row"),
            models.CheckConstraint(condition=Q(half_life_days__gte=1), name="half_life_positive"),
            models.CheckConstraint(condition=Q(engaged_score__gte=0), name="engaged_score_not_negative"),
        ]

    def __str__(self) -> str:
        return "Engagement settings"


class VerbScore(models.Model):
    """Points a kind of activity earns, and how many of them a day can count (so repeated clicks cannot inflate).
    Only member-caused rows of the verb count (`Activity.origin`); staff and system rows earn nothing."""

    verb = models.CharField(max_length=32, choices=Verb.choices, unique=True, verbose_name=_("verb"))
    points = models.FloatField(
        validators=[MinValueValidator(0)],
        help_text=_("Points one of the member's own acts of this kind earns, halving with every half-life."),
        verbose_name=_("points"),
    )
    daily_cap = models.PositiveIntegerField(
        default=3,
        validators=[MinValueValidator(1)],
        help_text=_("At most this many per day count."),
        verbose_name=_("daily cap"),
    )
    meaningful = models.BooleanField(
        default=False,
        help_text=_("Counts towards the meaningful actions that make a member engaged."),
        verbose_name=_("meaningful"),
    )
    contribution = models.BooleanField(
        default=False,
        help_text=_(
            "A contribution to an initiative: done in an initiative the member takes part in, it makes them "
            "collaborating. Joining or viewing is not."
        ),
        verbose_name=_("contribution"),
    )

    class Meta:
        verbose_name = _("verb score")
        verbose_name_plural = _("verb scores")
        ordering = ["verb"]
        constraints = [
            models.CheckConstraint(condition=Q(verb__in=Verb.values), name="verb_score_verb_valid"),
            models.CheckConstraint(condition=Q(points__gte=0), name="verb_score_points_not_negative"),
            models.CheckConstraint(condition=Q(daily_cap__gte=1), name="verb_score_cap_positive"),
        ]

    def __str__(self) -> str:
        return _("%(verb)s: %(points)s points, %(cap)s a day") % {
            "verb": self.get_verb_display(),
            "points": f"{self.points:g}",
            "cap": self.daily_cap,
        }


class LifecycleStage(models.TextChoices):
    """An approved member's stage. The stored value "pending" is not the member status "pending" (awaiting
    approval): people read it by its name, "Not yet activated" (see `stage_name`)."""

    PENDING = "pending", _("Pending (not yet activated)")
    ACTIVATED = "activated", _("Activated")
    ENGAGED = "engaged", _("Engaged")
    COLLABORATING = "collaborating", _("Collaborating")
    DORMANT = "dormant", _("Dormant")


# The names pages, exports and charts use. The choice labels above are frozen in the migrations (changing them
# would alter every stage column's state), so the names people read live here; the stored values never change.
STAGE_NAMES = {
    "pending": _("Not yet activated"),
    "activated": _("Activated"),
    "engaged": _("Engaged"),
    "collaborating": _("Collaborating"),
    "dormant": _("Dormant"),
}


def stage_name(stage: str) -> str:
    """A lifecycle stage's name as people read it ("Not yet activated", never the bare "pending")."""
    return str(STAGE_NAMES.get(stage, stage))


class MemberEngagement(models.Model):
    """An approved member's current score and stage, with the first time each funnel stage was reached."""

    member = models.OneToOneField(
        Member, on_delete=models.CASCADE, primary_key=True, related_name="engagement", verbose_name=_("member")
    )
    score = models.FloatField(default=0, verbose_name=_("score"))
    stage = models.CharField(max_length=16, choices=LifecycleStage.choices, db_index=True, verbose_name=_("stage"))
    stage_since = models.DateTimeField(verbose_name=_("stage since"))
    activated_at = models.DateTimeField(null=True, blank=True, verbose_name=_("activated at"))
    engaged_at = models.DateTimeField(null=True, blank=True, verbose_name=_("engaged at"))
    collaborating_at = models.DateTimeField(null=True, blank=True, verbose_name=_("collaborating at"))
    computed_at = models.DateTimeField(verbose_name=_("computed at"))

    class Meta:
        verbose_name = _("member engagement")
        verbose_name_plural = _("member engagements")
        ordering = ["-score"]
        constraints = [
            models.CheckConstraint(condition=Q(stage__in=LifecycleStage.values), name="engagement_stage_valid"),
            models.CheckConstraint(condition=Q(score__gte=0), name="engagement_score_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.member}: {self.score:.1f} ({stage_name(self.stage)})"


class StageTransition(models.Model):
    """Every change of lifecycle stage, kept for good."""

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="stage_transitions", verbose_name=_("member")
    )
    from_stage = models.CharField(
        max_length=16, choices=LifecycleStage.choices, blank=True, verbose_name=_("from stage")
    )
    to_stage = models.CharField(max_length=16, choices=LifecycleStage.choices, verbose_name=_("to stage"))
    at = models.DateTimeField(verbose_name=_("when"))

    class Meta:
        verbose_name = _("stage transition")
        verbose_name_plural = _("stage transitions")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["member", "at"], name="stage_transition_member_at")]
        constraints = [
            models.CheckConstraint(condition=Q(to_stage__in=LifecycleStage.values), name="transition_to_valid"),
            models.CheckConstraint(
                condition=Q(from_stage="") | Q(from_stage__in=LifecycleStage.values), name="transition_from_valid"
            ),
            models.CheckConstraint(condition=~Q(from_stage=models.F("to_stage")), name="transition_changes_stage"),
        ]

    def __str__(self) -> str:
        before = stage_name(self.from_stage) or "—"
        return _("%(member)s: %(before)s → %(after)s at %(day)s") % {
            "member": self.member,
            "before": before,
            "after": stage_name(self.to_stage),
            "day": f"{self.at:%Y-%m-%d}",
        }


class EngagementRun(models.Model):
    """The last run of the nightly score job, what the next run carries on from: one row, each run replaces it.

    The next run is incremental when it is not earlier than this one and the rules are the same: it decays the
    stored scores by the days between and adds only what activity past the mark, filling its gaps or dated
    after `as_of` changes (`engagement.scoring`).
    """

    as_of = models.DateTimeField(verbose_name=_("as of"))
    full = models.BooleanField(verbose_name=_("full recompute"))
    seconds = models.FloatField(verbose_name=_("seconds"))
    activity_mark = models.BigIntegerField(verbose_name=_("last activity counted"))
    activity_gaps = models.JSONField(default=list, blank=True, verbose_name=_("activity not yet visible"))
    # The settings and verb scores the stored scores were computed with; any change means a full recompute.
    rules = models.JSONField(verbose_name=_("rules applied"))

    class Meta:
        verbose_name = _("score run")
        verbose_name_plural = _("score runs")
        ordering = ["-id"]
        constraints = [models.CheckConstraint(condition=Q(seconds__gte=0), name="engagement_run_seconds_not_negative")]

    def __str__(self) -> str:
        return f"Scores as of {self.as_of:%Y-%m-%d %H:%M}"
