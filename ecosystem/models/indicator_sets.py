"""Indicator sets: named combinations of red flags that, together, warrant a closer look.

No single red flag proves trafficking; a source may say which indicators are weighed together. An indicator
set names such a combination ("IMB front business"), says why in a short rationale, how many of its red flags
together warrant a closer look (`minimum`), and cites the passages behind the combination, like a red flag.
It goes through the same review as a red flag (draft → in review → verified by a second staff member →
published) and carries a TLP label (`sharing`).

The database holds what it can: 1 ≤ minimum, a verifier who is not the author, nothing published unverified.
`minimum ≤ number of red flags` spans two tables, so the services hold it (`ecosystem.services`).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length, Trim
from django.db.models.lookups import GreaterThan
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ecosystem.models.map import TraffickingCategory
from ecosystem.models.red_flags import RedFlag, ReviewState
from ecosystem.models.sources import Source
from sharing.models import Label, label_constraint, label_field


class IndicatorSetQuerySet(models.QuerySet["IndicatorSet"]):
    def published(self) -> "IndicatorSetQuerySet":
        return self.filter(review_state=ReviewState.PUBLISHED)


class IndicatorSet(models.Model):
    """A named combination of red flags of one category, with its rationale, minimum and sources."""

    category = models.ForeignKey(
        TraffickingCategory, on_delete=models.PROTECT, related_name="indicator_sets", verbose_name=_("category")
    )
    name = models.CharField(_("name"), max_length=200, help_text=_("e.g. “IMB front business”."))
    rationale = models.TextField(_("rationale"), help_text=_("Why these red flags are weighed together, briefly."))
    minimum = models.PositiveSmallIntegerField(
        _("minimum"), default=2, help_text=_("How many of its red flags together warrant a closer look.")
    )
    red_flags: "models.ManyToManyField[RedFlag, IndicatorSetFlag]" = models.ManyToManyField(
        RedFlag, through="IndicatorSetFlag", related_name="indicator_sets", verbose_name=_("red flags")
    )
    review_state = models.CharField(
        _("review state"), max_length=16, choices=ReviewState.choices, default=ReviewState.DRAFT, db_index=True
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
        help_text=_("The staff member who sent it for review."),
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verified by"),
        help_text=_("The second staff member who checked it against its sources."),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    label = label_field(default=Label.GREEN)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, db_index=True, verbose_name=_("updated at"))
    history = HistoricalRecords(excluded_fields=["updated_at"])

    objects = IndicatorSetQuerySet.as_manager()

    class Meta:
        ordering = ["category_id", "name"]
        verbose_name = _("indicator set")
        verbose_name_plural = _("indicator sets")
        constraints = [
            models.UniqueConstraint(fields=["category", "name"], name="indicator_set_name_unique_in_category"),
            models.CheckConstraint(condition=GreaterThan(Length(Trim("name")), 0), name="indicator_set_has_name"),
            models.CheckConstraint(
                condition=GreaterThan(Length(Trim("rationale")), 0), name="indicator_set_has_rationale"
            ),
            models.CheckConstraint(condition=Q(minimum__gte=1), name="indicator_set_minimum_at_least_one"),
            models.CheckConstraint(condition=Q(review_state__in=ReviewState.values), name="indicator_set_state_valid"),
            label_constraint(name="indicator_set_label_valid"),
            models.CheckConstraint(
                condition=Q(verified_by__isnull=True) | Q(author__isnull=False) & ~Q(verified_by=F("author")),
                name="indicator_set_verifier_is_not_the_author",
            ),
            models.CheckConstraint(
                condition=~Q(review_state__in=[ReviewState.VERIFIED, ReviewState.PUBLISHED])
                | Q(verified_by__isnull=False),
                name="indicator_set_published_only_verified",
            ),
            models.CheckConstraint(
                condition=~Q(review_state=ReviewState.PUBLISHED) | Q(published_at__isnull=False),
                name="published_indicator_set_has_a_date",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class IndicatorSetFlag(models.Model):
    """One red flag of an indicator set (of the same category: a check in `clean`, a service and the admin)."""

    indicator_set = models.ForeignKey(
        IndicatorSet, on_delete=models.CASCADE, related_name="members", verbose_name=_("indicator set")
    )
    red_flag = models.ForeignKey(RedFlag, on_delete=models.CASCADE, related_name="+", verbose_name=_("red flag"))

    class Meta:
        ordering = ["indicator_set_id", "red_flag_id"]
        verbose_name = _("red flag of the set")
        verbose_name_plural = _("red flags of the set")
        constraints = [
            models.UniqueConstraint(fields=["indicator_set", "red_flag"], name="indicator_set_flag_once"),
        ]
        indexes = [models.Index(fields=["red_flag", "indicator_set"], name="indicator_set_flag_by_flag")]

    def __str__(self) -> str:
        return str(self.red_flag_id)


class IndicatorSetCitation(models.Model):
    """A passage behind the combination: the source, where in it, and its words verbatim."""

    indicator_set = models.ForeignKey(
        IndicatorSet, on_delete=models.CASCADE, related_name="citations", verbose_name=_("indicator set")
    )
    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, related_name="indicator_set_citations", verbose_name=_("source")
    )
    locator = models.CharField(_("locator"), max_length=200, help_text=_("Page, section or paragraph."))
    quote = models.TextField(_("quote"), help_text=_("The passage behind the combination, verbatim."))

    class Meta:
        ordering = ["indicator_set_id", "id"]
        verbose_name = _("citation")
        verbose_name_plural = _("citations")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator_set", "source", "locator"], name="indicator_set_citation_once_per_passage"
            ),
            models.CheckConstraint(
                condition=GreaterThan(Length(Trim("locator")), 0), name="indicator_set_citation_has_locator"
            ),
            models.CheckConstraint(
                condition=GreaterThan(Length(Trim("quote")), 0), name="indicator_set_citation_has_quote"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} — {self.locator}"
