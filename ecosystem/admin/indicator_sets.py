"""Staff pages of indicator sets: editing a draft (its red flags and citations inline), the review actions,
publishing under a chosen label, retiring, CSV import and export."""

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

from ecosystem.admin.csv_import import labelled_import_view
from ecosystem.admin.reasons import PublishForm, ask_for_text
from ecosystem.admin.red_flags import DraftOnlyInlineMixin
from ecosystem.csv_io import IndicatorSetCsvFormat, write_indicator_sets_csv
from ecosystem.models import IndicatorSet, IndicatorSetCitation, IndicatorSetFlag, ReviewState
from ecosystem.services import (
    indicator_set_publish,
    indicator_set_retire,
    indicator_set_send_back,
    indicator_set_submit,
    indicator_set_verify,
)
from members.models import User


class IndicatorSetFlagForm(forms.ModelForm[IndicatorSetFlag]):
    class Meta:
        model = IndicatorSetFlag
        fields = ["red_flag"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        indicator_set = self.instance.indicator_set if self.instance.indicator_set_id else None
        red_flag = data.get("red_flag")
        if indicator_set is not None and red_flag is not None and red_flag.category_id != indicator_set.category_id:
            raise ValidationError({"red_flag": _("This red flag belongs to another category.")})
        if red_flag is not None and (red_flag.revises_id is not None or red_flag.review_state == ReviewState.RETIRED):
            raise ValidationError({"red_flag": _("Choose the red flag itself, not a pending change or a retired one.")})
        return data


class IndicatorSetFlagInline(DraftOnlyInlineMixin, admin.TabularInline[IndicatorSetFlag, IndicatorSet]):
    model = IndicatorSetFlag
    form = IndicatorSetFlagForm
    extra = 2
    autocomplete_fields = ["red_flag"]
    verbose_name = gettext_lazy("red flag of the set")
    verbose_name_plural = gettext_lazy("red flags of the set (at least as many as the minimum)")


class IndicatorSetCitationInline(DraftOnlyInlineMixin, admin.StackedInline[IndicatorSetCitation, IndicatorSet]):
    model = IndicatorSetCitation
    extra = 1
    autocomplete_fields = ["source"]
    verbose_name = gettext_lazy("citation (source, locator and the verbatim passage)")
    verbose_name_plural = gettext_lazy("citations: the passages behind the combination")


@admin.register(IndicatorSet)
class IndicatorSetAdmin(SimpleHistoryAdmin):
    change_list_template = "admin/ecosystem/indicatorset/change_list.html"
    list_display = ["name", "category", "minimum", "review_state", "label", "author", "verified_by", "published_at"]
    list_filter = ["review_state", "label", "category"]
    list_select_related = ["category", "author", "verified_by"]
    search_fields = ["name", "rationale", "citations__quote"]
    fields = ["category", "name", "rationale", "minimum", "review_state", "label", "author", "verified_by"]
    readonly_fields = ["review_state", "label", "author", "verified_by", "published_at"]
    inlines = [IndicatorSetFlagInline, IndicatorSetCitationInline]
    actions = ["submit", "verify", "send_back", "publish", "retire", "export_csv"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        """Only a draft is edited; *Send back to draft* withdraws a published set for a change."""
        if obj is not None and obj.review_state != ReviewState.DRAFT:
            return ["category", "name", "rationale", "minimum", *self.readonly_fields]
        if obj is not None:
            return ["category", *self.readonly_fields]
        return self.readonly_fields

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """A set members have seen is retired, not deleted."""
        if obj is not None and obj.published_at is not None:
            return False
        return super().has_delete_permission(request, obj)

    def _each(self, request: HttpRequest, queryset: QuerySet[IndicatorSet], title: str, apply: Any) -> None:
        done = 0
        for indicator_set in queryset:
            try:
                apply(indicator_set)
                done += 1
            except ValidationError as error:
                self.message_user(request, f"{indicator_set}: {' '.join(error.messages)}", messages.ERROR)
        if done:
            self.message_user(request, _("%(title)s: done for %(count)d.") % {"title": title, "count": done})

    @admin.action(description=gettext_lazy("Send selected drafts for review"), permissions=["change"])
    def submit(self, request: HttpRequest, queryset: QuerySet[IndicatorSet]) -> None:
        user: User = request.user  # type: ignore[assignment]
        self._each(request, queryset, _("Send for review"), lambda s: indicator_set_submit(indicator_set=s, by=user))

    @admin.action(
        description=gettext_lazy("Verify selected indicator sets against their sources"), permissions=["change"]
    )
    def verify(self, request: HttpRequest, queryset: QuerySet[IndicatorSet]) -> None:
        user: User = request.user  # type: ignore[assignment]
        self._each(request, queryset, _("Verify"), lambda s: indicator_set_verify(indicator_set=s, by=user))

    @admin.action(description=gettext_lazy("Send selected indicator sets back to draft"), permissions=["change"])
    def send_back(self, request: HttpRequest, queryset: QuerySet[IndicatorSet]) -> None:
        user: User = request.user  # type: ignore[assignment]
        self._each(request, queryset, _("Send back"), lambda s: indicator_set_send_back(indicator_set=s, by=user))

    @admin.action(
        description=gettext_lazy("Publish selected indicator sets (asks for a reason and the label)"),
        permissions=["change"],
    )
    def publish(self, request: HttpRequest, queryset: QuerySet[IndicatorSet]) -> HttpResponse | None:
        user: User = request.user  # type: ignore[assignment]
        return ask_for_text(
            self,
            request,
            queryset,
            title=_("Publish indicator sets"),
            label=_("Reason (kept in its history)"),
            required=True,
            form_class=PublishForm,
            apply=lambda s, reason, label: indicator_set_publish(indicator_set=s, by=user, reason=reason, label=label),
        )

    @admin.action(
        description=gettext_lazy("Retire selected indicator sets (asks for a reason)"), permissions=["change"]
    )
    def retire(self, request: HttpRequest, queryset: QuerySet[IndicatorSet]) -> HttpResponse | None:
        user: User = request.user  # type: ignore[assignment]
        return ask_for_text(
            self,
            request,
            queryset,
            title=_("Retire indicator sets"),
            label=_("Reason (kept in its history)"),
            required=True,
            apply=lambda s, reason: indicator_set_retire(indicator_set=s, by=user, reason=reason),
        )

    @admin.action(description=gettext_lazy("Export selected indicator sets as CSV"), permissions=["view"])
    def export_csv(self, request: HttpRequest, queryset: QuerySet[IndicatorSet]) -> HttpResponse:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="indicator-sets-{timezone.localdate():%Y-%m-%d}.csv"'
        indicator_sets = queryset.select_related("category").prefetch_related("members", "citations__source")
        write_indicator_sets_csv(indicator_sets.order_by("id"), response)
        return response

    def get_urls(self) -> list[URLPattern]:
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="ecosystem_indicatorset_import"),
            *super().get_urls(),
        ]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        return labelled_import_view(
            self,
            request,
            csv_format=lambda user: IndicatorSetCsvFormat(by=user),
            imported=lambda result: (
                _("Imported: %(created)d new indicator set(s) as drafts, %(updated)d changed (back to draft).")
                % {"created": result.created, "updated": result.updated}
            ),
            title=_("Import indicator sets from CSV"),
        )
