"""Ratings stay within their criterion's scale, in the database: the scale lives on another table, so a CHECK
cannot see it; triggers refuse a rating outside it, and a scale change that would leave ratings outside."""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

POSTGRES_FORWARD = """
CREATE FUNCTION roadmap_rating_within_scale() RETURNS trigger AS $$
BEGIN
    -- FOR SHARE waits for a scale change in flight and then reads the scale it committed.
    PERFORM 1 FROM roadmap_criterion
        WHERE id = NEW.criterion_id AND NEW.value BETWEEN scale_min AND scale_max FOR SHARE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'rating % is outside the scale of criterion %', NEW.value, NEW.criterion_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER rating_within_scale BEFORE INSERT OR UPDATE OF value, criterion_id ON roadmap_rating
FOR EACH ROW EXECUTE FUNCTION roadmap_rating_within_scale();

CREATE FUNCTION roadmap_criterion_scale_keeps_ratings() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM roadmap_rating
               WHERE criterion_id = NEW.id AND (value < NEW.scale_min OR value > NEW.scale_max)) THEN
        RAISE EXCEPTION 'ratings of criterion % fall outside its new scale', NEW.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER criterion_scale_keeps_ratings BEFORE UPDATE OF scale_min, scale_max ON roadmap_criterion
FOR EACH ROW EXECUTE FUNCTION roadmap_criterion_scale_keeps_ratings();
"""
POSTGRES_BACKWARD = """
DROP TRIGGER rating_within_scale ON roadmap_rating;
DROP FUNCTION roadmap_rating_within_scale();
DROP TRIGGER criterion_scale_keeps_ratings ON roadmap_criterion;
DROP FUNCTION roadmap_criterion_scale_keeps_ratings();
"""
SQLITE_OUTSIDE = (
    "NOT EXISTS (SELECT 1 FROM roadmap_criterion "
    "WHERE id = NEW.criterion_id AND NEW.value BETWEEN scale_min AND scale_max)"
)
SQLITE_FORWARD = [
    f"CREATE TRIGGER rating_within_scale_on_insert BEFORE INSERT ON roadmap_rating WHEN {SQLITE_OUTSIDE} "
    "BEGIN SELECT RAISE(ABORT, 'rating is outside the scale of its criterion'); END;",
    f"CREATE TRIGGER rating_within_scale_on_update BEFORE UPDATE OF value, criterion_id ON roadmap_rating "
    f"WHEN {SQLITE_OUTSIDE} BEGIN SELECT RAISE(ABORT, 'rating is outside the scale of its criterion'); END;",
    "CREATE TRIGGER criterion_scale_keeps_ratings BEFORE UPDATE OF scale_min, scale_max ON roadmap_criterion "
    "WHEN EXISTS (SELECT 1 FROM roadmap_rating WHERE criterion_id = NEW.id "
    "AND (value < NEW.scale_min OR value > NEW.scale_max)) "
    "BEGIN SELECT RAISE(ABORT, 'ratings of the criterion fall outside its new scale'); END;",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER rating_within_scale_on_insert;",
    "DROP TRIGGER rating_within_scale_on_update;",
    "DROP TRIGGER criterion_scale_keeps_ratings;",
]


def add_triggers(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_FORWARD, params=None)  # its % are PL/pgSQL placeholders
    else:
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


def drop_triggers(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_BACKWARD, params=None)
    else:
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("roadmap", "0001_initial")]

    operations = [migrations.RunPython(add_triggers, drop_triggers)]
