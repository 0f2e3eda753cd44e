"""Staff pages of red flags: editing, publishing and retiring with a reason, CSV import and export, revisions
and ratings."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from core.admin import ReadOnlyAdminMixin
from ecosystem.admin.csv_import import labelled_import_view
from ecosystem.admin.reasons import PublishForm, ask_for_text
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
    red_flag_send_back,
    red_flag_submit,
    red_flag_update,
    red_flag_verify,
)
from members.models import User


class RedFlagAdminForm(forms.ModelForm[RedFlag]):
    class Meta:
        model = RedFlag
        fields = [
            "stage",
            "actor",
            "flow",
            "indicator",
            "detail",
            "personas",
            "confidence",
            "jurisdiction",
            "threshold",
        ]
        widgets = {
            "indicator": forms.Textarea(attrs={"rows": 2, "cols": 80}),
        }


class DraftOnlyInlineMixin:
    """What was sent for review is what the verifier checks: only a draft's rows can change."""

    def _is_draft(self, obj: Any) -> bool:
        return obj is None or obj.review_state == ReviewState.DRAFT

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._is_draft(obj) and super().has_add_permission(request, obj)  # type: ignore[misc]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._is_draft(obj) and super().has_change_permission(request, obj)  # type: ignore[misc]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._is_draft(obj) and super().has_delete_permission(request, obj)  # type: ignore[misc]


class RedFlagObserverInline(DraftOnlyInlineMixin, admin.TabularInline[RedFlagObserver, RedFlag]):
    model = RedFlagObserver
    extra = 1
    verbose_name = gettext_lazy("sector that can observe it")
    verbose_name_plural = gettext_lazy("sectors that can observe it")


class CitationInline(DraftOnlyInlineMixin, admin.StackedInline[Citation, RedFlag]):
    model = Citation
    extra = 1
    autocomplete_fields = ["source"]
    verbose_name = gettext_lazy("citation (source, locator and the verbatim passage)")
    verbose_name_plural = gettext_lazy("citations: the passages it restates")


class RedFlagRevisionInline(admin.TabularInline[RedFlagRevision, RedFlag]):
    model = RedFlagRevision
    extra = 0
    fields = ["number", "review_state", "author", "verified_by", "reason", "created_at"]
    readonly_fields = ["number", "review_state", "author", "verified_by", "reason", "created_at"]
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(RedFlag)
class RedFlagAdmin(SimpleHistoryAdmin):
    form = RedFlagAdminForm
    change_list_template = "admin/ecosystem/redflag/change_list.html"
    list_display = [
        "id",
        "indicator",
        "category",
        "attached",
        "review_state",
        "author",
        "verified_by",
        "revises",
        "version",
        "published_at",
    ]
    list_display_links = ["id", "indicator"]
    list_filter = ["review_state", "category", "jurisdiction", "confidence", "observers__sector"]
    list_select_related = ["category", "stage", "actor", "flow", "author", "verified_by", "revises"]
    search_fields = ["indicator", "detail", "citations__quote", "citations__source__title"]
    autocomplete_fields = ["stage", "actor", "flow"]
    filter_horizontal = ["personas"]
    readonly_fields = [
        "category",
        "review_state",
        "author",
        "verified_by",
        "revises",
        "published_before_review",
        "version",
        "published_at",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["indicator", "detail"]}),
        (gettext_lazy("Where it shows (exactly one)"), {"fields": ["stage", "actor", "flow"]}),
        ("For whom", {"fields": ["personas"]}),
        ("Evidence", {"fields": ["confidence", "jurisdiction", "threshold"]}),
        (
            gettext_lazy("Review"),
            {
                "fields": [
                    "category",
                    "review_state",
                    "author",
                    "verified_by",
                    "revises",
                    "published_before_review",
                    "version",
                    "published_at",
                ]
            },
        ),
    ]
    inlines = [CitationInline, RedFlagObserverInline, RedFlagRevisionInline]
    actions = ["start_change", "submit", "verify", "send_back", "publish", "retire", "export_csv"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        """Only a draft is edited: a published flag is changed through its pending draft (*Start a change*)."""
        if obj is not None and obj.review_state != ReviewState.DRAFT:
            return [*self.form.Meta.fields, *self.readonly_fields]
        return self.readonly_fields

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """A red flag members have seen keeps its versions: retire it instead of deleting it."""
        if obj is not None and obj.version > 0:
            return False
        return super().has_delete_permission(request, obj)

    @admin.display(description=gettext_lazy("attached to"))
    def attached(self, obj: RedFlag) -> str:
        part = obj.stage or obj.actor
        return f"{obj.attachment_kind}: {part.name if part else obj.flow.label if obj.flow else '—'}"

    def _each(self, request: HttpRequest, queryset: QuerySet[RedFlag], title: str, apply: Any) -> None:
        done = 0
        for red_flag in queryset:
            try:
                apply(red_flag)
                done += 1
            except ValidationError as error:
                self.message_user(request, f"{red_flag}: {' '.join(error.messages)}", messages.ERROR)
        if done:
            self.message_user(request, _("%(title)s: done for %(count)d.") % {"title": title, "count": done})

    @admin.action(
        description=gettext_lazy("Start a change to selected published red flags (a draft copy)"),
        permissions=["change"],
    )
    def start_change(self, request: HttpRequest, queryset: QuerySet[RedFlag]) -> None:
        user: User = request.user  # type: ignore[assignment]
        self._each(
            request,
            queryset,
            _("Start a change"),
            lambda red_flag: red_flag_update(red_flag=red_flag, fields={}, by=user),
        )

    @admin.action(description=gettext_lazy("Send selected drafts for review"), permissions=["change"])
    def submit(self, request: HttpRequest, queryset: QuerySet[RedFlag]) -> None:
        user: User = request.user  # type: ignore[assignment]
        self._each(
            request, queryset, _("Send for review"), lambda red_flag: red_flag_submit(red_flag=red_flag, by=user)
        )

    @admin.action(description=gettext_lazy("Verify selected red flags against their sources"), permissions=["change"])
    def verify(self, request: HttpRequest, queryset: QuerySet[RedFlag]) -> None:
        user: User = request.user  # type: ignore[assignment]
        self._each(request, queryset, _("Verify"), lambda red_flag: red_flag_verify(red_flag=red_flag, by=user))

    @admin.action(description=gettext_lazy("Send selected red flags back to draft"), permissions=["change"])
    def send_back(self, request: HttpRequest, queryset: QuerySet[RedFlag]) -> None:
        user: User = request.user  # type: ignore[assignment]
        self._each(request, queryset, _("Send back"), lambda red_flag: red_flag_send_back(red_flag=red_flag, by=user))

    @admin.action(
        description=gettext_lazy("Publish selected red flags (asks for a reason and the label)"), permissions=["change"]
    )
    def publish(self, request: HttpRequest, queryset: QuerySet[RedFlag]) -> HttpResponse | None:
        user: User = request.user  # type: ignore[assignment]
        return ask_for_text(
            self,
            request,
            queryset,
            title=_("Publish red flags"),
            label=gettext_lazy("Reason (kept with the version)"),
            required=True,
            form_class=PublishForm,
            apply=lambda red_flag, reason, label: red_flag_publish(
                red_flag=red_flag, by=user, reason=reason, label=label
            ),
        )

    @admin.action(description=gettext_lazy("Retire selected red flags (asks for a reason)"), permissions=["change"])
    def retire(self, request: HttpRequest, queryset: QuerySet[RedFlag]) -> HttpResponse | None:
        user: User = request.user  # type: ignore[assignment]
        return ask_for_text(
            self,
            request,
            queryset,
            title=_("Retire red flags"),
            label=gettext_lazy("Reason (kept with the version)"),
            required=True,
            apply=lambda red_flag, reason: red_flag_retire(red_flag=red_flag, by=user, reason=reason),
        )

    @admin.action(description=gettext_lazy("Export selected red flags as CSV"), permissions=["view"])
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
        return labelled_import_view(
            self,
            request,
            csv_format=lambda user: RedFlagCsvFormat(by=user),
            imported=lambda result: (
                _(
                    "Imported: %(created)d new red flag(s) as drafts, %(updated)d changed "
                    "(a published one keeps its text until the change is verified and published)."
                )
                % {"created": result.created, "updated": result.updated}
            ),
            title=_("Import red flags from CSV"),
        )


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
