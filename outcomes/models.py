"""Outcome reports: what a red flag led to at one organisation over a period, as counts only, and what follows
from them (staff decisions on the review queue, law enforcement's word that a referral was useful).

De-identified by design: a report holds counts, a period and one short screened note; no names, account or
case numbers. It is labelled TLP:AMBER+STRICT to the reporting organisation; everyone else sees aggregates.
"""

from typing import Any

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from ecosystem.models import Confidence, IndicatorSet, RedFlag
from members.models import Member, Organisation, User
from personas.models import Sector
from sharing.models import Label, label_constraint, label_field

# The counts a report holds, in the order pages, CSV and API show them. `false_positives` may be left empty
# (not tracked); the others default to 0.
COUNT_FIELDS = (
    "alerts_reviewed",
    "escalated",
    "reports_filed",
    "referrals_to_law_enforcement",
    "investigations_opened",
    "prosecutions",
    "victims_identified",
    "false_positives",
)


def _count(verbose_name: Any, help_text: Any, *, null: bool = False) -> models.PositiveIntegerField:
    return models.PositiveIntegerField(
        verbose_name, null=null, blank=null, default=None if null else 0, help_text=help_text
    )


class OutcomeReport(models.Model):
    """One organisation's outcomes of one red flag or one indicator set over a period; written only by
    `outcomes.services`."""

    red_flag = models.ForeignKey(
        RedFlag,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="outcome_reports",
        verbose_name=_("red flag"),
    )
    indicator_set = models.ForeignKey(
        IndicatorSet,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="outcome_reports",
        verbose_name=_("indicator set"),
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="outcome_reports", verbose_name=_("organisation")
    )
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="outcome_reports", verbose_name=_("reported by")
    )
    # Copied from the organisation when the report is filed, so that a later change of the organisation does
    # not move past reports between groups.
    sector = models.CharField(_("sector"), max_length=32, choices=Sector.choices)
    jurisdiction = CountryField(_("jurisdiction"))
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    alerts_reviewed = _count(_("alerts reviewed"), _("Alerts this red flag raised that someone reviewed."))
    escalated = _count(_("escalated"), _("Alerts escalated for investigation."))
    reports_filed = _count(_("reports filed"), _("Suspicious activity (or transaction) reports filed."))
    referrals_to_law_enforcement = _count(_("referrals to law enforcement"), _("Referrals to law enforcement."))
    investigations_opened = _count(_("investigations opened"), _("Investigations opened, as far as you know."))
    prosecutions = _count(_("prosecutions"), _("Prosecutions, as far as you know."))
    victims_identified = _count(_("victims identified"), _("Victims identified, as far as you know."))
    false_positives = _count(
        _("false positives"), _("Alerts found to be false positives; leave empty if you do not track them."), null=True
    )
    note = models.CharField(
        _("note"),
        max_length=500,
        blank=True,
        help_text=_("Optional context on how you used the red flag. No names, account or case numbers."),
    )
    # Chosen by an API client for each report, so that resending a batch stores nothing twice.
    client_id = models.UUIDField(null=True, blank=True, editable=False, verbose_name=_("client ID"))
    label = label_field(default=Label.AMBER_STRICT)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["-period_end", "-id"]
        verbose_name = _("outcome report")
        verbose_name_plural = _("outcome reports")
        constraints = [
            *(
                models.CheckConstraint(condition=Q(**{f"{name}__gte": 0}), name=f"outcome_{name}_not_negative")
                for name in COUNT_FIELDS
            ),
            models.CheckConstraint(condition=Q(period_end__gte=F("period_start")), name="outcome_period_ordered"),
            models.CheckConstraint(condition=Q(sector__in=Sector.values), name="outcome_sector_valid"),
            label_constraint(name="outcome_label_valid"),
            models.UniqueConstraint(fields=["organisation", "client_id"], name="outcome_client_id_per_organisation"),
            models.UniqueConstraint(
                fields=["organisation", "red_flag", "period_start", "period_end"], name="outcome_one_per_period"
            ),
            models.UniqueConstraint(
                fields=["organisation", "indicator_set", "period_start", "period_end"],
                name="outcome_set_one_per_period",
            ),
            models.CheckConstraint(
                condition=Q(red_flag__isnull=False, indicator_set__isnull=True)
                | Q(red_flag__isnull=True, indicator_set__isnull=False),
                name="outcome_about_exactly_one_subject",
            ),
        ]
        indexes = [
            models.Index(fields=["red_flag", "period_start"], name="outcome_flag_period"),
            models.Index(fields=["indicator_set", "period_start"], name="outcome_set_period"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.subject} · {self.period_start}–{self.period_end}"

    @property
    def subject(self) -> RedFlag | IndicatorSet | None:
        return self.red_flag or self.indicator_set


class ReviewRule(models.TextChoices):
    """Why the review queue proposes a red flag (`outcomes.review`)."""

    FALSE_POSITIVES = "false_positives", _("Many false positives")
    NO_OUTCOMES = "no_outcomes", _("No outcomes in a year")
    CONCENTRATED = "concentrated", _("Outcomes concentrated in one jurisdiction")


class ReviewDecision(models.Model):
    """A staff decision on a proposal of the review queue; the reason is also kept in the red flag's revisions
    (`ecosystem.services.red_flag_review_confidence`)."""

    red_flag = models.ForeignKey(
        RedFlag, on_delete=models.CASCADE, related_name="outcome_reviews", verbose_name=_("red flag")
    )
    rule = models.CharField(_("rule"), max_length=32, choices=ReviewRule.choices)
    proposed_confidence = models.CharField(_("proposed confidence"), max_length=8, choices=Confidence.choices)
    previous_confidence = models.CharField(_("previous confidence"), max_length=8, choices=Confidence.choices)
    accepted = models.BooleanField(_("accepted"))
    reason = models.TextField(_("reason"))
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(auto_now_add=True, verbose_name=_("decided at"))

    class Meta:
        verbose_name_plural = _("outcome review decisions")
        ordering = ["-decided_at", "-id"]
        verbose_name = _("outcome review decision")
        constraints = [
            models.CheckConstraint(condition=Q(rule__in=ReviewRule.values), name="outcome_review_rule_valid"),
            models.CheckConstraint(condition=~Q(reason=""), name="outcome_review_has_reason"),
        ]

    def __str__(self) -> str:
        return f"#{self.red_flag_id} {self.rule}: {'accepted' if self.accepted else 'dismissed'}"


class ReferralFeedback(models.Model):
    """A law-enforcement or prosecutor member's word that a referral citing a red flag was useful; no case
    detail, only which red flag and which organisation referred."""

    red_flag = models.ForeignKey(
        RedFlag, on_delete=models.CASCADE, related_name="referral_feedback", verbose_name=_("red flag")
    )
    referring_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="referral_feedback_received",
        verbose_name=_("referring organisation"),
    )
    given_by = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="referral_feedback_given", verbose_name=_("given by")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("referral feedback")
        verbose_name_plural = _("referral feedback")

    def __str__(self) -> str:
        return f"#{self.red_flag_id} → {self.referring_organisation_id}"
