"""The few SQL fragments that differ between PostgreSQL (production, CI) and SQLite (the embedded demo).

Fragments escape their percent signs, so a statement that uses one must be executed with parameters
(an empty dict will do).
"""

from datetime import date, datetime
from typing import Any

from django.db import connection

# What the set-based statements bind: numbers, text, dates and timestamps.
Param = str | int | float | date | datetime | None


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def day_of(column: str) -> str:
    """The UTC calendar day of a timestamp column."""
    return f"({column} AT TIME ZONE 'UTC')::date" if is_postgres() else f"date({column})"


def days_between(later: str, earlier: str) -> str:
    """Whole days from one date expression to another."""
    if is_postgres():
        return f"({later}::date - {earlier}::date)"
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


def midnight(day_expression: str, *, days_later: int = 0) -> str:
    """The moment a date expression's UTC day starts (or the day `days_later` after it), comparable with stored
    timestamps; compared with a range of these, a timestamp column is read through its index."""
    if is_postgres():
        return f"(({day_expression} + {days_later})::timestamp AT TIME ZONE 'UTC')"
    # SQLite keeps timestamps as UTC text ('2026-06-15 12:00:00'): a bare date sorts before the day's first one.
    return f"date({day_expression}, '+{days_later} day')"


def least(*expressions: str) -> str:
    return f"{'least' if is_postgres() else 'min'}({', '.join(expressions)})"


def week_of(day_expression: str) -> str:
    """The Monday that starts the ISO week of a date."""
    if is_postgres():
        return f"date_trunc('week', {day_expression})::date"
    return f"date({day_expression}, '-' || ((CAST(strftime('%%w', {day_expression}) AS INTEGER) + 6) %% 7) || ' days')"


def month_of(day_expression: str) -> str:
    if is_postgres():
        return f"date_trunc('month', {day_expression})::date"
    return f"date({day_expression}, 'start of month')"


def months_between(later_month: str, earlier_month: str) -> str:
    """Whole months between two first-of-month dates."""
    if is_postgres():
        return (
            f"((extract(year FROM {later_month}) - extract(year FROM {earlier_month})) * 12"
            f" + extract(month FROM {later_month}) - extract(month FROM {earlier_month}))::int"
        )
    return (
        f"((CAST(strftime('%%Y', {later_month}) AS INTEGER) - CAST(strftime('%%Y', {earlier_month}) AS INTEGER)) * 12"
        f" + CAST(strftime('%%m', {later_month}) AS INTEGER) - CAST(strftime('%%m', {earlier_month}) AS INTEGER))"
    )


def moment(value: datetime) -> Param:
    """A timestamp parameter compared with stored timestamps."""
    adapted: Param = connection.ops.adapt_datetimefield_value(value)
    return adapted


def day(value: date) -> Param:
    return value if is_postgres() else value.isoformat()


# The nightly statements group millions of activity rows; with PostgreSQL's default 4 MB per sort or hash
# they spill to disk and take twice as long. Raised for the job's own transaction only.
BULK_WORK_MEM = "512MB"


def allow_bulk_memory(cursor: Any) -> None:
    if is_postgres():
        cursor.execute(f"SET LOCAL work_mem = '{BULK_WORK_MEM}'")
