"""The campaign builder: segments with a live preview, campaigns with inline steps and staff actions, the
delivery log with filters, and per-step results."""

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, gettext_lazy

from campaigns.bounce_results import bounce_rates
from campaigns.messages import Template, personalise
from campaigns.models import Campaign, CampaignStatus, CampaignStep, Delivery, Segment
from campaigns.results import step_results
from campaigns.segments import RULE_FIELDS, describe_rules, segment_preview
from campaigns.transitions import (
    campaign_cancel,
    campaign_launch,
    campaign_pause,
    campaign_resume,
    campaign_test_send_enqueue,
)
from core.admin import ReadOnlyAdminMixin
from engagement.models import LifecycleStage, stage_name
from members.models import Member, User
from translations.languages import target_of

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise as StrPromise

HTMX = "vendor/htmx/htmx.min.js"


class SegmentForm(forms.ModelForm[Segment]):
    class Meta:
        model = Segment
        fields = ["name", "description", "rules"]
        widgets = {"rules": forms.Textarea(attrs={"rows": 8, "cols": 80, "spellcheck": "false"})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Built per form, not at import, so that it is in the reader's language.
        self.fields["rules"].help_text = gettext(
            "A JSON list; every rule must hold. Fields: %(fields)s. Example: %(example)s. "
            "Lifecycle stages (field stage): %(stages)s."
        ) % {
            "fields": ", ".join(RULE_FIELDS),
            "example": '[{"field": "sector", "value": ["financial_institution"]}, '
            '{"field": "consent_email", "value": true}]',
            "stages": "; ".join(
                # Straight quotes: the value as it is typed in the JSON.
                gettext('"%(value)s" means %(name)s') % {"value": value, "name": stage_name(value)}
                for value in LifecycleStage.values
            ),
        }


def _preview_html(rules: Any) -> SafeString:
    try:
        count, sample = segment_preview(rules)
    except ValidationError as error:
        return format_html(
            '<div role="alert" class="errornote">{}</div>',
            mark_safe("<br>".join(format_html("{}", message) for message in error.messages)),  # noqa: S308
        )
    return mark_safe(  # noqa: S308  (a template with autoescaping)
        render_to_string(
            "admin/campaigns/segment_preview.html",
            {"count": count, "sample": sample, "described": describe_rules(rules)},
        )
    )


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin[Segment]):
    form = SegmentForm
    list_display = ["name", "updated_at"]
    search_fields = ["name", "description"]
    readonly_fields = ["preview"]
    fields = ["name", "description", "rules", "preview"]

    class Media:
        js = [HTMX]

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path("preview/", wrap(self.preview_view), name="campaigns_segment_preview"),
            *super().get_urls(),
        ]

    @admin.display(description=gettext_lazy("members matching now"))
    def preview(self, segment: Segment) -> SafeString:
        """The saved rules' count and sample, and a button that previews the rules as typed, before saving."""
        button = format_html(
            '<button type="button" class="button" hx-post="{}" hx-target="#segment-preview" '
            'hx-include="closest form">Preview the rules as typed</button>',
            reverse("admin:campaigns_segment_preview"),
        )
        current = _preview_html(segment.rules) if segment.pk else format_html("{}", "Type rules, then preview them.")
        return format_html('<div id="segment-preview" aria-live="polite">{}</div>{}', current, button)

    def preview_view(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST" or not self.has_view_or_change_permission(request):
            return HttpResponse(status=405 if request.method != "POST" else 403)
        try:
            rules = json.loads(request.POST.get("rules", "[]") or "[]")
        except json.JSONDecodeError as error:
            return HttpResponse(
                format_html('<div role="alert" class="errornote">The rules are not JSON: {}</div>', error)
            )
        return HttpResponse(_preview_html(rules))


class StepInline(admin.StackedInline[CampaignStep, Campaign]):
    model = CampaignStep
    extra = 0
    min_num = 1
    fields = [("position", "delay", "channel", "condition"), "subject", "body", ("stages", "red_flags")]
    autocomplete_fields = ["stages", "red_flags"]

    # Steps are written only while drafting, as over the API: once launched they are what the deliveries
    # were written from, and a changed delay or condition would change what members already in the journey
    # get next. (For an inline, Django passes the parent campaign as `obj`.)
    @staticmethod
    def _drafting(obj: Any) -> bool:
        return not isinstance(obj, Campaign) or obj.status == CampaignStatus.DRAFT

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._drafting(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._drafting(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._drafting(obj) and super().has_delete_permission(request, obj)


def _staff_action(
    service: Callable[..., Campaign], done: "StrPromise"
) -> Callable[[admin.ModelAdmin[Campaign], HttpRequest, QuerySet[Campaign]], None]:
    def action(model_admin: admin.ModelAdmin[Campaign], request: HttpRequest, queryset: QuerySet[Campaign]) -> None:
        assert isinstance(request.user, User)  # noqa: S101  (the admin only lets staff users in)
        for campaign in queryset:
            try:
                service(campaign=campaign, actor=request.user)
            except ValidationError as error:
                model_admin.message_user(request, " ".join(error.messages), messages.ERROR)
            else:
                model_admin.message_user(request, str(done) % {"campaign": campaign}, messages.SUCCESS)

    return action


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin[Campaign]):
    list_display = ["name", "segment", "status", "starts_at", "goal", "launched_at", "delivery_log"]
    list_filter = ["status"]
    list_select_related = ["segment", "goal"]
    search_fields = ["name"]
    autocomplete_fields = ["goal"]
    inlines = [StepInline]
    readonly_fields = ["status", "launched_at", "launched_by", "enrolled_at", "results", "bounces"]
    fieldsets = (
        (None, {"fields": ("name", "segment", "goal", "status", "starts_at", "enrol_late_joiners")}),
        (gettext_lazy("Links and tracking"), {"fields": ("allowed_link_hosts", "track_opens")}),
        ("Results", {"fields": ("launched_at", "launched_by", "enrolled_at", "results", "bounces")}),
    )
    actions = ["launch", "pause", "resume", "cancel", "test_send"]

    launch = admin.action(description=gettext_lazy("Launch selected campaigns"))(
        _staff_action(campaign_launch, gettext_lazy("“%(campaign)s” is launched."))
    )
    pause = admin.action(description=gettext_lazy("Pause selected campaigns"))(
        _staff_action(campaign_pause, gettext_lazy("“%(campaign)s” is paused."))
    )
    resume = admin.action(description=gettext_lazy("Resume selected campaigns"))(
        _staff_action(campaign_resume, gettext_lazy("“%(campaign)s” is resumed."))
    )
    cancel = admin.action(description=gettext_lazy("Cancel selected campaigns"))(
        _staff_action(campaign_cancel, gettext_lazy("“%(campaign)s” is cancelled."))
    )

    @admin.action(description=gettext_lazy("Send me a test of every step"))
    def test_send(self, request: HttpRequest, queryset: QuerySet[Campaign]) -> None:
        assert isinstance(request.user, User)  # noqa: S101  (the admin only lets staff users in)
        for campaign in queryset:
            try:
                campaign_test_send_enqueue(campaign=campaign, actor=request.user)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
            else:
                self.message_user(
                    request,
                    gettext("A test of “%(campaign)s” is on its way to %(email)s.")
                    % {"campaign": campaign, "email": request.user.email},
                )

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Campaign | None:
        if request.method != "POST":
            return super().get_object(request, object_id, from_field)
        # Locked until the save commits (the admin saves in one transaction), so a launch cannot slip in
        # between the check that the campaign is a draft and the writing of its steps.
        try:
            return self.get_queryset(request).select_for_update(of=("self",)).get(pk=int(object_id))
        except (Campaign.DoesNotExist, ValueError):
            return None

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/preview/", wrap(self.preview_view), name="campaigns_campaign_preview"),
            *super().get_urls(),
        ]

    @admin.display(description=gettext_lazy("deliveries"))
    def delivery_log(self, campaign: Campaign) -> SafeString:
        url = reverse("admin:campaigns_delivery_changelist") + f"?campaign__id__exact={campaign.pk}"
        return format_html('<a href="{}">Delivery log</a>', url)

    @admin.display(description=gettext_lazy("per-step results"))
    def results(self, campaign: Campaign) -> SafeString:
        if not campaign.pk:
            return format_html("{}", "Results appear once the campaign is saved and launched.")
        return mark_safe(  # noqa: S308  (a template with autoescaping)
            render_to_string(
                "admin/campaigns/campaign_results.html",
                {
                    "campaign": campaign,
                    "results": step_results(campaign),
                    "preview_url": reverse("admin:campaigns_campaign_preview", args=[campaign.pk]),
                },
            )
        )

    @admin.display(description=gettext_lazy("bounces"))
    def bounces(self, campaign: Campaign) -> SafeString:
        if not campaign.pk:
            return format_html("{}", "")
        return mark_safe(  # noqa: S308  (a template with autoescaping)
            render_to_string(
                "admin/campaigns/campaign_bounces.html",
                {
                    "rates": bounce_rates(campaign),
                    "bounce_address": settings.KNOBLE_BOUNCE_ADDRESS,
                    "undeliverable_url": reverse("admin:campaigns_undeliverableaddress_changelist"),
                },
            )
        )

    def preview_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Each step as the chosen member (by e-mail) would receive it; links shown untracked."""
        campaign = get_object_or_404(Campaign.objects.select_related("goal"), pk=pk)
        if not self.has_view_or_change_permission(request, campaign):
            return HttpResponse(status=403)
        email = request.GET.get("member", "").strip()
        member, previews, error = None, [], ""
        if email:
            member = Member.objects.select_related("user", "organisation").filter(user__email__iexact=email).first()
            if member is None:
                error = gettext("No member has the e-mail address %(email)s.") % {"email": email}
        if member is not None:
            previews = [
                (
                    step,
                    personalise(
                        Template.for_step(step, language=target_of(member.language)),
                        member=member,
                        campaign=campaign,
                        delivery=None,
                    ),
                )
                for step in campaign.steps.order_by("position")
            ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Preview of “%(campaign)s”") % {"campaign": campaign},
            "campaign": campaign,
            "email": email,
            "member": member,
            "previews": previews,
            "error": error,
        }
        return render(request, "admin/campaigns/campaign_preview.html", context)


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[Delivery]):
    """The delivery log: read only; every row is written by the engine."""

    list_display = [
        "member",
        "campaign",
        "step_position",
        "status",
        "channel",
        "due_at",
        "sent_at",
        "opened_at",
        "clicked_at",
        "attempts",
        "last_error",
    ]
    list_filter = ["status", "channel", "campaign", "step__position", "due_at"]
    list_select_related = ["member__user", "campaign", "step"]
    search_fields = ["member__user__email", "campaign__name"]
    date_hierarchy = "due_at"

    @admin.display(description=gettext_lazy("step"), ordering="step__position")
    def step_position(self, delivery: Delivery) -> int:
        return delivery.step.position
