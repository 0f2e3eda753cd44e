"""The demo data files under `demo/` at the top of the repository, read for `manage.py seed_demo`.

Rows with a staff importer are CSV files loaded through that importer (`demo_csv_import`), so the demo
data passes the checks staff's files pass; the rest are JSON, loaded by each app's `demo.py` through its
services and models.
"""

import csv
import io
import json
from typing import Any

from django.conf import settings

from core.csv_io import CsvFormat, ImportResult, csv_import, write_csv


def demo_path(name: str) -> Any:
    return settings.BASE_DIR / "demo" / name


def demo_json(name: str) -> Any:
    with demo_path(name).open(encoding="utf-8") as file:
        return json.load(file)


def demo_csv_rows(name: str) -> list[dict[str, str]]:
    with demo_path(name).open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


class DemoDataError(Exception):
    """A demo file that its importer refuses: a bug in the file, reported with every bad row."""


def demo_csv_import(*, csv_format: CsvFormat, rows: list[dict[str, str]]) -> ImportResult:
    """Imports `rows` (read by `demo_csv_rows`, less those already loaded) through the staff importer."""
    if not rows:
        return ImportResult()
    buffer = io.StringIO()
    write_csv(columns=list(rows[0]), rows=rows, stream=buffer)
    result = csv_import(csv_format=csv_format, text=buffer.getvalue())
    if result.errors:
        raise DemoDataError("; ".join(str(error) for error in result.errors))
    return result
