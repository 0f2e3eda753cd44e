from collections.abc import Callable
from typing import Any, cast

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from members.models import User
from voice.models import (
    Comment,
    Follow,
    Highlight,
    Idea,
    Participant,
    ResearchNote,
    RevisionNotice,
    Study,
    Survey,
    SurveyResponse,
    SurveyStatus,
    Vote,
)
from voice.research import highlight_stamp
from voice.surveys import survey_rerun, survey_set_status


@admin.register(Idea)
class IdeaAdmin(admin.ModelAdmin[Idea]):
    list_display = ["title", "status", "opportunity", "created_at"]
    list_filter = ["status"]
    search_fields = ["title", "problem"]
    raw_id_fields = ["author", "merged_into", "opportunity"]
    filter_horizontal = ["jobs"]


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin[Vote]):
    list_display = ["member", "idea", "opportunity", "importance", "created_at"]
    list_filter = ["importance"]
    raw_id_fields = ["member", "idea", "opportunity"]


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin[Follow]):
    list_display = ["member", "idea", "opportunity", "created_at"]
    raw_id_fields = ["member", "idea", "opportunity"]


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin[Comment]):
    list_display = ["idea", "author", "created_at"]
    raw_id_fields = ["idea", "author"]


@admin.register(RevisionNotice)
class RevisionNoticeAdmin(admin.ModelAdmin[RevisionNotice]):
    list_display = ["revision", "notified", "created_at"]
    readonly_fields = ["revision", "notified", "created_at"]


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin[Survey]):
    """Staff create a survey here (a draft on a persona's jobs), open it, send its link through a campaign step, close
    it, and re-run it later to see the change."""

    list_display = ["title", "persona", "scale", "status", "opened_at", "closed_at", "results"]
    list_filter = ["status", "persona"]
    filter_horizontal = ["jobs"]
    readonly_fields = ["status", "opened_at", "closed_at", "rerun_of"]
    actions = ["open_surveys", "close_surveys", "rerun_surveys"]

    @admin.display(description=_("results"))
    def results(self, obj: Survey) -> str:
        return format_html('<a href="{}">{}</a>', reverse("voice:survey_results", args=[obj.pk]), _("Results"))

    def _each(self, request: HttpRequest, queryset: QuerySet[Survey], apply: Callable[[Survey], object]) -> None:
        for survey in queryset:
            try:
                apply(survey)
            except ValidationError as invalid:
                self.message_user(request, f"{survey}: {' '.join(invalid.messages)}", messages.ERROR)

    @admin.action(description=_("Open the selected surveys"), permissions=["change"])
    def open_surveys(self, request: HttpRequest, queryset: QuerySet[Survey]) -> None:
        by = cast(User, request.user)
        self._each(request, queryset, lambda s: survey_set_status(survey=s, status=SurveyStatus.OPEN, by=by))

    @admin.action(description=_("Close the selected surveys"), permissions=["change"])
    def close_surveys(self, request: HttpRequest, queryset: QuerySet[Survey]) -> None:
        by = cast(User, request.user)
        self._each(request, queryset, lambda s: survey_set_status(survey=s, status=SurveyStatus.CLOSED, by=by))

    @admin.action(description=_("Re-run the selected surveys (a new draft on the same jobs)"), permissions=["add"])
    def rerun_surveys(self, request: HttpRequest, queryset: QuerySet[Survey]) -> None:
        by = cast(User, request.user)
        self._each(request, queryset, lambda s: survey_rerun(survey=s, by=by))


@admin.register(SurveyResponse)
class SurveyResponseAdmin(admin.ModelAdmin[SurveyResponse]):
    list_display = ["survey", "sector", "persona", "submitted_at"]
    list_filter = ["survey", "sector"]
    readonly_fields = ["survey", "member", "sector", "persona", "submitted_at"]


class ParticipantInline(admin.TabularInline[Participant, Study]):
    model = Participant
    fields = ["member", "name", "organisation", "sector", "consent_on", "consent_scope"]
    raw_id_fields = ["member"]
    extra = 1


@admin.register(Study)
class StudyAdmin(admin.ModelAdmin[Study]):
    """Research studies with their participants (names stay here, with staff) and consent."""

    list_display = ["title", "kind", "started_on", "ended_on"]
    list_filter = ["kind"]
    search_fields = ["title", "summary"]
    inlines = [ParticipantInline]


class HighlightInline(admin.StackedInline[Highlight, ResearchNote]):
    model = Highlight
    fields = ["passage", "observed_on", "jobs", "personas", "opportunities", "red_flags"]
    filter_horizontal = ["jobs", "personas", "opportunities", "red_flags"]
    extra = 1


@admin.register(ResearchNote)
class ResearchNoteAdmin(admin.ModelAdmin[ResearchNote]):
    """Notes in Markdown; each highlight takes the participant's sector (never their name) when saved."""

    list_display = ["study", "participant", "held_on"]
    list_filter = ["study"]
    search_fields = ["body"]
    raw_id_fields = ["participant"]
    readonly_fields = ["written_by"]
    inlines = [HighlightInline]

    def save_model(self, request: HttpRequest, obj: ResearchNote, form: Any, change: bool) -> None:
        if not change:
            obj.written_by = cast(User, request.user)
        super().save_model(request, obj, form, change)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        note = form.instance
        for highlight_form in formset.forms:
            highlight = highlight_form.instance
            if isinstance(highlight, Highlight) and highlight_form.has_changed():
                highlight_stamp(highlight=highlight, note=note)
        super().save_formset(request, form, formset, change)
