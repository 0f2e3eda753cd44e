from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

# (table, constraint, column, referenced table): every part of a map must belong to the same category as
# what it points to. Composite foreign keys onto the (id, category_id) unique constraints make PostgreSQL
# refuse anything else, whichever code writes. SQLite cannot add a foreign key to an existing table; there
# the models' clean(), which every write path calls, is the guard.
SAME_CATEGORY = [
    ("ecosystem_actor", "actor_stage_same_category", "stage_id", "ecosystem_stage"),
    ("ecosystem_financialflow", "flow_stage_same_category", "stage_id", "ecosystem_stage"),
    ("ecosystem_financialflow", "flow_from_actor_same_category", "from_actor_id", "ecosystem_actor"),
    ("ecosystem_financialflow", "flow_to_actor_same_category", "to_actor_id", "ecosystem_actor"),
    ("ecosystem_redflag", "red_flag_stage_same_category", "stage_id", "ecosystem_stage"),
    ("ecosystem_redflag", "red_flag_actor_same_category", "actor_id", "ecosystem_actor"),
    ("ecosystem_redflag", "red_flag_flow_same_category", "flow_id", "ecosystem_financialflow"),
]


def add_foreign_keys(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, name, column, target in SAME_CATEGORY:
        schema_editor.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY ({column}, category_id) "
            f"REFERENCES {target} (id, category_id) DEFERRABLE INITIALLY DEFERRED"
        )


def drop_foreign_keys(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, name, _column, _target in SAME_CATEGORY:
        schema_editor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")


class Migration(migrations.Migration):
    dependencies = [("ecosystem", "0001_initial")]

    operations = [migrations.RunPython(add_foreign_keys, drop_foreign_keys)]
