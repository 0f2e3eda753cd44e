"""A criterion may be fed from member votes (the votes app registers how, `roadmap.criterion_feeds`).

SQLite rebuilds `roadmap_criterion` to change its constraints, which the rating triggers of 0002 name: they are
dropped before and created again after, on SQLite only (PostgreSQL alters the table in place)."""

import importlib

from django.apps.registry import Apps
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

TRIGGERS = importlib.import_module("roadmap.migrations.0002_rating_within_scale")


def sqlite_drop_triggers(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "sqlite":
        for statement in TRIGGERS.SQLITE_BACKWARD:
            schema_editor.execute(statement)


def sqlite_add_triggers(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "sqlite":
        for statement in TRIGGERS.SQLITE_FORWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("roadmap", "0002_rating_within_scale"),
    ]

    operations = [
        migrations.RunPython(sqlite_drop_triggers, sqlite_add_triggers),
        migrations.RemoveConstraint(
            model_name="criterion",
            name="criterion_source_valid",
        ),
        migrations.AlterField(
            model_name="criterion",
            name="source",
            field=models.CharField(
                choices=[
                    ("rated", "Rated by staff"),
                    ("jobs", "Fed from jobs (highest opportunity score of the jobs served)"),
                    (
                        "votes",
                        "Fed from member votes (on the item and on the ideas taken into it, up to the scale's top)",
                    ),
                ],
                default="rated",
                max_length=8,
            ),
        ),
        migrations.AlterField(
            model_name="historicalcriterion",
            name="source",
            field=models.CharField(
                choices=[
                    ("rated", "Rated by staff"),
                    ("jobs", "Fed from jobs (highest opportunity score of the jobs served)"),
                    (
                        "votes",
                        "Fed from member votes (on the item and on the ideas taken into it, up to the scale's top)",
                    ),
                ],
                default="rated",
                max_length=8,
            ),
        ),
        migrations.AddConstraint(
            model_name="criterion",
            constraint=models.UniqueConstraint(
                condition=models.Q(("source", "votes")), fields=("model",), name="one_votes_fed_criterion"
            ),
        ),
        migrations.AddConstraint(
            model_name="criterion",
            constraint=models.CheckConstraint(
                condition=models.Q(("source__in", ["rated", "jobs", "votes"])), name="criterion_source_valid"
            ),
        ),
        migrations.RunPython(sqlite_add_triggers, sqlite_drop_triggers),
    ]
