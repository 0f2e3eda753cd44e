"""The access log and the label history refuse UPDATE and DELETE in the database, as members' activity does."""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

TABLES = ("sharing_accesslog", "sharing_labelchange")


def add_triggers(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    for table in TABLES:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f"CREATE FUNCTION {table}_append_only() RETURNS trigger AS $$ "
                f"BEGIN RAISE EXCEPTION '{table} is append-only'; END; $$ LANGUAGE plpgsql;"
            )
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only();"
            )
        else:
            # SQLite blocks updates only, as for activity: its table flush between tests is a row-by-row DELETE.
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;"
            )


def drop_triggers(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    for table in TABLES:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER {table}_append_only ON {table};")
            schema_editor.execute(f"DROP FUNCTION {table}_append_only();")
        else:
            schema_editor.execute(f"DROP TRIGGER {table}_append_only;")


class Migration(migrations.Migration):
    dependencies = [("sharing", "0001_labels_groups_and_logs")]

    operations = [migrations.RunPython(add_triggers, drop_triggers)]
