"""Which models have translated fields: each app registers its own from its AppConfig.ready(), calling down
into this low layer, so that the mechanism names no app above it."""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model, QuerySet


@dataclass(frozen=True)
class Translatable:
    model: type[Model]
    fields: tuple[str, ...]
    # The objects members are shown (the queue lists their missing translations): published ones, active ones.
    shown: Callable[[], QuerySet[Any]] | None = None
    label: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def source_of(self, obj: Model) -> dict[str, str]:
        return {name: str(getattr(obj, name) or "") for name in self.fields}

    def version_of(self, obj: Model) -> str:
        """The version of the source text: a digest of the registered fields, so that a change to anything else
        (a status, a date, a red flag's confidence) leaves its translations current."""
        return source_version(self.source_of(obj))

    def queryset(self) -> QuerySet[Any]:
        return self.shown() if self.shown is not None else self.model._default_manager.all()


def source_version(source: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(source, sort_keys=True).encode()).hexdigest()[:16]


_REGISTRY: dict[type[Model], Translatable] = {}


def register(
    model: type[Model], *, fields: tuple[str, ...], shown: Callable[[], QuerySet[Any]] | None = None
) -> Translatable:
    """Makes the model's `fields` translatable: translations are kept, shown and marked stale for them."""
    entry = Translatable(model=model, fields=fields, shown=shown)
    _REGISTRY[model] = entry
    return entry


def translatable(model: type[Model]) -> Translatable | None:
    return _REGISTRY.get(model._meta.concrete_model or model)


def registered() -> list[Translatable]:
    return sorted(_REGISTRY.values(), key=lambda entry: str(entry.model._meta.verbose_name_plural))
