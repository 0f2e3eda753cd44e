"""Empties the PostgreSQL test database after a transactional test as Django's `flush` does, in milliseconds.

A transactional test (the browser tests' live server, the worker tests, concurrent writers) commits its rows, and
Django empties the database after it with `flush`: one TRUNCATE of every table, for which PostgreSQL writes new files
for each of the 182 tables and their indexes (3 to 6 s on the 2-core CI machine, about fifty times a pass), then the
`post_migrate` signal, which writes the content types, permissions and roles again (0.8 s). Here only the tables that
hold rows are emptied, by DELETE (every foreign key is deferred, so the order does not matter; the append-only
tables, whose triggers refuse DELETE, by TRUNCATE), and the rows `post_migrate` writes are put back as its first run
after emptying wrote them. `tests/test_emptying.py` checks that the result is the one `flush` leaves.
"""

from collections.abc import Sequence
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.sql import emit_post_migrate_signal
from django.db import connections, transaction
from django.db.backends.utils import CursorWrapper
from django.test import TransactionTestCase

# Django's private hook, which pytest-django's test case runs after each transactional test.
DJANGO_FIXTURE_TEARDOWN = TransactionTestCase._fixture_teardown  # type: ignore[attr-defined]

# Per database alias: each table `post_migrate` fills in an empty database, with its columns and rows.
_after_post_migrate: dict[str, dict[str, tuple[list[str], list[tuple[Any, ...]]]]] = {}


def fixture_teardown(test_case: TransactionTestCase) -> None:
    """`TransactionTestCase._fixture_teardown`, but where Django's own empties less (a subset of the apps, a
    serialised rollback)."""
    if test_case.available_apps is not None or test_case.serialized_rollback:
        DJANGO_FIXTURE_TEARDOWN(test_case)
        return
    for alias in test_case._databases_names(include_mirrors=False):  # type: ignore[attr-defined]
        empty_database(alias)


def empty_database(alias: str = "default") -> None:
    """Leaves the database as `manage.py flush` does (sequences kept): empty but for what `post_migrate` writes."""
    connection = connections[alias]
    if connection.vendor != "postgresql":  # SQLite's flush is a DELETE per table already
        call_command("flush", database=alias, verbosity=0, interactive=False, reset_sequences=False)
        return
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    restored = _after_post_migrate.get(alias)
    with transaction.atomic(using=alias), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        refusing_delete = _tables_refusing_delete(cursor)
        holding_rows = _tables_holding_rows(cursor, tables)
        quote = connection.ops.quote_name
        if truncated := [table for table in holding_rows if table in refusing_delete]:
            cursor.execute(f"TRUNCATE {', '.join(quote(table) for table in truncated)}")
        for table in holding_rows:
            if table not in refusing_delete:
                cursor.execute(f"DELETE FROM {quote(table)}")  # noqa: S608 - the models' own table names
        for table, (columns, rows) in (restored or {}).items():
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {quote(table)} ({', '.join(quote(column) for column in columns)}) "  # noqa: S608
                f"VALUES ({placeholders})",
                rows,
            )
    if restored is not None:
        ContentType.objects.clear_cache()  # as `post_migrate` does: a test may have made other ones
    else:
        # Its receivers are all connected: creating the test database ran `migrate`, which imports them as `flush` does.
        emit_post_migrate_signal(verbosity=0, interactive=False, db=alias)
        with connection.cursor() as cursor:
            _after_post_migrate[alias] = {table: _rows(cursor, table) for table in _tables_holding_rows(cursor, tables)}


def _tables_refusing_delete(cursor: CursorWrapper) -> set[str]:
    """Tables with a trigger of ours on DELETE (the append-only logs); TRUNCATE fires no row trigger."""
    delete_event = 1 << 3  # TRIGGER_TYPE_DELETE in pg_trigger.tgtype
    cursor.execute(
        "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE NOT t.tgisinternal AND t.tgtype & %s <> 0 AND pg_table_is_visible(c.oid)",
        [delete_event],
    )
    return {row[0] for row in cursor.fetchall()}


def _tables_holding_rows(cursor: CursorWrapper, tables: Sequence[str]) -> list[str]:
    quote = cursor.db.ops.quote_name
    cursor.execute(
        " UNION ALL ".join(f"SELECT %s WHERE EXISTS (SELECT 1 FROM {quote(table)})" for table in tables),  # noqa: S608
        list(tables),
    )
    return [row[0] for row in cursor.fetchall()]


def _rows(cursor: CursorWrapper, table: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    cursor.execute(f"SELECT * FROM {cursor.db.ops.quote_name(table)}")  # noqa: S608
    return [column.name for column in cursor.description], [tuple(row) for row in cursor.fetchall()]
