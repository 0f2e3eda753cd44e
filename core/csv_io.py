"""The one CSV import/export framework: every row is checked first, and one bad row imports nothing.

An app describes a file as a `CsvFormat`: its columns, the rows it exports, and how the rows of one
import are checked (`planner`: a function that takes one row and its line, and raises ValidationError
with the reason or returns the write to make; it may keep state for that one import, such as the keys
seen so far). The
framework reads the file, reports every bad row with its line, and makes all the writes in one
transaction; a dry run makes them and rolls back, so it also reports what the database would refuse.
Every exported cell goes through `core.spreadsheets.spreadsheet_cell` (CSV injection), every imported
one through `spreadsheet_text`.

`ModelFormCsvFormat` is the common case (one model, validated by a ModelForm); formats whose writes go
through services (the red flags of `ecosystem`) subclass `CsvFormat`. `CsvAdminMixin` gives a model's
admin list "Import CSV" (with a dry run) and "Export CSV".
"""

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.db_routers import reading_from_replica
from core.spreadsheets import spreadsheet_cell, spreadsheet_text

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass(frozen=True)
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: tuple[RowError, ...] = ()
    dry_run: bool = False


@dataclass(frozen=True)
class PlannedRow:
    """One checked row: `save` makes the write (inside the import's transaction)."""

    save: Callable[[], object]
    is_update: bool


# Checks one row (its cells by column, its line in the file) without writing; raises ValidationError.
RowPlanner = Callable[[dict[str, str], int], PlannedRow]


class CsvFormat:
    """How one kind of row is read and written. Subclasses set `name` and `columns` and implement `planner`,
    and `export_rows` when `CsvAdminMixin` exports them (the red flags are exported from filtered lists
    with `write_csv` instead). A format holds no state of an import: that lives in the planner."""

    name: str
    columns: tuple[str, ...]
    # Columns a file may leave out; every other column is required.
    optional_columns: tuple[str, ...] = ("id",)
    # Whether a file without a row is refused ("The file has no rows.") or imports nothing.
    empty_file_is_error: bool = True

    def export_rows(self) -> Iterable[dict[str, Any]]:
        raise NotImplementedError

    def planner(self, rows: Sequence[dict[str, str]]) -> RowPlanner:
        """The row checker of one import, given every non-empty row first: read what the rows refer to
        here, so that a thousand rows cost a handful of queries. The checker writes nothing."""
        raise NotImplementedError

    def missing_columns_message(self, missing: Sequence[str]) -> str:
        return _("Missing column(s): %(columns)s.") % {"columns": ", ".join(missing)}


def write_csv(*, columns: Sequence[str], rows: Iterable[dict[str, Any]], stream: IO[str] | Any) -> None:
    """Writes the header and the rows to `stream` (a file or an HttpResponse), every cell defused."""
    writer = csv.DictWriter(stream, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({name: spreadsheet_cell(row.get(name)) for name in columns})


def csv_export(*, csv_format: CsvFormat) -> str:
    buffer = io.StringIO()
    with reading_from_replica():  # a whole table read for staff: the replica's work when there is one
        write_csv(columns=csv_format.columns, rows=csv_format.export_rows(), stream=buffer)
    return buffer.getvalue()


def _read(text: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [name.strip() for name in reader.fieldnames or []]
    reader.fieldnames = header
    rows = []
    for row in reader:
        raw = {name: spreadsheet_text((value or "").strip()) for name, value in row.items() if name}
        if any(raw.values()):
            rows.append((reader.line_num, raw))
    return header, rows


def csv_import(*, csv_format: CsvFormat, text: str, dry_run: bool = False) -> ImportResult:
    """Checks every row, then makes all the writes in one transaction, or none if any row is bad. A dry run
    makes them too and rolls back."""
    header, rows = _read(text)
    missing = [name for name in csv_format.columns if name not in csv_format.optional_columns and name not in header]
    if missing:
        return ImportResult(errors=(RowError(1, csv_format.missing_columns_message(missing)),), dry_run=dry_run)
    if not rows:
        if csv_format.empty_file_is_error:
            return ImportResult(errors=(RowError(1, _("The file has no rows.")),), dry_run=dry_run)
        return ImportResult(dry_run=dry_run)
    plan = csv_format.planner([row for _line, row in rows])
    errors: list[RowError] = []
    planned: list[PlannedRow] = []
    for line, row in rows:
        try:
            planned.append(plan(row, line))
        except ValidationError as error:
            errors.append(RowError(line, "; ".join(error.messages)))
    if errors:
        return ImportResult(errors=tuple(errors), dry_run=dry_run)
    try:
        with transaction.atomic():
            for item in planned:
                item.save()
            if dry_run:
                transaction.set_rollback(True)
    except IntegrityError as error:
        return ImportResult(
            errors=(
                RowError(0, _("The database refused the file; nothing was imported (%(error)s).") % {"error": error}),
            ),
            dry_run=dry_run,
        )
    updated = sum(1 for item in planned if item.is_update)
    return ImportResult(created=len(planned) - updated, updated=updated, dry_run=dry_run)


def _form_errors(form: forms.BaseForm) -> str:
    parts = []
    for name, errors in form.errors.items():
        prefix = "" if name == "__all__" else f"{name}: "
        parts.append(prefix + " ".join(str(error) for error in errors))
    return "; ".join(parts)


@dataclass(frozen=True)
class ModelFormCsvFormat(CsvFormat):
    """One model's rows, each checked by a ModelForm. `prepare` turns a raw row into form data and may raise
    ValidationError; `instance_for` finds the row to update (None: create one); `key` tells duplicate
    rows apart within one file."""

    name: str
    columns: tuple[str, ...]
    form_class: type[forms.ModelForm[Any]]
    rows: Callable[[], Iterable[dict[str, Any]]]
    instance_for: Callable[[dict[str, Any]], models.Model | None]
    key: Callable[[dict[str, Any]], str]
    prepare: Callable[[dict[str, Any]], dict[str, Any]] = field(default=lambda row: row)
    optional_columns: tuple[str, ...] = ("id",)

    def export_rows(self) -> Iterable[dict[str, Any]]:
        return self.rows()

    def planner(self, rows: Sequence[dict[str, str]]) -> RowPlanner:
        seen: dict[str, int] = {}

        def plan(row: dict[str, str], line: int) -> PlannedRow:
            data = self.prepare(row)
            key = self.key(data)
            if key in seen:
                raise ValidationError(_("Duplicates line %(key)s.") % {"key": seen[key]})
            seen[key] = line
            instance = self.instance_for(data)
            form = self.form_class(data, instance=instance)
            if not form.is_valid():
                raise ValidationError(_form_errors(form))
            return PlannedRow(save=form.save, is_update=instance is not None)

        return plan


def existing_by_id(model: type[models.Model], row: dict[str, Any]) -> models.Model | None:
    """The row to update when the file gives an id; an unknown id is an error, never a silent insert."""
    raw = row.get("id", "")
    if not raw:
        return None
    if not str(raw).isdigit():
        raise ValidationError(_("id “%(raw)s” is not a number.") % {"raw": raw})
    instance = model._default_manager.filter(pk=int(raw)).first()
    if instance is None:
        raise ValidationError(
            _("There is no %(kind)s with id %(raw)s.") % {"kind": model._meta.verbose_name, "raw": raw}
        )
    return instance


def parse_bool(value: str, *, default: bool) -> bool:
    text = value.strip().lower()
    if not text:
        return default
    if text in {"yes", "true", "1", "y"}:
        return True
    if text in {"no", "false", "0", "n"}:
        return False
    raise ValidationError(_("“%(value)s” is not yes or no.") % {"value": value})


def decode_upload(upload: UploadedFile) -> str:
    """The text of an uploaded CSV file; raises ValidationError when it is too large or not UTF-8."""
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(_("The file is larger than 5 MB."))
    try:
        return str(upload.read().decode("utf-8"))
    except UnicodeDecodeError as error:
        raise ValidationError(_("The file is not UTF-8 text; save it as “CSV UTF-8”.")) from error


class CsvUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV file"), help_text=gettext_lazy("UTF-8, with a header row."))
    dry_run = forms.BooleanField(
        label=gettext_lazy("Check only"),
        help_text=gettext_lazy("Report what the file would change, and save nothing."),
        required=False,
    )

    def clean_file(self) -> str:
        return decode_upload(self.cleaned_data["file"])


def dry_run_message(result: ImportResult) -> str:
    return _("Check passed: the file would add %(created)d and update %(updated)d row(s). Nothing was saved.") % {
        "created": result.created,
        "updated": result.updated,
    }


class CsvAdminMixin(admin.ModelAdmin[Any]):
    """Adds "Import CSV" and "Export CSV" to a model's admin list."""

    csv_format: CsvFormat
    change_list_template = "admin/csv_change_list.html"

    def get_urls(self) -> list[URLPattern]:
        opts = self.model._meta
        name = f"{opts.app_label}_{opts.model_name}"
        return [
            path("import-csv/", self.admin_site.admin_view(self.import_csv_view), name=f"{name}_import_csv"),
            path("export-csv/", self.admin_site.admin_view(self.export_csv_view), name=f"{name}_export_csv"),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        can_import = self.has_add_permission(request) and self.has_change_permission(request)
        return super().changelist_view(request, {"can_import_csv": can_import, **(extra_context or {})})

    def export_csv_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        response = HttpResponse(csv_export(csv_format=self.csv_format), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{self.csv_format.name}.csv"'
        return response

    def import_csv_view(self, request: HttpRequest) -> HttpResponse:
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        opts = self.model._meta
        form = CsvUploadForm(request.POST or None, request.FILES or None)
        result = None
        if request.method == "POST" and form.is_valid():
            dry_run = form.cleaned_data["dry_run"]
            result = csv_import(csv_format=self.csv_format, text=form.cleaned_data["file"], dry_run=dry_run)
            if not result.errors and dry_run:
                self.message_user(request, dry_run_message(result), messages.INFO)
            elif not result.errors:
                total = result.created + result.updated
                self.message_user(
                    request,
                    _("Imported %(total)s row(s): %(created)s new, %(updated)s updated.")
                    % {"total": total, "created": result.created, "updated": result.updated},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": opts,
            "title": _("Import %(things)s from CSV") % {"things": opts.verbose_name_plural},
            "form": form,
            "result": result,
            "columns": self.csv_format.columns,
        }
        return TemplateResponse(request, "admin/csv_import.html", context)
