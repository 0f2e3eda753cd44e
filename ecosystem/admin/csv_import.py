"""The import page the red flags and the indicator sets share: all or nothing, every bad row named, a dry run,
and an export from the members' pages (with its `# TLP:` label lines) imported as it is."""

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from core.csv_io import CsvFormat, CsvUploadForm, ImportResult, dry_run_message
from ecosystem.csv_io import labelled_csv_import
from members.models import User


def labelled_import_view(
    model_admin: admin.ModelAdmin[Any],
    request: HttpRequest,
    *,
    csv_format: Callable[[User], CsvFormat],
    imported: Callable[[ImportResult], str],
    title: str,
) -> HttpResponse:
    opts = model_admin.model._meta
    changelist = f"admin:{opts.app_label}_{opts.model_name}_changelist"
    if not model_admin.has_add_permission(request) or not model_admin.has_change_permission(request):
        return redirect(changelist)
    form = CsvUploadForm(request.POST or None, request.FILES or None)
    errors: list[Any] = []
    if request.method == "POST" and form.is_valid():
        user: User = request.user  # type: ignore[assignment]
        result = labelled_csv_import(
            csv_format=csv_format(user), text=form.cleaned_data["file"], dry_run=form.cleaned_data["dry_run"]
        )
        errors = list(result.errors)
        if not errors and result.dry_run:
            model_admin.message_user(request, dry_run_message(result), messages.INFO)
        elif not errors:
            model_admin.message_user(request, imported(result), messages.SUCCESS)
            return redirect(changelist)
    return TemplateResponse(
        request,
        f"admin/{opts.app_label}/{opts.model_name}/import.html",
        {**model_admin.admin_site.each_context(request), "title": title, "form": form, "errors": errors, "opts": opts},
    )
