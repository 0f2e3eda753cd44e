"""Reading translations for the active language. A list loads its objects' translations in one query
(`translations_attach`), whatever the number of languages; the source language needs none."""

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model

from translations.languages import active_target
from translations.models import Translation
from translations.registry import Translatable, registered, translatable

# Where a loaded translation is kept on the object: {language: Translation or None}.
_CACHE = "_translations"


def translations_attach(objects: Iterable[Any], *, language: str | None = None) -> None:
    """Loads the translations of `objects` (of one or more registered models) into the given or active language,
    one query per model, so that `translation_of` reads them without a query of its own."""
    language = language or active_target()
    if language is None:
        return
    by_model: dict[type[Model], list[Any]] = {}
    for obj in objects:
        if isinstance(obj, Model) and translatable(type(obj)) is not None and language not in _cached(obj):
            by_model.setdefault(type(obj), []).append(obj)
    for model, items in by_model.items():
        found = {
            row.object_id: row
            for row in Translation.objects.filter(
                content_type=ContentType.objects.get_for_model(model),
                object_id__in=[obj.pk for obj in items],
                language=language,
            )
        }
        for obj in items:
            _cached(obj)[language] = found.get(obj.pk)


def _cached(obj: Any) -> dict[str, Translation | None]:
    cache = obj.__dict__.get(_CACHE)
    if cache is None:
        cache = obj.__dict__[_CACHE] = {}
    return cache


def translation_of(obj: Any, *, language: str | None = None) -> Translation | None:
    """The object's translation into the given or active language, or None (the source language, or none yet)."""
    language = language or active_target()
    if language is None or not isinstance(obj, Model) or translatable(type(obj)) is None:
        return None
    if language not in _cached(obj):
        translations_attach([obj], language=language)
    return _cached(obj)[language]


def translated_text(obj: Any, field: str) -> Any:
    """The field in the active language when translated, else its source text."""
    translation = translation_of(obj)
    text = translation.text(field) if translation is not None else None
    return text if text is not None else getattr(obj, field)


@dataclass(frozen=True)
class QueueItem:
    entry: Translatable
    obj: Any
    translation: Translation | None

    @property
    def state(self) -> str:
        return "missing" if self.translation is None else "stale"


def translation_queue(*, language: str) -> list[QueueItem]:
    """What translators of `language` have to do: shown objects with no translation into it, and stale ones.
    Two queries per registered model, whatever the number of objects or languages."""
    items: list[QueueItem] = []
    for entry in registered():
        objects = list(entry.queryset())
        found = {
            row.object_id: row
            for row in Translation.objects.filter(
                content_type=ContentType.objects.get_for_model(entry.model),
                object_id__in=[obj.pk for obj in objects],
                language=language,
            )
        }
        for obj in objects:
            row = found.get(obj.pk)
            if row is None or row.is_stale:
                items.append(QueueItem(entry=entry, obj=obj, translation=row))
    return items


def source_diff(*, entry: Translatable, obj: Any, translation: Translation | None) -> dict[str, list[str]]:
    """Per field, the lines of a unified diff from the English text that was translated to the English text now."""
    now = entry.source_of(obj)
    then = translation.source if translation is not None else {}
    diffs = {}
    for name in entry.fields:
        before, after = str(then.get(name, "")), now[name]
        if before != after:
            diffs[name] = list(
                difflib.unified_diff(before.splitlines(), after.splitlines(), "translated", "now", lineterm="", n=2)
            )
    return diffs
