"""Staff pages of red flags: editing, publishing and retiring with a reason, CSV import and export, revisions
and ratings."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from core.admin import ReadOnlyAdminMixin
from core.csv_io import csv_import, decode_upload, dry_run_message
from ecosystem.admin.reasons import ask_for_text
from ecosystem.csv_io import RedFlagCsvFormat, write_red_flags_csv
from ecosystem.models import (
    Citation,
    RedFlag,
    RedFlagObserver,
    RedFlagRating,
    RedFlagRevision,
    ReviewState,
    Source,
)
from ecosystem.services import (
    red_flag_publish,
    red_flag_retire,
    red_flag_revise,
)
from members.models import User


class RedFlagAdminForm(forms.ModelForm[RedFlag]):
    change_reason = forms.CharField(
        label="Reason for the change",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Needed when you change a published red flag: kept with the new version, shown to members.",
    )

    class Meta:
        model = RedFlag
        fields = ["stage", "actor", "flow", "indicator", "detail", "personas", "confidence"]
        widgets = {
            "indicator": forms.Textarea(attrs={"rows": 2, "cols": 80}),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.instance.review_state == ReviewState.PUBLISHED and not data.get("change_reason", "").strip():
            self.add_error("change_reason", "Say why you change this published red flag.")
        return data


class RedFlagObserverInline(admin.TabularInline[RedFlagObserver, RedFlag]):
    model = RedFlagObserver
    extra = 1
    verbose_name = "sector that can observe it"
    verbose_name_plural = "sectors that can observe it"


class CitationInline(admin.StackedInline[Citation, RedFlag]):
    model = Citation
    extra = 1
    autocomplete_fields = ["source"]
    verbose_name = gettext_lazy("citation (source, locator and the verbatim passage)")
    verbose_name_plural = gettext_lazy("citations: the passages it restates")


class RedFlagRevisionInline(admin.TabularInline[RedFlagRevision, RedFlag]):
    model = RedFlagRevision
    extra = 0
    fields = ["number", "review_state", "author", "reason", "created_at"]
    readonly_fields = ["number", "review_state", "author", "reason", "created_at"]
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(RedFlag)
class RedFlagAdmin(SimpleHistoryAdmin):
    form = RedFlagAdminForm
    change_list_template = "admin/ecosystem/redflag/change_list.html"
    list_display = ["id", "indicator", "category", "attached", "review_state", "confidence", "version", "published_at"]
    list_display_links = ["id", "indicator"]
    list_filter = ["review_state", "category", "confidence", "observers__sector"]
    list_select_related = ["category", "stage", "actor", "flow"]
    search_fields = ["indicator", "detail", "citations__quote", "citations__source__title"]
    autocomplete_fields = ["stage", "actor", "flow"]
    filter_horizontal = ["personas"]
    readonly_fields = ["category", "review_state", "version", "published_at", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["indicator", "detail"]}),
        ("Where it shows (exactly one)", {"fields": ["stage", "actor", "flow"]}),
        ("For whom", {"fields": ["personas"]}),
        ("Evidence", {"fields": ["confidence"]}),
        ("Review", {"fields": ["change_reason", "category", "review_state", "version", "published_at"]}),
    ]
    inlines = [CitationInline, RedFlagObserverInline, RedFlagRevisionInline]
    actions = ["publish", "retire", "export_csv"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """A red flag members have seen keeps its versions: retire it instead of deleting it."""
        if obj is not None and obj.version > 0:
            return False
        return super().has_delete_permission(request, obj)

    @admin.display(description="attached to")
    def attached(self, obj: RedFlag) -> str:
        part = obj.stage or obj.actor
        return f"{obj.attachment_kind}: {part.name if part else obj.flow.label if obj.flow else '—'}"

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # Observers and personas are saved only now, so the revision snapshot is taken here.
        by: User = request.user  # type: ignore[assignment]
        red_flag_revise(red_flag=form.instance, by=by, reason=form.cleaned_data.get("change_reason", ""))

    @admin.action(description="Publish selected red flags (asks for a reason)", permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet[RedFlag]) -> HttpResponse | None:
        user: User = request.user  # type: ignore[assignment]
        return ask_for_text(
            self,
            request,
            queryset,
            title="Publish red flags",
            label="Reason (kept with the version)",
            required=True,
            apply=lambda red_flag, reason: red_flag_publish(red_flag=red_flag, by=user, reason=reason),
        )

    @admin.action(description="Retire selected red flags (asks for a reason)", permissions=["change"])
    def retire(self, request: HttpRequest, queryset: QuerySet[RedFlag]) -> HttpResponse | None:
        user: User = request.user  # type: ignore[assignment]
        return ask_for_text(
            self,
            request,
            queryset,
            title="Retire red flags",
            label="Reason (kept with the version)",
            required=True,
            apply=lambda red_flag, reason: red_flag_retire(red_flag=red_flag, by=user, reason=reason),
        )

    @admin.action(description="Export selected red flags as CSV", permissions=["view"])
    def export_csv(self, request: HttpRequest, queryset: QuerySet[RedFlag]) -> HttpResponse:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="red-flags-{timezone.localdate():%Y-%m-%d}.csv"'
        red_flags = queryset.select_related(
            "category", "stage", "actor", "flow__from_actor", "flow__to_actor"
        ).prefetch_related("observers", "personas", "citations__source")
        write_red_flags_csv(red_flags.order_by("id"), response)
        return response

    def get_urls(self) -> list[URLPattern]:
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="ecosystem_redflag_import"),
            *super().get_urls(),
        ]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request) or not self.has_change_permission(request):
            return redirect("admin:ecosystem_redflag_changelist")
        form = RedFlagImportForm(request.POST or None, request.FILES or None)
        errors: list[Any] = []
        if request.method == "POST" and form.is_valid():
            user: User = request.user  # type: ignore[assignment]
            result = csv_import(
                csv_format=RedFlagCsvFormat(by=user, reason=form.cleaned_data["reason"]),
                text=form.cleaned_data["file"],
                dry_run=form.cleaned_data["dry_run"],
            )
            errors = list(result.errors)
            if not errors and result.dry_run:
                self.message_user(request, dry_run_message(result), messages.INFO)
            elif not errors:
                self.message_user(
                    request,
                    f"Imported: {result.created} new red flag(s) as drafts, {result.updated} updated.",
                    messages.SUCCESS,
                )
                return redirect(reverse("admin:ecosystem_redflag_changelist"))
        return TemplateResponse(
            request,
            "admin/ecosystem/redflag/import.html",
            {
                **self.admin_site.each_context(request),
                "title": "Import red flags from CSV",
                "form": form,
                "errors": errors,
                "opts": self.model._meta,
            },
        )


class RedFlagImportForm(forms.Form):
    file = forms.FileField(label="CSV file", help_text="The same columns as the export; UTF-8.")
    reason = forms.CharField(
        label="Reason",
        help_text="Kept with the new version of every published red flag the file changes.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("Check only"),
        help_text=gettext_lazy("Report what the file would change, and save nothing."),
        required=False,
    )

    def clean_file(self) -> str:
        return decode_upload(self.cleaned_data["file"])


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin[Source]):
    list_display = ["key", "issuer", "document_number", "title", "kind", "published_on", "jurisdiction"]
    list_filter = ["kind", "issuer"]
    search_fields = ["key", "issuer", "title", "document_number"]
    prepopulated_fields = {"key": ["title"]}


@admin.register(RedFlagRevision)
class RedFlagRevisionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[RedFlagRevision]):
    """The published versions of every red flag; read-only, written by the services."""

    list_display = ["red_flag", "number", "review_state", "author", "reason", "created_at"]
    list_filter = ["review_state", "created_at"]
    list_select_related = ["red_flag", "author"]
    search_fields = ["red_flag__indicator", "reason", "author__email"]
    readonly_fields = ["red_flag", "number", "snapshot", "review_state", "author", "reason", "created_at"]


@admin.register(RedFlagRating)
class RedFlagRatingAdmin(admin.ModelAdmin[RedFlagRating]):
    list_display = ["red_flag", "member", "usefulness", "rated_at"]
    list_filter = ["usefulness"]
    list_select_related = ["red_flag", "member__user"]
    search_fields = ["red_flag__indicator", "member__user__email"]
    readonly_fields = ["member", "red_flag", "usefulness", "rated_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
