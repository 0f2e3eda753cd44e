"""Aggregates both databases run: what PostgreSQL and SQLite spell differently."""

from typing import Any

from django.db.models import Aggregate, CharField, QuerySet, Subquery, Value


class Joined(Aggregate):
    """A group's values joined into one string by `separator` (which no value may contain): STRING_AGG on
    PostgreSQL, GROUP_CONCAT on SQLite. The order is the database's; sort after splitting where it matters."""

    function = "STRING_AGG"
    output_field = CharField()

    def __init__(self, expression: Any, separator: str, **extra: Any) -> None:
        if "'" in separator:
            raise ValueError("The separator must not hold a quote.")
        super().__init__(expression, **extra)
        self.separator = separator

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:  # type: ignore[override]
        extra.setdefault("template", f"%(function)s(%(expressions)s, '{self.separator}')")
        return super().as_sql(compiler, connection, **extra)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, function="GROUP_CONCAT", **extra)


def joined_subquery(rows: QuerySet[Any], expression: Any, separator: str) -> Subquery:
    """`expression` over every row of `rows` (correlated with `OuterRef`s), joined into one string: NULL for none."""
    joined = (
        rows.order_by()
        .annotate(everything=Value(1))
        .values("everything")
        .annotate(joined=Joined(expression, separator))
        .values("joined")
    )
    return Subquery(joined, output_field=CharField())


def set_prefetched(instance: Any, name: str, rows: list[Any]) -> None:
    """`instance.<name>.all()` answered from `rows`, as `prefetch_related` would have (the same cache), for rows
    read another way (a joined subquery): the templates and models that read the relation need no query."""
    prefetched = getattr(instance, name).all()
    prefetched._result_cache = rows
    prefetched._prefetch_done = True
    instance._prefetched_objects_cache = {**getattr(instance, "_prefetched_objects_cache", {}), name: prefetched}
