from typing import Any

from django.contrib import admin
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from core.csv_io import CsvAdminMixin
from personas.csv_io import JOB_CSV, PERSONA_CSV
from personas.models import JobToBeDone, OpportunityBand, Persona


class JobInline(admin.TabularInline[JobToBeDone, Persona]):
    model = JobToBeDone
    fields = ["situation", "motivation", "outcome", "importance", "satisfaction", "interview_count"]
    extra = 1


@admin.register(Persona)
class PersonaAdmin(CsvAdminMixin, SimpleHistoryAdmin):
    csv_format = PERSONA_CSV
    list_display = ["name", "sector", "is_active", "job_count"]
    list_filter = ["sector", "is_active"]
    search_fields = ["name", "summary", "needs", "pains", "goals"]
    inlines = [JobInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Persona]:
        return super().get_queryset(request).annotate(job_count=Count("jobs"))

    @admin.display(description=gettext_lazy("jobs"), ordering="job_count")
    def job_count(self, obj: Any) -> int:
        return int(obj.job_count)


BAND_RANGES = {
    "extreme": Q(opportunity__gt=15),
    "high": Q(opportunity__gte=12, opportunity__lte=15),
    "worth_considering": Q(opportunity__gte=10, opportunity__lt=12),
    "low": Q(opportunity__lt=10),
}


class BandFilter(admin.SimpleListFilter):
    title = gettext_lazy("opportunity band")
    parameter_name = "band"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(value, str(label)) for value, label in OpportunityBand.choices]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        return queryset.filter(BAND_RANGES[value]) if value in BAND_RANGES else queryset


@admin.register(JobToBeDone)
class JobToBeDoneAdmin(CsvAdminMixin, SimpleHistoryAdmin):
    """Jobs sorted by opportunity score, computed in SQL, with its band."""

    csv_format = JOB_CSV
    list_display = ["statement", "persona", "importance", "satisfaction", "opportunity_score", "band"]
    list_filter = [BandFilter, "persona__sector", "persona"]
    list_select_related = ["persona"]
    search_fields = ["situation", "motivation", "outcome", "persona__name"]
    autocomplete_fields = ["persona"]

    def get_ordering(self, request: HttpRequest) -> list[str]:
        # The score is an annotation of this list's queryset only; other admins' job pickers use the model's order.
        match = request.resolver_match
        if match is not None and match.url_name == "personas_jobtobedone_changelist":
            return ["-opportunity", "persona__name", "id"]
        return list(super().get_ordering(request) or [])

    def get_queryset(self, request: HttpRequest) -> QuerySet[JobToBeDone]:
        return JobToBeDone.objects.with_opportunity_score()

    @admin.display(description=gettext_lazy("job"))
    def statement(self, obj: JobToBeDone) -> str:
        return str(obj)

    @admin.display(description=gettext_lazy("opportunity score"), ordering="opportunity")
    def opportunity_score(self, obj: JobToBeDone) -> str:
        return f"{obj.opportunity_score:g}"

    @admin.display(description=gettext_lazy("band"))
    def band(self, obj: JobToBeDone) -> str:
        return str(obj.band.label)
