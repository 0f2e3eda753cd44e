from typing import Any

from django.contrib import admin
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from core.csv_io import CsvAdminMixin
from personas.csv_io import JOB_CSV, PERSONA_CSV
from personas.models import SURVEY_SCORE_FIELDS, JobToBeDone, OpportunityBand, Persona, ScoreSource


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
    list_display = ["statement", "persona", "importance", "satisfaction", "opportunity_score", "band", "score_origin"]
    list_filter = [BandFilter, "score_source", "persona__sector", "persona"]
    # What member surveys computed (voice/scoring.py) is shown, never typed: staff override with a reason instead.
    readonly_fields = SURVEY_SCORE_FIELDS
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

    @admin.display(description=gettext_lazy("score source"), ordering="score_source")
    def score_origin(self, obj: JobToBeDone) -> str:
        """Survey (with its sample and dates), override (with its reason) or typed."""
        if obj.score_source == ScoreSource.COMPUTED:
            return _("Survey: %(n)s responses, %(start)s to %(end)s") % {
                "n": max(obj.importance_sample, obj.satisfaction_sample),
                "start": obj.responses_from or "?",
                "end": obj.responses_to or "?",
            }
        if obj.score_source == ScoreSource.OVERRIDE:
            return _("Override: %(reason)s") % {"reason": obj.override_reason}
        return str(_("Typed"))
