"""A map's state moves only along the workflow's allowed moves (`ecosystem.models.mapping.MAP_TRANSITIONS`,
as it stood when this migration was written), whatever writes the row: a CHECK cannot compare the old value
with the new one, so a trigger refuses any other move."""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

MOVES = (
    "'scoping>drafting', 'drafting>scoping', 'drafting>expert_review', 'expert_review>drafting', "
    "'expert_review>published', 'published>under_revision', 'under_revision>expert_review'"
)
REFUSED = f"NEW.state <> OLD.state AND (OLD.state || '>' || NEW.state) NOT IN ({MOVES})"

POSTGRES_FORWARD = f"""
CREATE FUNCTION ecosystem_map_state_moves() RETURNS trigger AS $$
BEGIN
    IF {REFUSED} THEN
        RAISE EXCEPTION 'a map cannot go from % to %', OLD.state, NEW.state USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER map_state_moves BEFORE UPDATE OF state ON ecosystem_categorymap
FOR EACH ROW EXECUTE FUNCTION ecosystem_map_state_moves();
"""
POSTGRES_BACKWARD = """
DROP TRIGGER map_state_moves ON ecosystem_categorymap;
DROP FUNCTION ecosystem_map_state_moves();
"""
SQLITE_FORWARD = (
    f"CREATE TRIGGER map_state_moves BEFORE UPDATE OF state ON ecosystem_categorymap WHEN {REFUSED} "
    "BEGIN SELECT RAISE(ABORT, 'a map cannot make this move'); END;"
)
SQLITE_BACKWARD = "DROP TRIGGER map_state_moves;"


def add_trigger(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_FORWARD, params=None)  # its % are PL/pgSQL placeholders
    else:
        schema_editor.execute(SQLITE_FORWARD)


def drop_trigger(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_BACKWARD, params=None)
    else:
        schema_editor.execute(SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("ecosystem", "0010_mapping_workflow")]

    operations = [migrations.RunPython(add_trigger, drop_trigger)]
