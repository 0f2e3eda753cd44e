"""Staff see outcome reports read-only (they are members' records, written only by the services) and the
decisions of the review queue."""

from django.contrib import admin

from core.admin import ReadOnlyAdminMixin
from outcomes.models import OutcomeReport, ReferralFeedback, ReviewDecision


@admin.register(OutcomeReport)
class OutcomeReportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[OutcomeReport]):
    list_display = ["red_flag", "organisation", "sector", "jurisdiction", "period_start", "period_end", "label"]
    list_filter = ["sector", "label"]
    list_select_related = ["red_flag", "organisation"]


@admin.register(ReviewDecision)
class ReviewDecisionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[ReviewDecision]):
    list_display = ["red_flag", "rule", "previous_confidence", "proposed_confidence", "accepted", "decided_at"]
    list_filter = ["rule", "accepted"]


@admin.register(ReferralFeedback)
class ReferralFeedbackAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[ReferralFeedback]):
    list_display = ["red_flag", "referring_organisation", "created_at"]
