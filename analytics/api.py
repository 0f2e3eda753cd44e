"""The dashboard over the API: headline numbers, the funnel and the trends, for leadership and staff.

The same panels, filters and roll-up cache as the dashboard pages (analytics.panels): an integration
reads exactly what leadership sees.
"""

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from analytics import panels
from analytics.views import FilterForm
from core.permissions import DASHBOARD_PERMISSION
from personas.models import Sector

PANELS = ["headline", "funnel", "active", "stages"]


class DashboardQuerySerializer(serializers.Serializer[Any]):
    start = serializers.DateField(
        required=False, help_text=gettext_lazy("First day of the period (default: 90 days ago).")
    )
    end = serializers.DateField(required=False, help_text=gettext_lazy("Last day of the period (default: today)."))
    sector = serializers.ChoiceField(choices=Sector.choices, required=False)
    persona = serializers.IntegerField(min_value=1, required=False)
    country = serializers.RegexField(r"^[A-Z]{2}$", required=False, help_text=gettext_lazy("ISO 3166 alpha-2 code."))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # The page's form holds the period rules (order, longest period): one place for both.
        form = FilterForm({name: value for name, value in attrs.items() if value is not None})
        if not form.is_valid():
            raise serializers.ValidationError(
                {
                    api_settings.NON_FIELD_ERRORS_KEY if name == NON_FIELD_ERRORS else name: [
                        str(message) for message in messages
                    ]
                    for name, messages in form.errors.items()
                }
            )
        return {"filters": form.filters()}


class PanelSerializer(serializers.Serializer[Any]):
    title = serializers.CharField()
    columns = serializers.ListField(child=serializers.CharField())
    rows = serializers.ListField(child=serializers.ListField(child=serializers.JSONField()))
    chart = serializers.JSONField(allow_null=True, help_text=gettext_lazy("Chart.js kind, labels and datasets."))
    notes = serializers.ListField(child=serializers.CharField())
    as_of = serializers.DateTimeField(
        allow_null=True, help_text=gettext_lazy("When the roll-ups were last brought up to date.")
    )


class DashboardSerializer(serializers.Serializer[Any]):
    headline = PanelSerializer()
    funnel = PanelSerializer()
    active = PanelSerializer(help_text=gettext_lazy("Weekly active members over the roadmap's 18 months."))
    stages = PanelSerializer(help_text=gettext_lazy("Members by lifecycle stage over the roadmap's 18 months."))


class CanReadDashboards(permissions.BasePermission):
    message = gettext_lazy("The dashboard is for leadership and staff.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.has_perm(DASHBOARD_PERMISSION))


class DashboardView(APIView):
    """Headline numbers for the period against the previous one, the activation → engagement →
    collaboration funnel, and the trends, filtered by period, sector, persona and country."""

    permission_classes = [CanReadDashboards]
    http_method_names = ["get", "head", "options"]

    @extend_schema(parameters=[DashboardQuerySerializer], responses=DashboardSerializer)
    def get(self, request: Request) -> Response:
        query = DashboardQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        filters: panels.Filters = query.validated_data["filters"]
        return Response(panels.panels_data(PANELS, filters))


class ImpactView(APIView):
    """Roadmap impact: one row per item of the latest roadmap, then its horizons and the roadmap as a whole (the
    dashboards' "impact" panel, from the nightly roll-up)."""

    permission_classes = [CanReadDashboards]
    http_method_names = ["get", "head", "options"]

    @extend_schema(responses=PanelSerializer)
    def get(self, request: Request) -> Response:
        return Response(panels.panel_data("impact", panels.default_filters()))
