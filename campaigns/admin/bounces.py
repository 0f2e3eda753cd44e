"""Bounces as read from the bounce mailbox (read only), and the undeliverable addresses staff can clear."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns.bounces import undeliverable_clear
from campaigns.models import Bounce, UndeliverableAddress
from members.models import User


@admin.register(Bounce)
class BounceAdmin(admin.ModelAdmin[Bounce]):
    """Written only by the bounce reader."""

    list_display = ["email", "kind", "status", "action", "diagnostic", "delivery", "received_at"]
    list_filter = ["kind", "received_at"]
    list_select_related = ["delivery__step__campaign"]
    search_fields = ["email", "diagnostic"]
    date_hierarchy = "received_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Bounce | None = None) -> bool:
        return False


class ActiveFilter(admin.SimpleListFilter):
    title = gettext_lazy("undeliverable now")
    parameter_name = "active"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[UndeliverableAddress]
    ) -> list[tuple[str, str]]:
        return [("yes", _("Yes")), ("no", _("No, cleared"))]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[UndeliverableAddress]
    ) -> QuerySet[UndeliverableAddress]:
        if self.value() in ("yes", "no"):
            return queryset.filter(cleared_at__isnull=self.value() == "yes")
        return queryset


@admin.register(UndeliverableAddress)
class UndeliverableAddressAdmin(admin.ModelAdmin[UndeliverableAddress]):
    """Marked by the bounce reader; staff clear a mark once the member's mailbox works again."""

    list_display = ["email", "reason", "marked_at", "cleared_at", "cleared_by"]
    list_filter = [ActiveFilter]
    list_select_related = ["cleared_by"]
    search_fields = ["email"]
    readonly_fields = ["email", "reason", "bounce", "marked_at", "cleared_at", "cleared_by"]
    actions = ["clear"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=gettext_lazy("Clear the mark: try e-mail again"), permissions=["change"])
    def clear(self, request: HttpRequest, queryset: QuerySet[UndeliverableAddress]) -> None:
        assert isinstance(request.user, User)  # noqa: S101  (the admin only lets staff users in)
        cleared = undeliverable_clear(marks=queryset, actor=request.user)
        self.message_user(
            request, _("%(count)d address(es) cleared: e-mail is tried again.") % {"count": cleared}, messages.SUCCESS
        )
