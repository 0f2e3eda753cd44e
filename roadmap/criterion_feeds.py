"""Criteria fed from data the roadmap does not hold (member votes live in `voice`, above it).

The app that holds the data registers, from its `AppConfig.ready()`, the aggregate that gives an opportunity's value
on such a criterion (an expression over `Opportunity` rows, immune to the fan-out of joins, like `Max` or a
distinct `Count`); the ranking asks this registry and never names the higher app (docs/ARCHITECTURE.md)."""

from collections.abc import Callable
from typing import Any

from django.db.models import Expression

Feed = Callable[[Any], Expression]  # the criterion → its value per opportunity
_FEEDS: dict[str, Feed] = {}


def criterion_feed_register(source: str, feed: Feed) -> None:
    _FEEDS[source] = feed


def criterion_feed(source: str) -> Feed | None:
    return _FEEDS.get(source)
