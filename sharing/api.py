"""The access log over the API, for staff and for an organisation's admin (its own organisation's objects)."""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy
from rest_framework import permissions, serializers, viewsets
from rest_framework.request import Request

from core.api_base import ApiFilterSet, StrictModelSerializer, UtcIsoDateTimeFilter
from sharing.models import AccessLog
from sharing.selectors import access_log_for, reads_access_log


class ReadsAccessLog(permissions.BasePermission):
    message = gettext_lazy("Only staff and an organisation's admin may read the access log.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return reads_access_log(request.user)


class AccessLogSerializer(StrictModelSerializer[AccessLog]):
    user = serializers.EmailField(
        source="user.email", read_only=True, help_text=gettext_lazy("Who viewed or exported it.")
    )
    object_type = serializers.CharField(
        source="content_type.model", read_only=True, help_text=gettext_lazy("The kind of object (e.g. suggestion).")
    )

    class Meta:
        model = AccessLog
        fields = ["id", "at", "user", "object_type", "object_id", "label", "channel", "organisation"]
        read_only_fields = fields


class AccessLogFilter(ApiFilterSet):
    since = UtcIsoDateTimeFilter(
        field_name="at", lookup_expr="gte", label=gettext_lazy("At or after this ISO 8601 date-time")
    )

    class Meta:
        model = AccessLog
        fields = ["label", "channel", "since"]


class AccessLogViewSet(viewsets.ReadOnlyModelViewSet[AccessLog]):
    """Who viewed or exported TLP:AMBER-or-tighter knowledge, when and through which channel. Staff read it all;
    an organisation's admin reads the entries of the objects the organisation owns. Append-only."""

    serializer_class = AccessLogSerializer
    permission_classes = [ReadsAccessLog]
    filterset_class = AccessLogFilter

    def get_queryset(self) -> QuerySet[AccessLog]:
        return access_log_for(user=self.request.user)
