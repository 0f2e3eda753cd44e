"""Staff review of members' suggestions: accept (a new red flag becomes a draft) or reject with a response."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext, gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from ecosystem.admin.reasons import ask_for_text
from ecosystem.models import (
    Suggestion,
    SuggestionStatus,
)
from ecosystem.services import (
    suggestion_accept,
    suggestion_reject,
)
from members.models import User


class PendingFirstFilter(admin.SimpleListFilter):
    """The review queue: pending suggestions unless staff choose another status."""

    title = gettext_lazy("status")
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [*((value, str(label)) for value, label in SuggestionStatus.choices), ("all", "All")]

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

    @admin.display(description=gettext_lazy("for"))
    def target(self, obj: Suggestion) -> str:
        if obj.red_flag is not None:
            return gettext("change to #%(number)s") % {"number": obj.red_flag.pk}
        if obj.stage is None:
            return "—"
        return gettext("new in %(category)s: %(stage)s") % {
            "category": obj.stage.category.name,
            "stage": obj.stage.name,
        }

    @admin.display(description=gettext_lazy("suggestion"))
    def excerpt(self, obj: Suggestion) -> str:
        return obj.text if len(obj.text) <= 120 else obj.text[:119] + "…"

    @admin.action(description=gettext_lazy("Accept selected suggestions (the member is told)"), permissions=["change"])
    def accept(self, request: HttpRequest, queryset: QuerySet[Suggestion]) -> HttpResponse | None:
        user: User = request.user  # type: ignore[assignment]
        return ask_for_text(
            self,
            request,
            queryset,
            title=gettext("Accept suggestions"),
            label=gettext_lazy("Response to the member (optional)"),
            required=False,
            apply=lambda suggestion, text: suggestion_accept(suggestion=suggestion, by=user, response=text),
        )

    @admin.action(
        description=gettext_lazy("Reject selected suggestions (the member is told why)"), permissions=["change"]
    )
    def reject(self, request: HttpRequest, queryset: QuerySet[Suggestion]) -> HttpResponse | None:
        user: User = request.user  # type: ignore[assignment]
        return ask_for_text(
            self,
            request,
            queryset,
            title=gettext("Reject suggestions"),
            label=gettext_lazy("Why it is not accepted (sent to the member)"),
            required=True,
            apply=lambda suggestion, text: suggestion_reject(suggestion=suggestion, by=user, response=text),
        )
