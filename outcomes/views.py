"""Outcome reports in the portal: a member's organisation's reports, filing one, the aggregates CSV, the staff
review queue and law enforcement's feedback on a referral."""

import csv
from typing import cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.permissions import RED_FLAG_CHANGE_PERMISSION
from core.spreadsheets import spreadsheet_cell
from ecosystem.selectors import INDICATOR_SET_SHARING, RED_FLAG_SHARING, visible_indicator_sets, visible_red_flags
from members.access import portal_member_required
from members.models import Member, Source, User
from members.selectors import member_for_user
from outcomes.forms import OutcomeReportForm, ReferralFeedbackForm, ReviewDecisionForm
from outcomes.models import COUNT_FIELDS
from outcomes.review import review_queue
from outcomes.selectors import (
    OUTCOME_SHARING,
    Aggregates,
    indicator_set_aggregates,
    red_flag_aggregates,
    reports_visible_to,
)
from outcomes.services import may_give_feedback, outcome_report_submit, outcome_review_decide, referral_feedback_give
from sharing.models import Channel
from sharing.services import access_record

PAGE_LIMIT = 200


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _member(request: HttpRequest) -> Member | None:
    return member_for_user(user=_user(request))


@portal_member_required
def my_reports(request: HttpRequest) -> HttpResponse:
    """The reports of the member's organisation (TLP:AMBER+STRICT: theirs alone)."""
    reports = list(reports_visible_to(user=_user(request))[:PAGE_LIMIT])
    access_record(user=_user(request), objects=reports, spec=OUTCOME_SHARING, channel=Channel.LIST)
    return render(request, "outcomes/my_reports.html", {"reports": reports, "count_fields": COUNT_FIELDS})


@portal_member_required
@require_http_methods(["GET", "POST"])
def report_new(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    if member is None or member.organisation_id is None:
        raise PermissionDenied(_("Only members of an organisation report outcomes."))
    red_flags = visible_red_flags(user=_user(request)).order_by("pk")
    indicator_sets = visible_indicator_sets(user=_user(request)).order_by("name")
    initial = {name: request.GET[name] for name in ("red_flag", "indicator_set") if request.GET.get(name, "").isdigit()}
    form = OutcomeReportForm(request.POST or None, red_flags=red_flags, indicator_sets=indicator_sets, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            report = outcome_report_submit(
                member=member,
                red_flag=data.get("red_flag"),
                indicator_set=data.get("indicator_set"),
                period_start=data["period_start"],
                period_end=data["period_end"],
                counts={name: data[name] for name in COUNT_FIELDS},
                note=data.get("note", ""),
                source=Source.WEB,
            )
        except ValidationError as error:
            for name, problems in error.message_dict.items():
                form.add_error(name if name in form.fields else None, problems)
        else:
            messages.success(request, _("Thank you: your outcome report is filed. Only your organisation sees it."))
            if report.red_flag_id is not None:
                return redirect("ecosystem:red_flag", report.red_flag_id)
            return redirect("outcomes:mine")
    return render(request, "outcomes/report_new.html", {"form": form})


def _csv_response(aggregates: Aggregates, filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow([spreadsheet_cell(column) for column in Aggregates.columns()])
    for row in aggregates.rows():
        writer.writerow([spreadsheet_cell(cell) for cell in row])
    return response


@portal_member_required
def red_flag_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """The red flag's aggregates as CSV, bucketed as on its page."""
    red_flag = get_object_or_404(visible_red_flags(user=_user(request)), pk=pk)
    access_record(user=_user(request), objects=[red_flag], spec=RED_FLAG_SHARING, channel=Channel.CSV)
    return _csv_response(red_flag_aggregates(red_flag_id=red_flag.pk), f"red-flag-{red_flag.pk}-outcomes.csv")


@portal_member_required
def indicator_set_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """An indicator set's aggregates as CSV, bucketed like a red flag's."""
    indicator_set = get_object_or_404(visible_indicator_sets(user=_user(request)), pk=pk)
    access_record(user=_user(request), objects=[indicator_set], spec=INDICATOR_SET_SHARING, channel=Channel.CSV)
    return _csv_response(
        indicator_set_aggregates(indicator_set_id=indicator_set.pk), f"indicator-set-{indicator_set.pk}-outcomes.csv"
    )


@portal_member_required
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest) -> HttpResponse:
    """Staff: the red flags whose outcome reports suggest a confidence change; accept or dismiss each."""
    user = _user(request)
    if not user.has_perm(RED_FLAG_CHANGE_PERMISSION):
        raise PermissionDenied(_("Only staff review red flags."))
    proposals = review_queue()
    if request.method == "POST":
        form = ReviewDecisionForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            proposal = next(
                (
                    p
                    for p in proposals
                    if p.red_flag.pk == data["red_flag"]
                    and p.rule == data["rule"]
                    and p.proposed_confidence == data["proposed_confidence"]
                ),
                None,
            )
            if proposal is None:
                messages.error(request, _("That proposal is no longer in the queue."))
            else:
                try:
                    outcome_review_decide(
                        red_flag=proposal.red_flag,
                        rule=proposal.rule,
                        proposed_confidence=proposal.proposed_confidence,
                        accept=data["decision"] == "accept",
                        reason=data["reason"],
                        by=user,
                    )
                except ValidationError as error:
                    messages.error(request, " ".join(error.messages))
                else:
                    messages.success(request, _("Decision recorded in the red flag's versions."))
            return redirect("outcomes:review")
        messages.error(request, _("Give a decision and a reason."))
    return render(request, "outcomes/review.html", {"proposals": proposals})


@portal_member_required
@require_POST
def referral_feedback(request: HttpRequest, pk: int) -> HttpResponse:
    """Law enforcement or a prosecutor: a referral citing this red flag was useful."""
    member = _member(request)
    if member is None or not may_give_feedback(member):
        raise PermissionDenied(_("Only law-enforcement and prosecutor members can say a referral was useful."))
    red_flag = get_object_or_404(visible_red_flags(user=_user(request)), pk=pk)
    form = ReferralFeedbackForm(request.POST, exclude_organisation_id=member.organisation_id)
    if form.is_valid():
        try:
            referral_feedback_give(
                member=member, red_flag=red_flag, referring_organisation=form.cleaned_data["referring_organisation"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Thank you: the referring organisation's members are told, with no detail."))
    else:
        messages.error(request, _("Choose the organisation that referred the case."))
    return redirect("ecosystem:red_flag", red_flag.pk)
