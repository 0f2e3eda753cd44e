from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import ForeignKey, QuerySet
from django.forms import ModelChoiceField
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from core.admin import ReadOnlyAdminMixin
from core.csv_io import csv_import, decode_upload, dry_run_message
from ecosystem.csv_io import RedFlagCsvFormat, write_red_flags_csv
from ecosystem.models import (
    Actor,
    FinancialFlow,
    RedFlag,
    RedFlagObserver,
    RedFlagRating,
    RedFlagRevision,
    ReviewState,
    Stage,
    Suggestion,
    SuggestionStatus,
    TraffickingCategory,
)
from ecosystem.services import (
    red_flag_publish,
    red_flag_retire,
    red_flag_revise,
    suggestion_accept,
    suggestion_reject,
)
from members.models import User


def _category_being_edited(request: HttpRequest) -> str | None:
    """The id of the category whose change page holds this inline, so its choices stay in that category."""
    match = request.resolver_match
    return match.kwargs.get("object_id") if match is not None else None


class SameCategoryInlineMixin:
    """Offers only the stages and actors of the category being edited (the models refuse others anyway)."""

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField[Any] | None:
        category_id = _category_being_edited(request)
        model = {"stage": Stage, "from_actor": Actor, "to_actor": Actor}.get(db_field.name)
        if category_id is not None and model is not None:
            kwargs["queryset"] = model._default_manager.filter(category_id=category_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]


class StageInline(admin.TabularInline[Stage, TraffickingCategory]):
    model = Stage
    extra = 0
    fields = ["order", "name", "description"]


class ActorInline(SameCategoryInlineMixin, admin.TabularInline[Actor, TraffickingCategory]):
    model = Actor
    extra = 0
    fields = ["name", "kind", "stage", "description"]


class FinancialFlowInline(SameCategoryInlineMixin, admin.TabularInline[FinancialFlow, TraffickingCategory]):
    model = FinancialFlow
    extra = 0
    fields = ["label", "from_actor", "to_actor", "instrument", "direction", "stage", "typical_pattern"]


@admin.register(TraffickingCategory)
class TraffickingCategoryAdmin(SimpleHistoryAdmin):
    list_display = ["name", "status", "order"]
    list_editable = ["order"]
    list_filter = ["status"]
    search_fields = ["name", "summary"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [StageInline, ActorInline, FinancialFlowInline]


@admin.register(Stage)
class StageAdmin(SimpleHistoryAdmin):
    list_display = ["name", "category", "order"]
    list_filter = ["category"]
    list_select_related = ["category"]
    search_fields = ["name", "category__name"]
    autocomplete_fields = ["category"]


@admin.register(Actor)
class ActorAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "stage", "category"]
    list_filter = ["category", "kind"]
    list_select_related = ["category", "stage"]
    search_fields = ["name", "description"]
    autocomplete_fields = ["category", "stage"]


@admin.register(FinancialFlow)
class FinancialFlowAdmin(SimpleHistoryAdmin):
    list_display = ["label", "from_actor", "to_actor", "instrument", "direction", "stage", "category"]
    list_filter = ["category", "instrument", "direction"]
    list_select_related = ["category", "from_actor", "to_actor", "stage"]
    search_fields = ["label", "typical_pattern", "from_actor__name", "to_actor__name"]
    autocomplete_fields = ["category", "from_actor", "to_actor", "stage"]


class TextForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 4, "cols": 80}))


def ask_for_text(
    modeladmin: admin.ModelAdmin[Any],
    request: HttpRequest,
    queryset: QuerySet[Any],
    *,
    title: str,
    label: str,
    required: bool,
    apply: Callable[[Any, str], object],
) -> HttpResponse | None:
    """An admin action's intermediate page asking for one text (a reason, a response), then applying it
    to each selected object; None returns to the list."""
    form = TextForm(request.POST if "apply" in request.POST else None)
    form.fields["text"].label = label
    form.fields["text"].required = required
    if form.is_bound and form.is_valid():
        done = 0
        for obj in queryset:
            try:
                apply(obj, form.cleaned_data["text"])
                done += 1
            except ValidationError as error:
                modeladmin.message_user(request, f"{obj}: {' '.join(error.messages)}", messages.ERROR)
        if done:
            modeladmin.message_user(request, f"{title}: done for {done}.", messages.SUCCESS)
        return None
    return TemplateResponse(
        request,
        "admin/ecosystem/action_text.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "queryset": queryset,
            "form": form,
            "action": request.POST.get("action", ""),
            "opts": modeladmin.model._meta,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        },
    )


class RedFlagAdminForm(forms.ModelForm[RedFlag]):
    source_url = forms.URLField(label="Source URL", required=False, assume_scheme="https")
    change_reason = forms.CharField(
        label="Reason for the change",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Needed when you change a published red flag: kept with the new version, shown to members.",
    )

    class Meta:
        model = RedFlag
        fields = ["stage", "actor", "flow", "indicator", "detail", "personas", "source", "source_url", "confidence"]
        widgets = {
            "indicator": forms.Textarea(attrs={"rows": 2, "cols": 80}),
            "source": forms.TextInput(attrs={"size": 80}),
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
    search_fields = ["indicator", "detail", "source"]
    autocomplete_fields = ["stage", "actor", "flow"]
    filter_horizontal = ["personas"]
    readonly_fields = ["category", "review_state", "version", "published_at", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["indicator", "detail"]}),
        ("Where it shows (exactly one)", {"fields": ["stage", "actor", "flow"]}),
        ("For whom", {"fields": ["personas"]}),
        ("Evidence", {"fields": ["source", "source_url", "confidence"]}),
        ("Review", {"fields": ["change_reason", "category", "review_state", "version", "published_at"]}),
    ]
    inlines = [RedFlagObserverInline, RedFlagRevisionInline]
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
        ).prefetch_related("observers", "personas")
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


class PendingFirstFilter(admin.SimpleListFilter):
    """The review queue: pending suggestions unless staff choose another status."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [*SuggestionStatus.choices, ("all", "All")]

    def choices(self, changelist: Any) -> Any:
        for value, label in self.lookup_choices:
            yield {
                "selected": (self.value() or SuggestionStatus.PENDING) == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value() or SuggestionStatus.PENDING
        return queryset if value == "all" else queryset.filter(status=value)


@admin.register(Suggestion)
class SuggestionAdmin(SimpleHistoryAdmin):
    list_display = ["id", "excerpt", "target", "member", "organisation", "status", "created_at"]
    list_filter = [PendingFirstFilter, "kind"]
    list_select_related = ["member__user", "member__organisation", "stage__category", "red_flag"]
    search_fields = ["text", "evidence", "member__user__email", "red_flag__indicator"]
    readonly_fields = [
        "member",
        "kind",
        "stage",
        "red_flag",
        "text",
        "evidence",
        "status",
        "staff_response",
        "decided_by",
        "decided_at",
        "resulting_red_flag",
        "outcome_emailed_at",
        "created_at",
    ]
    actions = ["accept", "reject"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(ordering="member__organisation__name")
    def organisation(self, obj: Suggestion) -> str:
        return str(obj.member.organisation or "—")

    @admin.display(description="for")
    def target(self, obj: Suggestion) -> str:
        if obj.red_flag is not None:
            return f"change to #{obj.red_flag.pk}"
        return f"new in {obj.stage.category.name}: {obj.stage.name}" if obj.stage else "—"

    @admin.display(description="suggestion")
    def excerpt(self, obj: Suggestion) -> str:
        return obj.text if len(obj.text) <= 120 else obj.text[:119] + "…"

    @admin.action(description="Accept selected suggestions (the member is told)", permissions=["change"])
    def accept(self, request: HttpRequest, queryset: QuerySet[Suggestion]) -> HttpResponse | None:
        user: User = request.user  # type: ignore[assignment]
        return ask_for_text(
            self,
            request,
            queryset,
            title="Accept suggestions",
            label="Response to the member (optional)",
            required=False,
            apply=lambda suggestion, text: suggestion_accept(suggestion=suggestion, by=user, response=text),
        )

    @admin.action(description="Reject selected suggestions (the member is told why)", permissions=["change"])
    def reject(self, request: HttpRequest, queryset: QuerySet[Suggestion]) -> HttpResponse | None:
        user: User = request.user  # type: ignore[assignment]
        return ask_for_text(
            self,
            request,
            queryset,
            title="Reject suggestions",
            label="Why it is not accepted (sent to the member)",
            required=True,
            apply=lambda suggestion, text: suggestion_reject(suggestion=suggestion, by=user, response=text),
        )
