"""Staff tune scoring and stages, see each member's score explained, and recompute on demand."""

from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import URLPattern, path, reverse
from django.utils.formats import number_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from engagement.models import (
    EngagementSettings,
    LifecycleStage,
    MemberEngagement,
    StageTransition,
    VerbScore,
    stage_name,
)
from engagement.scoring import REPLAY_WEEKS, engagement_settings, score_breakdown
from engagement.tasks import engagement_nightly, engagement_replay_history
from members.models import VERB_ORIGINS


@admin.register(EngagementSettings)
class EngagementSettingsAdmin(admin.ModelAdmin[EngagementSettings]):
    list_display = [
        "__str__",
        "half_life_days",
        "engaged_score",
        "engaged_actions",
        "collaborating_window_days",
        "dormant_after_days",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: EngagementSettings | None = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        """There is one row: go straight to it (creating it with the defaults the first time)."""
        settings = engagement_settings()
        return HttpResponseRedirect(reverse("admin:engagement_engagementsettings_change", args=[settings.pk]))


@admin.register(VerbScore)
class VerbScoreAdmin(admin.ModelAdmin[VerbScore]):
    """The verb table, with a legend of what each column means (`verbscore/change_list.html`)."""

    list_display = ["verb", "origins", "points", "daily_cap", "meaningful", "contribution"]
    list_editable = ["points", "daily_cap", "meaningful", "contribution"]
    change_list_template = "admin/engagement/verbscore/change_list.html"

    @admin.display(description=_("caused by"))
    def origins(self, obj: VerbScore) -> str:
        return ", ".join(str(origin.label) for origin in VERB_ORIGINS[obj.verb])


DETAIL_FIELDS: tuple[str, ...] = (
    "member",
    "score",
    "breakdown",
    "stage_display",
    "stage_since",
    "activated_at",
    "engaged_at",
    "collaborating_at",
    "computed_at",
    "transitions",
)


class StageFilter(admin.SimpleListFilter):
    """The lifecycle stages by the names every page uses ("Not yet activated", never the bare "pending")."""

    title = _("stage")
    parameter_name = "stage__exact"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(stage.value, stage_name(stage.value)) for stage in LifecycleStage]

    def queryset(self, request: HttpRequest, queryset: QuerySet[MemberEngagement]) -> QuerySet[MemberEngagement]:
        return queryset.filter(stage=self.value()) if self.value() else queryset


@admin.register(MemberEngagement)
class MemberEngagementAdmin(admin.ModelAdmin[MemberEngagement]):
    list_display = ["member", "organisation", "stage_display", "score_display", "stage_since", "computed_at"]
    list_filter = [StageFilter, "member__organisation__sector"]
    search_fields = ["member__user__email", "member__user__last_name", "member__organisation__name"]
    list_select_related = ["member__user", "member__organisation"]
    fields = DETAIL_FIELDS
    readonly_fields = DETAIL_FIELDS
    change_list_template = "admin/engagement/memberengagement/change_list.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: MemberEngagement | None = None) -> bool:
        return False

    @admin.display(description=_("organisation"), ordering="member__organisation__name")
    def organisation(self, obj: MemberEngagement) -> str:
        return str(obj.member.organisation or "")

    @admin.display(description=_("stage"), ordering="stage")
    def stage_display(self, obj: MemberEngagement) -> str:
        return stage_name(obj.stage)

    @admin.display(description=_("score"), ordering="score")
    def score_display(self, obj: MemberEngagement) -> str:
        return number_format(obj.score, decimal_pos=1)

    @admin.display(description=_("where the score comes from"))
    def breakdown(self, obj: MemberEngagement) -> SafeString:
        return SafeString(
            render_to_string(
                "admin/engagement/memberengagement/breakdown.html",
                {"rows": score_breakdown(member=obj.member, now=obj.computed_at)},
            )
        )

    @admin.display(description=_("stage history"))
    def transitions(self, obj: MemberEngagement) -> SafeString:
        return SafeString(
            render_to_string(
                "admin/engagement/memberengagement/transitions.html",
                {
                    "transitions": [
                        {
                            "at": transition.at,
                            "from": stage_name(transition.from_stage),
                            "to": stage_name(transition.to_stage),
                        }
                        for transition in StageTransition.objects.filter(member_id=obj.pk).order_by("-at", "-id")[:50]
                    ]
                },
            )
        )

    def get_urls(self) -> list[URLPattern]:
        recompute = self.admin_site.admin_view(require_POST(self.recompute_view))
        replay = self.admin_site.admin_view(require_POST(self.replay_view))
        return [
            path("recompute/", recompute, name="engagement_memberengagement_recompute"),
            path("recompute-history/", replay, name="engagement_memberengagement_replay"),
            *super().get_urls(),
        ]

    def replay_view(self, request: HttpRequest) -> HttpResponse:
        """After a change of the rules: the past weeks recomputed with them (`recompute_engagement_history`)."""
        if not request.user.has_perm("engagement.change_verbscore"):
            messages.error(request, _("You may not recompute engagement."))
        else:
            transaction.on_commit(engagement_replay_history.delay)
            messages.success(
                request,
                _(
                    "The stage history of the past %(weeks)d weeks is being recomputed with today's rules; the "
                    "dashboards follow when it is done."
                )
                % {"weeks": REPLAY_WEEKS},
            )
        return HttpResponseRedirect(reverse("admin:engagement_memberengagement_changelist"))

    def recompute_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("engagement.change_verbscore"):
            messages.error(request, _("You may not recompute engagement."))
        else:
            # Staff ask for it when something looks wrong: every member's whole history, not the night's change.
            transaction.on_commit(lambda: engagement_nightly.delay(full=True))
            messages.success(request, _("Scores, stages and dashboards are being recomputed; this takes a minute."))
        return HttpResponseRedirect(reverse("admin:engagement_memberengagement_changelist"))
