"""One row per translated object and language: the translated text of its registered fields, the English text
it was translated from (so that a translator sees what changed) and that text's version. When the source's
text changes, the row is marked stale (`stale_since`) in the same transaction (`translations.receivers`)."""

from typing import Any

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class TranslationQuerySet(models.QuerySet["Translation"]):
    def current(self) -> "TranslationQuerySet":
        return self.filter(stale_since__isnull=True)

    def stale(self) -> "TranslationQuerySet":
        return self.filter(stale_since__isnull=False)


class Translation(models.Model):
    """A translation of one object into one language. The generic key has no cascade: a deleted object's rows are
    never read (pages and the queue look them up by the ids of existing objects; ids are not reused)."""

    content_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, related_name="+", verbose_name=_("content type")
    )
    object_id = models.PositiveBigIntegerField(verbose_name=_("object ID"))
    subject = GenericForeignKey("content_type", "object_id")
    language = models.CharField(_("language"), max_length=16)
    fields = models.JSONField(_("translated fields"), default=dict, help_text=_("The translated text, by field."))
    source = models.JSONField(
        _("source text"), default=dict, help_text=_("The English text it translates, by field, as it was then.")
    )
    source_version = models.CharField(_("source version"), max_length=64)
    stale_since = models.DateTimeField(
        _("stale since"), null=True, blank=True, help_text=_("When the English text changed after this translation.")
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = TranslationQuerySet.as_manager()

    class Meta:
        verbose_name = _("translation")
        verbose_name_plural = _("translations")
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "language"], name="translation_once_per_object_language"
            ),
            models.CheckConstraint(condition=~models.Q(language=""), name="translation_has_language"),
            models.CheckConstraint(condition=~models.Q(source_version=""), name="translation_has_source_version"),
        ]
        indexes = [
            # The queue: a language's stale rows. A page's lookup (type, ids, language) uses the unique index.
            models.Index(fields=["language", "stale_since"], name="translation_language_stale"),
        ]

    def __str__(self) -> str:
        return f"{self.content_type_id}:{self.object_id} [{self.language}]"

    @property
    def is_stale(self) -> bool:
        return self.stale_since is not None

    def text(self, field: str) -> Any:
        return self.fields.get(field) or None
