"""The member digest in the admin: what was sent to whom for which period, read-only (campaigns/digests.py)."""

from django.contrib import admin

from campaigns.models import DigestDelivery, DigestPreference
from core.admin import ReadOnlyAdminMixin


@admin.register(DigestDelivery)
class DigestDeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[DigestDelivery]):
    list_display = ["member", "frequency", "period_start", "status", "items", "sent_at", "attempts"]
    list_filter = ["status", "frequency"]
    list_select_related = ["member__user"]
    search_fields = ["member__user__email"]
    date_hierarchy = "period_start"


@admin.register(DigestPreference)
class DigestPreferenceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[DigestPreference]):
    """Members choose on their profile (or turn it off through the digest's link); staff only look."""

    list_display = ["member", "frequency", "updated_at"]
    list_filter = ["frequency"]
    list_select_related = ["member__user"]
    search_fields = ["member__user__email"]
