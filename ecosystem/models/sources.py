"""Sources as records, and the citations that tie a red flag to a located, quoted passage of a source.

A red flag restates what a named source says and is never more specific than it: each citation keeps
where in the source the passage is (`locator`) and the passage itself, verbatim (`quote`), so that a
reader can hold the restatement against the source's own words on the red flag's page.
"""

from django.db import models
from django.db.models import Q
from django.db.models.functions import Length, Trim
from django.db.models.lookups import GreaterThan
from django.utils.translation import gettext_lazy as _

from ecosystem.models.red_flags import RedFlag


class SourceKind(models.TextChoices):
    REGULATOR_ADVISORY = "regulator_advisory", _("Regulator advisory")
    FIU_TYPOLOGY = "fiu_typology", _("Financial-intelligence typology")
    NGO_REPORT = "ngo_report", _("NGO report")
    ACADEMIC = "academic", _("Academic study")
    MEMBER_EVIDENCE = "member_evidence", _("Member evidence")


class Source(models.Model):
    """A document red flags are restated from; named by a short `key` in the CSV import and export."""

    key = models.SlugField(
        max_length=80, unique=True, help_text=_("Short name used in CSV files."), verbose_name=_("key")
    )
    kind = models.CharField(max_length=24, choices=SourceKind.choices, verbose_name=_("kind"))
    issuer = models.CharField(max_length=200, verbose_name=_("issuer"))
    title = models.CharField(max_length=300, verbose_name=_("title"))
    document_number = models.CharField(max_length=80, blank=True, verbose_name=_("document number"))
    published_on = models.DateField(null=True, blank=True, verbose_name=_("published on"))
    url = models.URLField(blank=True, verbose_name=_("URL"))
    jurisdiction = models.CharField(
        max_length=80,
        blank=True,
        help_text=_("Where the issuer speaks for: “global”, a country or a region."),
        verbose_name=_("jurisdiction"),
    )
    licence_note = models.CharField(
        max_length=300, blank=True, help_text=_("What reuse of its text allows."), verbose_name=_("licence note")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, db_index=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        ordering = ["issuer", "title"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=SourceKind.values), name="source_kind_valid"),
            models.CheckConstraint(condition=GreaterThan(Length(Trim("title")), 0), name="source_has_title"),
        ]

    def __str__(self) -> str:
        number = f" {self.document_number}" if self.document_number else ""
        return f"{self.issuer}{number}, {self.title}"


class Citation(models.Model):
    """A red flag's reference to one passage of a source: where it is and its words, verbatim.

    Citations carried over from the free-text sources of before (migration 0003) have no locator or quote
    yet; such a red flag cannot be sent for review or published until staff add them (services)."""

    red_flag = models.ForeignKey(
        RedFlag, on_delete=models.CASCADE, related_name="citations", verbose_name=_("red flag")
    )
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="citations", verbose_name=_("source"))
    locator = models.CharField(
        max_length=200, blank=True, help_text=_("Page, section or paragraph."), verbose_name=_("locator")
    )
    quote = models.TextField(
        blank=True, help_text=_("The passage the red flag restates, verbatim."), verbose_name=_("quote")
    )

    class Meta:
        verbose_name = _("citation")
        verbose_name_plural = _("citations")
        ordering = ["red_flag_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["red_flag", "source", "locator"], name="citation_once_per_passage"),
        ]

    def __str__(self) -> str:
        return f"{self.source} — {self.locator}" if self.locator else str(self.source)

    @property
    def is_complete(self) -> bool:
        return bool(self.locator.strip() and self.quote.strip())
