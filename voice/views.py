"""The ideas portal (members) and the staff triage and tally pages."""

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.markdown import safe_markdown
from members.access import portal_member_required
from members.models import Member, User
from members.selectors import member_for_user
from personas.models import JobToBeDone
from personas.selectors import reads_research
from roadmap.models import Opportunity
from roadmap.selectors import reads_studio
from voice import selectors
from voice.forms import CommentForm, IdeaForm, OverrideForm, SurveyAnswerForm, TriageForm, VoteForm
from voice.models import Idea, IdeaStatus, ResearchNote, Survey, SurveyStatus
from voice.services import (
    comment_add,
    follow_set,
    idea_decline,
    idea_merge,
    idea_submit,
    idea_triage,
    vote_cast,
    vote_withdraw,
)
from voice.surveys import job_score_override, job_score_override_clear, survey_respond

PAGE_SIZE = 20
TRIAGE_PERMISSION = "voice.change_idea"


def _member(request: HttpRequest) -> Member:
    member = member_for_user(user=request.user)
    if member is None:
        raise Http404(_("This account has no member profile."))
    return member


def _errors(request: HttpRequest, invalid: ValidationError) -> None:
    for message in invalid.messages:
        messages.error(request, message)


@portal_member_required
@require_GET
def idea_list(request: HttpRequest) -> HttpResponse:
    member = member_for_user(user=request.user)
    query = request.GET.get("q", "").strip()[:200]
    if query:
        ideas: Any = selectors.similar_ideas(text=query, member=member, limit=PAGE_SIZE)
    else:
        ideas = (
            selectors.ideas_visible_to(member=member)
            .exclude(status=IdeaStatus.MERGED)
            .order_by(F("vote_count").desc(), "-created_at")
        )
    page = Paginator(ideas, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "voice/idea_list.html", {"page": page, "q": query})


@portal_member_required
@require_GET
def similar(request: HttpRequest) -> HttpResponse:
    """The ideas like the one being written (htmx, as the member types its title)."""
    text = f"{request.GET.get('title', '')} {request.GET.get('problem', '')}"[:400]
    ideas = selectors.similar_ideas(text=text, member=member_for_user(user=request.user))
    return render(request, "voice/_similar.html", {"similar": ideas})


@portal_member_required
@require_http_methods(["GET", "POST"])
def idea_new(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    form = IdeaForm(request.POST or None, member=member)
    similar_ideas: list[Idea] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        similar_ideas = selectors.similar_ideas(text=f"{data['title']} {data['problem']}", member=member)
        if similar_ideas and "confirm" not in request.POST:
            messages.info(request, _("Some ideas look similar: vote for one of them, or submit yours anyway."))
        else:
            try:
                idea = idea_submit(member=member, title=data["title"], problem=data["problem"], jobs=data["jobs"])
            except ValidationError as invalid:
                _errors(request, invalid)
            else:
                messages.success(request, _("Thank you: your idea is published, and you follow it."))
                return redirect(idea)
    return render(
        request,
        "voice/idea_new.html",
        {"form": form, "similar": similar_ideas, "confirming": bool(similar_ideas), "member": member},
    )


@portal_member_required
@require_GET
def idea_detail(request: HttpRequest, pk: int) -> HttpResponse:
    member = member_for_user(user=request.user)
    idea = get_object_or_404(selectors.ideas_visible_to(member=member), pk=pk)
    if idea.status == IdeaStatus.MERGED and idea.merged_into_id:
        messages.info(request, _("This idea was merged into a similar one; its votes and followers moved with it."))
        return redirect("voice:idea", pk=idea.merged_into_id)
    planned = selectors.planned_opportunities().get(idea.opportunity_id) if idea.opportunity_id else None
    return render(
        request,
        "voice/idea_detail.html",
        {
            "idea": idea,
            "comments": idea.comments.select_related("author__user", "author__organisation"),
            "jobs": idea.jobs.all(),
            "vote_form": VoteForm(),
            "comment_form": CommentForm(),
            "planned": planned,
            "may_triage": request.user.has_perm(TRIAGE_PERMISSION),
        },
    )


def _idea_for_action(request: HttpRequest, pk: int) -> tuple[Member, Idea]:
    member = _member(request)
    return member, get_object_or_404(selectors.ideas_visible_to(member=member), pk=pk)


@portal_member_required
@require_POST
def idea_vote(request: HttpRequest, pk: int) -> HttpResponse:
    member, idea = _idea_for_action(request, pk)
    try:
        if request.POST.get("withdraw"):
            vote_withdraw(member=member, idea=idea)
            messages.success(request, _("Your vote is withdrawn."))
        else:
            form = VoteForm(request.POST)
            importance = form.cleaned_data["importance"] if form.is_valid() else ""
            vote_cast(member=member, idea=idea, importance=importance)
            messages.success(request, _("Thank you for your vote."))
    except ValidationError as invalid:
        _errors(request, invalid)
    return redirect(idea)


@portal_member_required
@require_POST
def idea_follow(request: HttpRequest, pk: int) -> HttpResponse:
    member, idea = _idea_for_action(request, pk)
    following = follow_set(member=member, idea=idea, follow=not request.POST.get("stop"))
    messages.success(request, _("You follow this idea.") if following else _("You no longer follow this idea."))
    return redirect(idea)


@portal_member_required
@require_POST
def idea_comment(request: HttpRequest, pk: int) -> HttpResponse:
    member, idea = _idea_for_action(request, pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            comment_add(member=member, idea=idea, body=form.cleaned_data["body"])
            messages.success(request, _("Your comment is posted."))
        except ValidationError as invalid:
            _errors(request, invalid)
    else:
        messages.error(request, _("Write a comment first."))
    return redirect(idea)


@portal_member_required
@require_GET
def my_ideas(request: HttpRequest) -> HttpResponse:
    return render(request, "voice/my_ideas.html", {"rows": selectors.my_ideas(member=_member(request))})


@portal_member_required
@require_GET
def roadmap_items(request: HttpRequest) -> HttpResponse:
    """The published roadmap's items, to vote for and follow."""
    revision, items = selectors.published_items(member=member_for_user(user=request.user))
    return render(request, "voice/roadmap_items.html", {"revision": revision, "items": items, "vote_form": VoteForm()})


def _published_opportunity(pk: int) -> Opportunity:
    if not selectors.is_published_opportunity(pk):
        raise Http404(_("This item is not on the published roadmap."))
    return get_object_or_404(Opportunity, pk=pk)


@portal_member_required
@require_POST
def item_vote(request: HttpRequest, pk: int) -> HttpResponse:
    member, opportunity = _member(request), _published_opportunity(pk)
    try:
        if request.POST.get("withdraw"):
            vote_withdraw(member=member, opportunity=opportunity)
            messages.success(request, _("Your vote is withdrawn."))
        else:
            form = VoteForm(request.POST)
            importance = form.cleaned_data["importance"] if form.is_valid() else ""
            vote_cast(member=member, opportunity=opportunity, importance=importance)
            messages.success(request, _("Thank you for your vote."))
    except ValidationError as invalid:
        _errors(request, invalid)
    return redirect(f"{reverse('voice:roadmap_items')}#item-{pk}")


@portal_member_required
@require_POST
def item_follow(request: HttpRequest, pk: int) -> HttpResponse:
    member, opportunity = _member(request), _published_opportunity(pk)
    following = follow_set(member=member, opportunity=opportunity, follow=not request.POST.get("stop"))
    messages.success(request, _("You follow this item.") if following else _("You no longer follow this item."))
    return redirect(f"{reverse('voice:roadmap_items')}#item-{pk}")


# Staff


def _staff(request: HttpRequest) -> User:
    if not request.user.has_perm(TRIAGE_PERMISSION):
        raise PermissionDenied
    return cast(User, request.user)


@login_required
@require_GET
def triage_queue(request: HttpRequest) -> HttpResponse:
    _staff(request)
    ideas = (
        selectors.ideas_visible_to(member=None)
        .filter(status=IdeaStatus.OPEN)
        .order_by(F("vote_count").desc(), "created_at")
    )
    page = Paginator(ideas, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "voice/triage_queue.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def triage(request: HttpRequest, pk: int) -> HttpResponse:
    by = _staff(request)
    idea = get_object_or_404(Idea.objects.select_related("author__organisation", "opportunity"), pk=pk)
    form = TriageForm(request.POST or None, idea=idea)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["action"] == "new":
                opportunity = idea_triage(idea=idea, by=by, title=data["title"])
                messages.success(request, _("The idea is now the opportunity “%(title)s”.") % {"title": opportunity})
                return redirect("voice:opportunity_votes", pk=opportunity.pk)
            if data["action"] == "existing":
                opportunity = idea_triage(idea=idea, by=by, opportunity=data["opportunity"])
                messages.success(request, _("The idea is taken into “%(title)s”.") % {"title": opportunity})
                return redirect("voice:opportunity_votes", pk=opportunity.pk)
            if data["action"] == "merge":
                idea_merge(idea=idea, into=data["into"], by=by)
                messages.success(request, _("Merged: its votes and followers moved, each member once."))
                return redirect("voice:triage_queue")
            idea_decline(idea=idea, by=by, note=data["note"])
            messages.success(request, _("The idea is declined."))
            return redirect("voice:triage_queue")
        except ValidationError as invalid:
            _errors(request, invalid)
    candidates = selectors.similar_ideas(text=f"{idea.title} {idea.problem}", member=None)
    similar_ideas = [other for other in candidates if other.pk != idea.pk]
    return render(request, "voice/triage.html", {"idea": idea, "form": form, "similar": similar_ideas})


@login_required
@require_GET
def opportunity_votes(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff and leadership: the members' support of an opportunity, by sector and persona."""
    if not (reads_studio(request.user) or request.user.has_perm(TRIAGE_PERMISSION)):
        raise PermissionDenied
    opportunity = get_object_or_404(Opportunity, pk=pk)
    return render(
        request,
        "voice/opportunity_votes.html",
        {
            "opportunity": opportunity,
            "tally": selectors.vote_tally(opportunity=opportunity),
            "ideas": selectors.ideas_visible_to(member=None).filter(opportunity=opportunity),
            "evidence": selectors.evidence_by(field="opportunities", ids=[opportunity.pk]).get(
                opportunity.pk, selectors.NO_EVIDENCE
            ),
        },
    )


# Surveys


@portal_member_required
@require_GET
def survey_list(request: HttpRequest) -> HttpResponse:
    return render(request, "voice/survey_list.html", {"surveys": selectors.open_surveys_for(member=_member(request))})


@portal_member_required
@require_http_methods(["GET", "POST"])
def survey_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """A member answers on one short page (a phone's width is enough); they see their own answers, nobody else's."""
    member = _member(request)
    survey = get_object_or_404(Survey.objects.select_related("persona"), pk=pk, status=SurveyStatus.OPEN)
    jobs = list(survey.jobs.order_by("pk"))
    mine = selectors.my_answers(member=member, survey=survey)
    initial: dict[str, int | None] = {}
    for job_id, (importance, satisfaction) in mine.items():
        initial |= {f"importance_{job_id}": importance, f"satisfaction_{job_id}": satisfaction}
    form = SurveyAnswerForm(request.POST or None, survey=survey, jobs=jobs, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            survey_respond(member=member, survey=survey, answers=form.answers())
        except ValidationError as invalid:
            _errors(request, invalid)
        else:
            messages.success(request, _("Thank you: your answers are saved. Only Knoble staff read them."))
            return redirect("voice:surveys")
    return render(request, "voice/survey_answer.html", {"survey": survey, "form": form, "answered": bool(mine)})


def _research_reader(request: HttpRequest) -> None:
    if not (reads_research(request.user) or request.user.has_perm(TRIAGE_PERMISSION)):
        raise PermissionDenied


@login_required
@require_GET
def survey_results(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff and leadership: the scores this survey gives each job, overall, by sector and by persona."""
    _research_reader(request)
    survey = get_object_or_404(Survey.objects.select_related("persona"), pk=pk)
    return render(request, "voice/survey_results.html", {"results": selectors.survey_results(survey=survey)})


@login_required
@require_http_methods(["GET", "POST"])
def job_scores(request: HttpRequest, pk: int) -> HttpResponse:
    """A job's scores: computed from responses (with the band), typed or overridden (with the reason), and how they
    moved from survey to survey. Staff override or return to the computed scores here."""
    _research_reader(request)
    job = get_object_or_404(JobToBeDone.objects.with_opportunity_score().select_related("persona"), pk=pk)
    may_override = request.user.has_perm("personas.change_jobtobedone")
    form = OverrideForm(request.POST or None)
    if request.method == "POST":
        if not may_override:
            raise PermissionDenied
        by = cast(User, request.user)
        if request.POST.get("clear"):
            job_score_override_clear(job=job, by=by)
            messages.success(request, _("The job's scores follow the members' answers again."))
            return redirect("voice:job_scores", pk=job.pk)
        if form.is_valid():
            try:
                job_score_override(job=job, by=by, **form.cleaned_data)
            except ValidationError as invalid:
                _errors(request, invalid)
            else:
                messages.success(request, _("The job's scores are overridden; the reason is shown beside them."))
                return redirect("voice:job_scores", pk=job.pk)
    return render(
        request,
        "voice/job_scores.html",
        {
            "job": job,
            "trend": selectors.job_trend(job=job),
            "form": form,
            "may_override": may_override,
            "evidence": selectors.evidence_by(field="jobs", ids=[job.pk]).get(job.pk, selectors.NO_EVIDENCE),
        },
    )


# Research


@login_required
@require_GET
def highlights(request: HttpRequest) -> HttpResponse:
    """Staff and leadership: research highlights, by job, persona or opportunity — each with its sector, never a
    participant's name."""
    if not selectors.reads_highlights(request.user):
        raise PermissionDenied
    found = selectors.highlights_visible_to(user=request.user)
    filters = {}
    for name, field in (("job", "jobs"), ("persona", "personas"), ("opportunity", "opportunities")):
        value = request.GET.get(name, "")
        if value.isdigit():
            found = found.filter(**{field: int(value)})
            filters[name] = value
    page = Paginator(found.distinct(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "voice/highlights.html", {"page": page, "filters": filters})


# Notes name their participants: staff who may view research notes read them; everyone else reads highlights.
RESEARCH_NOTE_PERMISSION = "voice.view_researchnote"


@login_required
@require_GET
def research_note(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff: a research note rendered (Markdown, sanitised), with its participant and its highlights' tags."""
    if not request.user.has_perm(RESEARCH_NOTE_PERMISSION):
        raise PermissionDenied
    note = get_object_or_404(
        ResearchNote.objects.select_related("study", "participant__member__user", "written_by"), pk=pk
    )
    highlights = note.highlights.prefetch_related("jobs", "personas", "opportunities", "red_flags").order_by("id")
    return render(
        request,
        "voice/research_note.html",
        {"note": note, "body": mark_safe(safe_markdown(note.body)), "highlights": highlights},  # noqa: S308
    )
