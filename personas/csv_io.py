"""CSV import and export for the admin: every row is validated first, and one bad row imports nothing.

The machinery is generic (the roadmap app uses it for opportunities and ratings); the persona and job
formats are defined here.
"""

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from core.spreadsheets import spreadsheet_cell, spreadsheet_text
from personas.models import JobToBeDone, Persona

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class CsvFormat:
    """How one model's rows are read and written. `prepare` turns a raw row into form data and may raise
    ValidationError; `instance_for` finds the row to update (None: create one)."""

    name: str
    columns: tuple[str, ...]
    form_class: type[forms.ModelForm[Any]]
    export_rows: Callable[[], Iterable[dict[str, Any]]]
    instance_for: Callable[[dict[str, Any]], models.Model | None]
    key: Callable[[dict[str, Any]], str]
    prepare: Callable[[dict[str, Any]], dict[str, Any]] = field(default=lambda row: row)
    optional_columns: tuple[str, ...] = ("id",)


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str


@dataclass(frozen=True)
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: tuple[RowError, ...] = ()


def _uncell(value: str | None) -> str:
    return spreadsheet_text((value or "").strip())


def csv_export(*, csv_format: CsvFormat) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(csv_format.columns), extrasaction="ignore")
    writer.writeheader()
    for row in csv_format.export_rows():
        writer.writerow({name: spreadsheet_cell(row.get(name)) for name in csv_format.columns})
    return buffer.getvalue()


def _form_errors(form: forms.BaseForm) -> str:
    parts = []
    for name, errors in form.errors.items():
        prefix = "" if name == "__all__" else f"{name}: "
        parts.append(prefix + " ".join(str(error) for error in errors))
    return "; ".join(parts)


def csv_import(*, csv_format: CsvFormat, text: str) -> ImportResult:
    """Validates every row, then saves all of them in one transaction, or none if any row is bad."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [name.strip() for name in reader.fieldnames or []]
    required = [name for name in csv_format.columns if name not in csv_format.optional_columns]
    missing = [name for name in required if name not in header]
    if missing:
        return ImportResult(errors=(RowError(1, f"Missing column(s): {', '.join(missing)}."),))
    reader.fieldnames = header
    errors: list[RowError] = []
    valid: list[tuple[forms.ModelForm[Any], bool]] = []
    seen: dict[str, int] = {}
    line = 1
    for row in reader:
        line = reader.line_num
        raw = {name: _uncell(value) for name, value in row.items() if name}
        if not any(raw.values()):
            continue
        try:
            data = csv_format.prepare(raw)
            key = csv_format.key(data)
            if key in seen:
                raise ValidationError(f"Duplicates line {seen[key]}.")
            seen[key] = line
            instance = csv_format.instance_for(data)
        except ValidationError as error:
            errors.append(RowError(line, " ".join(error.messages)))
            continue
        form = csv_format.form_class(data, instance=instance)
        if form.is_valid():
            valid.append((form, instance is not None))
        else:
            errors.append(RowError(line, _form_errors(form)))
    if errors:
        return ImportResult(errors=tuple(errors))
    if not valid:
        return ImportResult(errors=(RowError(line, "The file has no rows."),))
    try:
        with transaction.atomic():
            for form, _ in valid:
                form.save()
    except IntegrityError as error:
        return ImportResult(errors=(RowError(0, f"The database refused the file; nothing was imported ({error})."),))
    updated = sum(1 for _, is_update in valid if is_update)
    return ImportResult(created=len(valid) - updated, updated=updated)


class CsvUploadForm(forms.Form):
    file = forms.FileField(label="CSV file", help_text="UTF-8, with a header row.")

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError("The file is larger than 5 MB.")
        try:
            return str(upload.read().decode("utf-8"))
        except UnicodeDecodeError as error:
            raise ValidationError("The file is not UTF-8 text.") from error


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
            result = csv_import(csv_format=self.csv_format, text=form.cleaned_data["file"])
            if not result.errors:
                total = result.created + result.updated
                self.message_user(
                    request,
                    f"Imported {total} row(s): {result.created} new, {result.updated} updated.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": opts,
            "title": f"Import {opts.verbose_name_plural} from CSV",
            "form": form,
            "result": result,
            "columns": self.csv_format.columns,
        }
        return TemplateResponse(request, "admin/csv_import.html", context)


def parse_bool(value: str, *, default: bool) -> bool:
    text = value.strip().lower()
    if not text:
        return default
    if text in {"yes", "true", "1", "y"}:
        return True
    if text in {"no", "false", "0", "n"}:
        return False
    raise ValidationError(f"“{value}” is not yes or no.")


class PersonaRowForm(forms.ModelForm[Persona]):
    class Meta:
        model = Persona
        fields = ["name", "sector", "summary", "needs", "pains", "goals", "quote", "is_active"]


def _persona_prepare(row: dict[str, Any]) -> dict[str, Any]:
    active = parse_bool(row.get("is_active", ""), default=True)
    # A checkbox is on when its key is present, whatever the value.
    return {key: value for key, value in row.items() if key != "is_active"} | ({"is_active": "on"} if active else {})


PERSONA_CSV = CsvFormat(
    name="personas",
    columns=("name", "sector", "summary", "needs", "pains", "goals", "quote", "is_active"),
    form_class=PersonaRowForm,
    export_rows=lambda: (
        {**row, "is_active": "yes" if row["is_active"] else "no"}
        for row in Persona.objects.order_by("name").values(
            "name", "sector", "summary", "needs", "pains", "goals", "quote", "is_active"
        )
    ),
    instance_for=lambda row: Persona.objects.filter(name=row.get("name", "")).first(),
    key=lambda row: row.get("name", "").lower(),
    prepare=_persona_prepare,
)


class JobRowForm(forms.ModelForm[JobToBeDone]):
    persona = forms.ModelChoiceField(queryset=Persona.objects.all(), to_field_name="name")

    class Meta:
        model = JobToBeDone
        fields = [
            "persona",
            "situation",
            "motivation",
            "outcome",
            "importance",
            "satisfaction",
            "evidence_notes",
            "interview_count",
        ]


def existing_by_id(model: type[models.Model], row: dict[str, Any]) -> models.Model | None:
    """The row to update when the file gives an id; an unknown id is an error, never a silent insert."""
    raw = row.get("id", "")
    if not raw:
        return None
    if not str(raw).isdigit():
        raise ValidationError(f"id “{raw}” is not a number.")
    instance = model._default_manager.filter(pk=int(raw)).first()
    if instance is None:
        raise ValidationError(f"There is no {model._meta.verbose_name} with id {raw}.")
    return instance


def _job_rows() -> Iterable[dict[str, Any]]:
    for job in JobToBeDone.objects.select_related("persona").order_by("persona__name", "id"):
        yield {
            "id": job.pk,
            "persona": job.persona.name,
            "situation": job.situation,
            "motivation": job.motivation,
            "outcome": job.outcome,
            "importance": job.importance,
            "satisfaction": job.satisfaction,
            "evidence_notes": job.evidence_notes,
            "interview_count": job.interview_count,
        }


JOB_CSV = CsvFormat(
    name="jobs",
    columns=(
        "id",
        "persona",
        "situation",
        "motivation",
        "outcome",
        "importance",
        "satisfaction",
        "evidence_notes",
        "interview_count",
    ),
    form_class=JobRowForm,
    export_rows=_job_rows,
    instance_for=lambda row: existing_by_id(JobToBeDone, row),
    key=lambda row: row.get("id") or f"new:{row.get('persona')}|{row.get('situation')}|{row.get('motivation')}",
)
