"""The red-flag library's filter choices (categories, stages, jurisdictions, personas), kept in the cache: every
library page shows them, and they change only when staff change the map, a red flag or a persona.

A save or delete of any of those models forgets them at once and again when the transaction commits
(`ecosystem.apps` connects the receivers); the expiry is only a safety net for writes that send no signal (an
`update()` of many rows). A choice is never a way round a label: the flags themselves are scoped per viewer."""

from typing import Any

from django.core.cache import cache
from django.db import transaction

from ecosystem.models import GLOBAL, RedFlag, Stage, TraffickingCategory
from personas.models import Persona

KEY = "ecosystem:library-filter-choices"
TTL_SECONDS = 5 * 60

Choices = list[tuple[str, str]]


def _read() -> dict[str, Choices]:
    jurisdictions = RedFlag.objects.published().exclude(jurisdiction=GLOBAL).values_list("jurisdiction", flat=True)
    return {
        "category": [
            (category.slug, category.name)
            for category in TraffickingCategory.objects.filter(stages__isnull=False).distinct()
        ],
        "stage": [
            (str(stage.pk), f"{stage.category.name}: {stage.name}")
            for stage in Stage.objects.select_related("category").order_by("category__order", "order")
        ],
        "jurisdiction": [(name, name) for name in sorted(set(jurisdictions))],
        "persona": [(str(persona.pk), persona.name) for persona in Persona.objects.filter(is_active=True)],
    }


def choices() -> dict[str, Choices]:
    cached = cache.get(KEY)
    if cached is None:
        cached = _read()
        cache.set(KEY, cached, TTL_SECONDS)
    return cached


def category_choices() -> Choices:
    return choices()["category"]


def stage_choices() -> Choices:
    return choices()["stage"]


def jurisdiction_choices() -> Choices:
    return choices()["jurisdiction"]


def persona_choices() -> Choices:
    return choices()["persona"]


def forget(**_kwargs: Any) -> None:
    """A receiver of post_save and post_delete: the choices are read again, now and after the commit."""
    cache.delete(KEY)
    transaction.on_commit(lambda: cache.delete(KEY))


WATCHED = (TraffickingCategory, Stage, RedFlag, Persona)
