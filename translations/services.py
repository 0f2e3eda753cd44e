"""Writing translations: a translator's update, and the stale marking when the source text changes."""

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from translations.languages import target_languages
from translations.models import Translation
from translations.registry import translatable


def translations_mark_stale(*, obj: Model) -> int:
    """Marks stale every current translation of `obj` made from another version of its text; one query. Called
    inside the transaction that saves the source (a post_save receiver), so the two commit or roll back together."""
    entry = translatable(type(obj))
    if entry is None:
        return 0
    return (
        Translation.objects.filter(
            content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk, stale_since__isnull=True
        )
        .exclude(source_version=entry.version_of(obj))
        .update(stale_since=timezone.now())
    )


@transaction.atomic
def translation_save(*, obj: Model, language: str, fields: dict[str, Any]) -> Translation:
    """A translator's translation of `obj` into `language`, made from its current text: current, not stale."""
    entry = translatable(type(obj))
    if entry is None:
        raise ValidationError(_("This kind of content is not translated."))
    if language not in {code for code, _name in target_languages()}:
        raise ValidationError({"language": _("Choose one of the languages content is translated into.")})
    unknown = set(fields) - set(entry.fields)
    if unknown:
        raise ValidationError(
            _("These fields are not translated: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}
        )
    text = {name: str(fields.get(name) or "").strip() for name in entry.fields}
    if not any(text.values()):
        raise ValidationError(_("Write the translation of at least one field."))
    source = entry.source_of(obj)
    translation, _created = Translation.objects.update_or_create(
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        language=language,
        defaults={
            "fields": {name: value for name, value in text.items() if value},
            "source": source,
            "source_version": entry.version_of(obj),
            "stale_since": None,
        },
    )
    return translation
