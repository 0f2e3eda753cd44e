"""Drops the foreign-key indexes that `activity_member_time` and `activity_subject` already cover."""

import django.db.models.deletion
from django.apps.registry import Apps
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor


def restore_sqlite_trigger(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    # SQLite alters a column by rebuilding the table, and a rebuilt table has lost its triggers.
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(
            "CREATE TRIGGER IF NOT EXISTS activity_append_only BEFORE UPDATE ON members_activity "
            "BEGIN SELECT RAISE(ABORT, 'activity is append-only'); END;"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("members", "0004_api_tokens_and_activity_client_id"),
    ]

    operations = [
        # Run again when unapplying, after the fields are altered back.
        migrations.RunPython(migrations.RunPython.noop, restore_sqlite_trigger),
        migrations.AlterField(
            model_name="activity",
            name="member",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="activities",
                to="members.member",
            ),
        ),
        migrations.AlterField(
            model_name="activity",
            name="subject_type",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                to="contenttypes.contenttype",
            ),
        ),
        migrations.RunPython(restore_sqlite_trigger, migrations.RunPython.noop),
    ]
