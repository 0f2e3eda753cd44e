"""The CSV framework: rows checked first, all-or-nothing writes, dry runs, and defused cells."""

from collections.abc import Iterable, Sequence
from typing import Any

import pytest
from django import forms
from django.contrib.auth.models import Group

from core.csv_io import (
    CsvFormat,
    ModelFormCsvFormat,
    PlannedRow,
    RowPlanner,
    csv_export,
    csv_import,
    existing_by_id,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_groups():
    """The role groups from the migrations go, so each test sees only the groups its file makes."""
    Group.objects.all().delete()


class GroupForm(forms.ModelForm[Group]):
    class Meta:
        model = Group
        fields = ["name"]


GROUPS = ModelFormCsvFormat(
    name="groups",
    columns=("id", "name"),
    form_class=GroupForm,
    rows=lambda: ({"id": group.pk, "name": group.name} for group in Group.objects.order_by("name")),
    instance_for=lambda row: existing_by_id(Group, row),
    key=lambda row: row.get("id") or row["name"].lower(),
)


def test_good_rows_are_created_and_updated_in_one_go():
    editors = Group.objects.create(name="Editors")
    result = csv_import(csv_format=GROUPS, text=f"id,name\n{editors.pk},Writers\n,Readers\n")
    assert (result.created, result.updated, result.errors) == (1, 1, ())
    assert sorted(Group.objects.values_list("name", flat=True)) == ["Readers", "Writers"]


def test_one_bad_row_imports_nothing_and_every_bad_row_is_listed_with_its_line():
    text = "id,name\n,Readers\n999,Ghosts\n,readers\n,\n,Writers\n"
    result = csv_import(csv_format=GROUPS, text=text)
    assert [(error.line, error.reason) for error in result.errors] == [
        (3, "There is no group with id 999."),
        (4, "Duplicates line 2."),
    ]
    assert not Group.objects.exists()


def test_a_dry_run_reports_what_would_change_and_saves_nothing():
    result = csv_import(csv_format=GROUPS, text="name\nReaders\nWriters\n", dry_run=True)
    assert (result.created, result.updated, result.errors, result.dry_run) == (2, 0, (), True)
    assert not Group.objects.exists()


def test_missing_columns_and_empty_files_are_refused():
    assert csv_import(csv_format=GROUPS, text="title\nX\n").errors[0].reason == "Missing column(s): name."
    assert csv_import(csv_format=GROUPS, text="id,name\n,\n").errors[0].reason == "The file has no rows."


def test_exported_formulas_are_defused_and_come_back_as_written():
    Group.objects.create(name="=HYPERLINK(evil)")
    exported = csv_export(csv_format=GROUPS)
    assert "'=HYPERLINK(evil)" in exported
    Group.objects.all().delete()
    assert csv_import(csv_format=GROUPS, text=exported.replace(exported.split("\n")[1].split(",")[0], "", 1)).created
    assert Group.objects.get().name == "=HYPERLINK(evil)"


class TwiceFormat(CsvFormat):
    """Plans every row as the same new group, so the database refuses the second."""

    name = "twice"
    columns = ("name",)

    def export_rows(self) -> Iterable[dict[str, Any]]:
        return []

    def planner(self, rows: Sequence[dict[str, str]]) -> RowPlanner:
        return lambda row, line: PlannedRow(save=lambda: Group.objects.create(name="Same"), is_update=False)


def test_a_write_the_database_refuses_rolls_back_the_whole_file():
    result = csv_import(csv_format=TwiceFormat(), text="name\na\nb\n")
    assert "The database refused the file" in result.errors[0].reason
    assert not Group.objects.exists()
