"""No app names another app's tables in its SQL: a lower app never reads a higher app's tables (the layer rule),
and a lower app's table is named through its model (`Model._meta.db_table`), so that the dependency is an import
the import-linter contract sees (docs/ARCHITECTURE.md, ADR 0005).

Every string literal of every app's Python (migrations included) and every `.sql` file is searched for the
table names of the other apps' models, many-to-many tables and history tables included.
"""

import re
from functools import cache
from pathlib import Path

from django.apps import apps as django_apps

from tests.architecture.layering import app_files, apps, may_use, relative, string_literals


@cache
def _table_owners() -> dict[str, str]:
    return {
        model._meta.db_table: config.name
        for config in django_apps.get_app_configs()
        if config.name in apps()
        for model in config.get_models(include_auto_created=True)
    }


def _texts(path: Path) -> list[str]:
    """The string literals of a Python module, or a whole SQL file."""
    return [path.read_text()] if path.suffix == ".sql" else string_literals(path)


def _foreign_tables_named() -> dict[str, str]:
    """`"path: table"` -> the app owning the table, for every other app's table named in an app's code."""
    owners = _table_owners()
    names = re.compile(r"\b(" + "|".join(sorted(map(re.escape, owners), key=len, reverse=True)) + r")\b")
    found = {}
    for app in apps():
        for path in app_files(app, ".py", ".sql"):
            for text in _texts(path):
                for table in names.findall(text):
                    if owners[table] != app:
                        found[f"{relative(path)}: {table}"] = owners[table]
    return found


def _app_of(reference: str) -> str:
    return reference.split("/", 1)[0]


def test_the_scan_knows_every_apps_tables():
    assert {"members_activity", "roadmap_roadmapitem", "initiatives_initiative_stages"} <= set(_table_owners())


def test_no_app_names_the_tables_of_a_higher_or_sibling_app():
    upward = sorted(ref for ref, owner in _foreign_tables_named().items() if not may_use(_app_of(ref), owner))
    assert upward == [], "a lower app reads a higher (or sibling) app's table; see docs/ARCHITECTURE.md"


def test_lower_apps_tables_are_named_through_their_models():
    named = sorted(ref for ref, owner in _foreign_tables_named().items() if may_use(_app_of(ref), owner))
    assert named == [], "name another app's table with Model._meta.db_table"
