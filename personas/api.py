"""Personas and their jobs-to-be-done: read by members (active personas) and leadership, managed by staff."""

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets

from core.api_base import (
    ApiFilterSet,
    RolePermission,
    StrictModelSerializer,
    boolean_filter,
)
from core.permissions import DASHBOARD_PERMISSION, PORTAL_PERMISSION
from personas.models import SCORE_VALIDATORS, SURVEY_SCORE_FIELDS, JobToBeDone, OpportunityBand, Persona
from personas.selectors import jobs_visible_to, personas_visible_to


class PersonaSerializer(StrictModelSerializer[Persona]):
    class Meta:
        model = Persona
        fields = ["id", "name", "sector", "summary", "needs", "pains", "goals", "quote", "is_active"]


class PersonaFilter(ApiFilterSet):
    is_active = boolean_filter("is_active")

    class Meta:
        model = Persona
        fields = ["sector", "is_active"]


class PersonaViewSet(viewsets.ModelViewSet[Persona]):
    serializer_class = PersonaSerializer
    permission_classes = [RolePermission]
    read_permissions = (PORTAL_PERMISSION, DASHBOARD_PERMISSION, "personas.view_persona")
    filterset_class = PersonaFilter
    search_fields = ["name", "summary"]
    ordering_fields = ["name", "sector"]

    def get_queryset(self) -> QuerySet[Persona]:
        return personas_visible_to(self.request.user).order_by("name")


class JobSerializer(StrictModelSerializer[JobToBeDone]):
    importance = serializers.DecimalField(max_digits=3, decimal_places=1, validators=SCORE_VALIDATORS)
    satisfaction = serializers.DecimalField(max_digits=3, decimal_places=1, validators=SCORE_VALIDATORS)
    opportunity_score = serializers.DecimalField(max_digits=3, decimal_places=1, source="opportunity", read_only=True)
    band = serializers.SerializerMethodField()

    class Meta:
        model = JobToBeDone
        fields = [
            "id",
            "persona",
            "situation",
            "motivation",
            "outcome",
            "importance",
            "satisfaction",
            "opportunity_score",
            "band",
            "evidence_notes",
            "interview_count",
            "score_source",
            "override_reason",
            *SURVEY_SCORE_FIELDS,
        ]
        # Where the scores come from (voice computes them from member surveys; staff override with a reason):
        # shown, never written through this API.
        read_only_fields = [
            "score_source",
            "override_reason",
            *SURVEY_SCORE_FIELDS,
        ]

    @extend_schema_field(serializers.ChoiceField(choices=OpportunityBand.choices))
    def get_band(self, job: JobToBeDone) -> str:
        return job.band.value


class JobFilter(ApiFilterSet):
    min_opportunity = filters.NumberFilter(
        field_name="opportunity", lookup_expr="gte", label=gettext_lazy("Lowest opportunity score")
    )

    class Meta:
        model = JobToBeDone
        fields = ["persona"]


class JobViewSet(viewsets.ModelViewSet[JobToBeDone]):
    serializer_class = JobSerializer
    permission_classes = [RolePermission]
    read_permissions = (DASHBOARD_PERMISSION, "personas.view_jobtobedone")
    filterset_class = JobFilter
    search_fields = ["situation", "motivation", "outcome"]
    ordering_fields = ["opportunity", "importance", "satisfaction", "id"]
    ordering = ["-opportunity", "id"]

    def get_queryset(self) -> QuerySet[JobToBeDone]:
        return jobs_visible_to(self.request.user)
