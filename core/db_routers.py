"""Reads that may come from a PostgreSQL read replica: the leadership dashboards and the staff exports.

The replica is the `replica` database alias, configured only when `DATABASE_REPLICA_URL` is set (knoble/settings.py);
without it nothing changes. Reads are sent there only inside `reading_from_replica()` (or a view decorated with
`replica_reads`): routing by the code path, not guessed by model. Writes always go to the primary (`default`), even
inside the block, and migrations run on the primary only (the replica copies it). A replica lags the primary by a
moment, so a block that writes and then reads back what it wrote must not be marked; nor must reads that decide who
may see what (need-to-know scoping wants the primary's latest labels)."""

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, ParamSpec, TypeVar

from django.conf import settings

REPLICA = "replica"
PRIMARY = "default"

P = ParamSpec("P")
R = TypeVar("R")

_reading_from_replica: ContextVar[bool] = ContextVar("reading_from_replica", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES and bool(getattr(settings, "KNOBLE_READ_REPLICA", False))


def read_alias() -> str:
    """The alias a raw SQL read should use (`connections[read_alias()].cursor()`): what the router picks for the ORM."""
    return REPLICA if _reading_from_replica.get() and replica_configured() else PRIMARY


@contextmanager
def reading_from_replica() -> Iterator[None]:
    """The ORM's reads inside the block go to the replica when there is one; writes still go to the primary."""
    token = _reading_from_replica.set(True)
    try:
        yield
    finally:
        _reading_from_replica.reset(token)


def replica_reads(function: Callable[P, R]) -> Callable[P, R]:
    """A view (or any function) whose reads may come from the replica: `reading_from_replica` around its body."""

    @functools.wraps(function)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        with reading_from_replica():
            return function(*args, **kwargs)

    return wrapped


class ReplicaRouter:
    """DATABASE_ROUTERS' one router: the replica for reads marked as such, the primary for everything else."""

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        alias = read_alias()
        return alias if alias == REPLICA else None

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        # Both aliases hold the same rows: an object read from the replica may be linked to one from the primary.
        return True

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == PRIMARY
