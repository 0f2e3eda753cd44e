"""Staff pages inside the admin: ranking, comparison, sensitivity, timeline, planning, publishing, diffs.

They are routed by the ModelAdmins in admin.py and wrapped in `admin_site.admin_view`, so only active
staff reach them; each one also checks the model permission it needs.
"""

from typing import Any

from django.contrib import admin, messages
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from members.models import User
from roadmap.forms import CompareForm, MoveItemForm, PlanForm, PublishForm, RevisionDiffForm
from roadmap.models import OpportunityStatus, PrioritisationModel, Roadmap, RoadmapItem
from roadmap.planning import Proposal, plan_accept, plan_from_priorities
from roadmap.ranking import compare_models, rank_opportunities, sensitivity
from roadmap.revisions import revision_diff
from roadmap.selectors import roadmap_timeline
from roadmap.services import roadmap_item_move, roadmap_publish

PROPOSAL_SALT = "roadmap.plan-proposal"
PROPOSAL_MAX_AGE = 60 * 60


def _require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


def _render(
    request: HttpRequest, model_admin: admin.ModelAdmin[Any], template: str, title: str, **context: Any
) -> TemplateResponse:
    return TemplateResponse(
        request,
        template,
        {**model_admin.admin_site.each_context(request), "opts": model_admin.model._meta, "title": title, **context},
    )


def _statuses(request: HttpRequest) -> list[str]:
    return [status for status in request.GET.getlist("status") if status in OpportunityStatus.values]


def ranking(request: HttpRequest, *, model_admin: admin.ModelAdmin[Any], pk: int) -> HttpResponse:
    _require(request, "roadmap.view_prioritisationmodel")
    model = get_object_or_404(PrioritisationModel, pk=pk)
    statuses = _statuses(request)
    try:
        result, error = rank_opportunities(model=model, statuses=statuses), None
    except ValidationError as invalid:
        result, error = None, " ".join(invalid.messages)
    return _render(
        request,
        model_admin,
        "admin/roadmap/ranking.html",
        _("Ranking by “%(kind)s”") % {"kind": model},
        model=model,
        ranking=result,
        error=error,
        statuses=OpportunityStatus.choices,
        chosen=statuses,
    )


def sensitivity_view(request: HttpRequest, *, model_admin: admin.ModelAdmin[Any], pk: int) -> HttpResponse:
    _require(request, "roadmap.view_prioritisationmodel")
    model = get_object_or_404(PrioritisationModel, pk=pk)
    try:
        result, error = sensitivity(model=model, statuses=_statuses(request)), None
    except ValidationError as invalid:
        result, error = None, " ".join(invalid.messages)
    return _render(
        request,
        model_admin,
        "admin/roadmap/sensitivity.html",
        _("Sensitivity of “%(kind)s” to its weights") % {"kind": model},
        model=model,
        result=result,
        error=error,
    )


def comparison(request: HttpRequest, *, model_admin: admin.ModelAdmin[Any]) -> HttpResponse:
    _require(request, "roadmap.view_prioritisationmodel")
    form = CompareForm(request.GET or None)
    rows, error = None, None
    if form.is_valid():
        try:
            rows = compare_models(first=form.cleaned_data["first"], second=form.cleaned_data["second"])
        except ValidationError as invalid:
            error = " ".join(invalid.messages)
    return _render(
        request,
        model_admin,
        "admin/roadmap/comparison.html",
        _("Compare two models"),
        form=form,
        rows=rows,
        error=error,
    )


def timeline(request: HttpRequest, *, model_admin: admin.ModelAdmin[Any], pk: int) -> HttpResponse:
    _require(request, "roadmap.view_roadmap")
    roadmap = get_object_or_404(Roadmap, pk=pk)
    return _render(
        request,
        model_admin,
        "admin/roadmap/timeline.html",
        _("Timeline: %(roadmap)s") % {"roadmap": roadmap},
        roadmap=roadmap,
        timeline=roadmap_timeline(roadmap=roadmap),
        can_move=request.user.has_perm("roadmap.change_roadmapitem"),
    )


@require_POST
def move_item(request: HttpRequest, *, model_admin: admin.ModelAdmin[Any], pk: int, item_pk: int) -> HttpResponse:
    _require(request, "roadmap.change_roadmapitem")
    item = get_object_or_404(RoadmapItem.objects.select_related("opportunity", "roadmap"), pk=item_pk, roadmap_id=pk)
    form = MoveItemForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, _("“%(opportunity)s”: enter a start and an end month.") % {"opportunity": item.opportunity}
        )
    else:
        try:
            roadmap_item_move(
                item=item, start_month=form.cleaned_data["start_month"], end_month=form.cleaned_data["end_month"]
            )
        except ValidationError as invalid:
            messages.error(
                request,
                _("“%(opportunity)s” was not moved: %(invalid)s")
                % {"opportunity": item.opportunity, "invalid": " ".join(invalid.messages)},
            )
        else:
            months = f"{form.cleaned_data['start_month']}–{form.cleaned_data['end_month']}"
            messages.success(
                request,
                _("“%(opportunity)s” now runs months %(months)s.")
                % {"opportunity": item.opportunity, "months": months},
            )
    return HttpResponseRedirect(reverse("admin:roadmap_roadmap_timeline", args=[pk]) + f"#item-{item.pk}")


@require_http_methods(["GET", "POST"])
def plan(request: HttpRequest, *, model_admin: admin.ModelAdmin[Any], pk: int) -> HttpResponse:
    _require(request, "roadmap.view_roadmap")
    roadmap = get_object_or_404(Roadmap, pk=pk)
    if request.method == "POST":
        _require(request, "roadmap.add_roadmapitem")
        try:
            accepted = Proposal.from_json(
                signing.loads(request.POST.get("proposal", ""), salt=PROPOSAL_SALT, max_age=PROPOSAL_MAX_AGE)
            )
            by = request.user if isinstance(request.user, User) else None
            placed = plan_accept(roadmap=roadmap, proposal=accepted, by=by)
        except signing.BadSignature:
            messages.error(request, _("This proposal is too old or was altered; plan again."))
        except ValidationError as invalid:
            messages.error(request, " ".join(invalid.messages))
        else:
            messages.success(request, _("Placed %(placed)s item(s) on the roadmap.") % {"placed": len(placed)})
            return HttpResponseRedirect(reverse("admin:roadmap_roadmap_timeline", args=[pk]))
        return HttpResponseRedirect(reverse("admin:roadmap_roadmap_plan", args=[pk]))
    form = PlanForm(request.GET or None)
    proposal: Proposal | None = None
    signed, error = "", None
    if form.is_valid():
        try:
            proposal = plan_from_priorities(roadmap=roadmap, model=form.cleaned_data["model"])
            signed = signing.dumps(proposal.to_json(), salt=PROPOSAL_SALT)
        except ValidationError as invalid:
            error = " ".join(invalid.messages)
    return _render(
        request,
        model_admin,
        "admin/roadmap/plan.html",
        _("Plan from priorities: %(roadmap)s") % {"roadmap": roadmap},
        roadmap=roadmap,
        form=form,
        proposal=proposal,
        signed=signed,
        error=error,
        can_accept=request.user.has_perm("roadmap.add_roadmapitem"),
    )


@require_http_methods(["GET", "POST"])
def publish(request: HttpRequest, *, model_admin: admin.ModelAdmin[Any], pk: int) -> HttpResponse:
    _require(request, "roadmap.change_roadmap")
    _require(request, "roadmap.add_roadmaprevision")
    roadmap = get_object_or_404(Roadmap, pk=pk)
    form = PublishForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            by = request.user if isinstance(request.user, User) else None
            revision = roadmap_publish(roadmap=roadmap, by=by, note=form.cleaned_data["note"])
        except ValidationError as invalid:
            messages.error(request, " ".join(invalid.messages))
        else:
            messages.success(
                request, _("Published revision %(number)s; members now see it.") % {"number": revision.number}
            )
            return HttpResponseRedirect(reverse("admin:roadmap_roadmap_change", args=[pk]))
    revisions = roadmap.revisions.select_related("published_by").order_by("-number")
    return _render(
        request,
        model_admin,
        "admin/roadmap/publish.html",
        f"Publish: {roadmap}",
        roadmap=roadmap,
        form=form,
        revisions=revisions,
    )


def diff(request: HttpRequest, *, model_admin: admin.ModelAdmin[Any], pk: int) -> HttpResponse:
    _require(request, "roadmap.view_roadmaprevision")
    roadmap = get_object_or_404(Roadmap, pk=pk)
    form = RevisionDiffForm(request.GET or None, roadmap=roadmap)
    result = None
    if form.is_valid():
        result = revision_diff(old=form.cleaned_data["old"], new=form.cleaned_data["new"])
    return _render(
        request,
        model_admin,
        "admin/roadmap/diff.html",
        _("Compare revisions: %(roadmap)s") % {"roadmap": roadmap},
        roadmap=roadmap,
        form=form,
        diff=result,
    )
