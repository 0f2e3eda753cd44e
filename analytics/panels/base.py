"""What every dashboard panel shares: the filters, the panel and chart shapes, and the date helpers.

A panel is a table (columns and rows, which the CSV export writes as they are) plus the chart drawn from it.
"""

from dataclasses import asdict, dataclass, field
from datetime import UTC, date, timedelta
from typing import Any

from django.db import connections
from django.utils import timezone

from core.db_routers import read_alias
from engagement import sql
from engagement.models import LifecycleStage

TREND_WEEKS = 78  # the roadmap's 18 months
STAGES = [stage.value for stage in LifecycleStage]


@dataclass(frozen=True)
class Filters:
    start: date
    end: date
    sector: str = ""
    persona: int | None = None
    country: str = ""

    @property
    def previous_start(self) -> date:
        return self.start - (self.end - self.start) - timedelta(days=1)

    @property
    def previous_end(self) -> date:
        return self.start - timedelta(days=1)

    def key(self) -> str:
        return f"{self.start}:{self.end}:{self.sector}:{self.persona}:{self.country}"

    def where(self, alias: str) -> str:
        """The dimension filters as SQL over a roll-up table aliased `alias` (always starts with AND)."""
        clauses = [""]
        if self.sector:
            clauses.append(f"{alias}.sector = %(sector)s")
        if self.persona is not None:
            clauses.append(f"{alias}.persona_id = %(persona)s")
        if self.country:
            clauses.append(f"{alias}.country = %(country)s")
        return " AND ".join(clauses)

    def params(self) -> dict[str, sql.Param]:
        return {"sector": self.sector, "persona": self.persona, "country": self.country}


def default_filters(today: date | None = None) -> Filters:
    """The last 90 days."""
    today = today or timezone.now().astimezone(UTC).date()
    return Filters(start=today - timedelta(days=89), end=today)


@dataclass
class Chart:
    kind: str
    labels: list[str]
    datasets: list[dict[str, Any]]
    stacked: bool = False


@dataclass
class Panel:
    title: str
    columns: list[str]
    rows: list[list[Any]]
    chart: Chart | None = None
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def fetch(query: str, params: dict[str, sql.Param]) -> list[tuple[Any, ...]]:
    """Raw SQL on the connection the ORM would read from: the replica inside `reading_from_replica()`."""
    with connections[read_alias()].cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def day(value: date | str) -> date:
    """Dates come back as dates from PostgreSQL and as ISO text from SQLite."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def last_full_week(end: date) -> date:
    return monday(end + timedelta(days=1)) - timedelta(weeks=1)


def last_full_month(end: date) -> date:
    first = (end + timedelta(days=1)).replace(day=1)
    return (first - timedelta(days=1)).replace(day=1)


def change(current: float | None, previous: float | None) -> float | None:
    if current is None or previous is None:
        return None
    return round(current - previous, 1)


def weighted_median(histogram: list[tuple[int, int]]) -> float | None:
    """The median of values given as (value, how many times)."""
    total = sum(count for _, count in histogram)
    if not total:
        return None
    ordered = sorted(histogram)

    def nth(position: int) -> int:
        seen = 0
        for value, count in ordered:
            seen += count
            if seen > position:
                return value
        raise AssertionError("position beyond the histogram")

    middle = total // 2
    return float(nth(middle)) if total % 2 else (nth(middle - 1) + nth(middle)) / 2


def trend_start(filters: Filters) -> date:
    return monday(filters.end) - timedelta(weeks=TREND_WEEKS - 1)
