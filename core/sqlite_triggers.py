"""Triggers kept across SQLite's table rebuilds.

SQLite rebuilds a table to change its CHECK constraints (among other things) and drops the table's triggers with it;
PostgreSQL alters the table in place and keeps them. A migration that rebuilds a table with a trigger wraps its
operations in `kept_across_rebuild`: on SQLite the trigger is dropped before and written again after, in both
directions; on PostgreSQL nothing happens."""

from collections.abc import Sequence

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.operations.base import Operation


def kept_across_rebuild(*, trigger: str, create_sql: str, operations: Sequence[Operation]) -> list[Operation]:
    def drop(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        if schema_editor.connection.vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger}")

    def write(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        if schema_editor.connection.vendor == "sqlite":
            schema_editor.execute(create_sql)

    return [migrations.RunPython(drop, write), *operations, migrations.RunPython(write, drop)]
