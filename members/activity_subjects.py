"""What an activity was about, as its member reads it on "My activity": an initiative, a red flag, a campaign.

The things activity is about live in higher apps, which `members` never imports. So each such app registers, in its
`AppConfig.ready()`, how to name its model and where it lives, and the query that loads it (the higher app calls
down, docs/ARCHITECTURE.md). A page of activity then loads its subjects with one query per kind of subject.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.db import models


@dataclass(frozen=True)
class SubjectLink:
    kind: str  # "Initiative", "Red flag", …, translated
    title: str
    url: str = ""


@dataclass(frozen=True)
class _Registration:
    describe: Callable[[Any], SubjectLink]
    # What the description reads beyond the subject's own row (`select_related`), so that a page makes no N+1.
    queryset: Callable[[], models.QuerySet[Any]]


_REGISTRY: dict[type[models.Model], _Registration] = {}


def activity_subject_register(
    model: type[models.Model],
    *,
    describe: Callable[[Any], SubjectLink],
    queryset: Callable[[], models.QuerySet[Any]] | None = None,
) -> None:
    _REGISTRY[model] = _Registration(describe=describe, queryset=queryset or model._default_manager.all)


def subjects_prefetch() -> GenericPrefetch:
    """Loads the subjects of a list of activity, each kind with its registered query."""
    return GenericPrefetch("subject", [registration.queryset() for registration in _REGISTRY.values()])


def subject_link(subject: models.Model | None) -> SubjectLink | None:
    """How a member sees the subject; None for no subject, a deleted one, or a kind nobody registered."""
    registration = _REGISTRY.get(type(subject)) if subject is not None else None
    return registration.describe(subject) if registration is not None else None
