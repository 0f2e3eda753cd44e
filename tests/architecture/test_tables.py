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

# Literal table names of lower apps in raw SQL: "path: table". Exact: a line that no longer matches fails too.
NAMED_BY_STRING_DEBT = {
    # debt: removed when the set-based SQL takes table names from _meta.db_table (issue 15)
    "analytics/rollups.py: engagement_campaign",
    "analytics/rollups.py: engagement_campaignstep",
    "analytics/rollups.py: engagement_delivery",
    "analytics/rollups.py: engagement_memberengagement",
    "analytics/rollups.py: engagement_stagetransition",
    "analytics/rollups.py: initiatives_participation",
    "analytics/rollups.py: members_activity",
    "analytics/rollups.py: members_member",
    "analytics/rollups.py: members_organisation",
    "campaigns/results.py: initiatives_participation",
    "engagement/scoring.py: initiatives_participation",
    "engagement/scoring.py: members_activity",
    "engagement/scoring.py: members_member",
    "engagement/scoring.py: members_user",
}


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
    named = {ref for ref, owner in _foreign_tables_named().items() if may_use(_app_of(ref), owner)}
    assert sorted(named - NAMED_BY_STRING_DEBT) == [], "name another app's table with Model._meta.db_table"
    assert sorted(NAMED_BY_STRING_DEBT - named) == [], "debt paid: remove these lines from NAMED_BY_STRING_DEBT"
