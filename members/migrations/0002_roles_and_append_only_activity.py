from django.apps.registry import Apps
from django.contrib.auth.management import create_permissions
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from members.roles import sync_roles

SQLITE_FORWARD = """
CREATE TRIGGER activity_append_only BEFORE UPDATE ON members_activity
BEGIN SELECT RAISE(ABORT, 'activity is append-only'); END;
"""
POSTGRES_FORWARD = """
CREATE FUNCTION members_activity_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'activity is append-only'; END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER activity_append_only BEFORE UPDATE OR DELETE ON members_activity
FOR EACH ROW EXECUTE FUNCTION members_activity_append_only();
"""


def create_roles(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    # Permissions are normally created after all migrations; the roles need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_roles(group_model=apps.get_model("auth", "Group"), permission_model=apps.get_model("auth", "Permission"))


def add_trigger(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    # SQLite blocks updates only: its table flush between tests is a row-by-row DELETE.
    sql = POSTGRES_FORWARD if schema_editor.connection.vendor == "postgresql" else SQLITE_FORWARD
    schema_editor.execute(sql)


def drop_trigger(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER activity_append_only ON members_activity;")
        schema_editor.execute("DROP FUNCTION members_activity_append_only();")
    else:
        schema_editor.execute("DROP TRIGGER activity_append_only;")


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(create_roles, migrations.RunPython.noop),
        migrations.RunPython(add_trigger, drop_trigger),
    ]
