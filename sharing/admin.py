from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.admin import ReadOnlyAdminMixin
from sharing.models import AccessLog, LabelChange, Registration314b, SharingGroup


@admin.register(SharingGroup)
class SharingGroupAdmin(SimpleHistoryAdmin):
    list_display = ["name", "owner", "requires_314b"]
    list_filter = ["requires_314b"]
    search_fields = ["name"]
    autocomplete_fields = ["owner", "organisations"]


@admin.register(Registration314b)
class Registration314bAdmin(SimpleHistoryAdmin):
    list_display = ["organisation", "registered_on", "expires_on"]
    date_hierarchy = "expires_on"
    search_fields = ["organisation__name"]
    autocomplete_fields = ["organisation"]


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["at", "user", "content_type", "object_id", "label", "channel", "organisation"]
    list_filter = ["label", "channel", "content_type"]
    list_select_related = ["user", "content_type", "organisation"]
    search_fields = ["user__email"]
    date_hierarchy = "at"


@admin.register(LabelChange)
class LabelChangeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["at", "by", "content_type", "object_id", "old_label", "new_label", "reason"]
    list_filter = ["new_label", "content_type"]
    list_select_related = ["by", "content_type"]
    date_hierarchy = "at"
