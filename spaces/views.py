"""The pages of a space. Each starts with `selectors.space_access`, which answers 404 to anyone who may not enter;
writes go through `spaces.services`."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST, require_safe

from initiatives.models import Participation, ParticipationStatus
from initiatives.services import attendance_record
from members.access import portal_member_required
from members.models import Member
from sharing.models import Channel
from sharing.services import access_record, access_records
from spaces import forms, selectors, services
from spaces.models import DOCUMENT_SPEC, POST_SPEC, Document, PostReport
from spaces.selectors import Level, SpaceAccess


def _errors(request: HttpRequest, error: ValidationError | PermissionDenied) -> None:
    text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error) or _("Not allowed.")
    messages.error(request, text)


def _member_or_404(access: SpaceAccess) -> Member:
    if access.member is None:
        raise Http404
    return access.member


def _back(access: SpaceAccess, anchor: str = "") -> HttpResponse:
    return redirect(reverse("spaces:space", kwargs={"slug": access.initiative.slug}) + anchor)


@portal_member_required
@require_safe
def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "spaces/index.html",
        {
            "spaces": selectors.spaces_overview(user=request.user),
            "search_form": forms.SearchForm(),
            "report_count": selectors.report_queue(user=request.user).count(),
        },
    )


@portal_member_required
@require_safe
def search(request: HttpRequest) -> HttpResponse:
    form = forms.SearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    results = selectors.search(user=request.user, query=query)
    access_record(user=request.user, objects=results, spec=POST_SPEC, channel=Channel.LIST)
    return render(request, "spaces/search.html", {"form": form, "query": query, "results": results})


def _owners(initiative: Any) -> list[tuple[int, str]]:
    rows = (
        Participation.objects.filter(initiative=initiative, status=ParticipationStatus.ACTIVE)
        .select_related("member__user")
        .order_by("member__user__last_name", "member__user__first_name")
    )
    return [(row.member_id, row.member.user.display_name) for row in rows]


@portal_member_required
@require_safe
def space(request: HttpRequest, slug: str) -> HttpResponse:
    access = selectors.space_access(user=request.user, slug=slug, at_least=Level.PREVIEW)
    if not access.may_read:
        return render(
            request,
            "spaces/preview.html",
            {"initiative": access.initiative, "counts": selectors.space_counts(initiative=access.initiative)},
        )
    current = services.space_opened(access=access)
    context: dict[str, Any] = {
        "access": access,
        "initiative": access.initiative,
        "space": current,
        "threads": list(selectors.threads_of(space=current, user=request.user)),
        "documents": list(selectors.documents_of(space=current, user=request.user)),
        "sessions": selectors.sessions_of(initiative=access.initiative, user=request.user),
        "actions": list(selectors.action_items_of(space=current)),
        "thread_form": forms.ThreadForm(),
        "document_form": forms.DocumentForm(prefix="document"),
        "follow_form": forms.FollowForm(initial={"level": selectors.follow_level(space=current, member=access.member)}),
        "handle": services.handle(access.member) if access.member else "",
    }
    # Lists of TLP:AMBER and tighter are logged too (one insert per list).
    access_records(
        user=request.user,
        shown=[(context["threads"], POST_SPEC), (context["documents"], DOCUMENT_SPEC)],
        channel=Channel.LIST,
    )
    if access.may_moderate:
        context["session_form"] = forms.SessionForm(prefix="session")
        context["action_form"] = forms.ActionItemForm(owners=_owners(access.initiative), prefix="action")
    return render(request, "spaces/space.html", context)


@portal_member_required
@require_POST
def thread_new(request: HttpRequest, slug: str) -> HttpResponse:
    access = selectors.space_access(user=request.user, slug=slug)
    member = _member_or_404(access)
    form = forms.ThreadForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the thread a title and a message."))
        return _back(access, "#new-thread-heading")
    try:
        thread = services.thread_start(initiative=access.initiative, member=member, **form.cleaned_data)
    except (ValidationError, PermissionDenied) as error:
        _errors(request, error)
        return _back(access, "#new-thread-heading")
    return redirect(thread.get_absolute_url())


@portal_member_required
@require_safe
def thread(request: HttpRequest, slug: str, pk: str) -> HttpResponse:
    access = selectors.space_access(user=request.user, slug=slug)
    current = services.space_opened(access=access)
    found = selectors.thread_for(space=current, user=request.user, pk=pk)
    posts = list(selectors.posts_of(thread=found, user=request.user))
    access_record(user=request.user, objects=[found, *posts], spec=POST_SPEC, channel=Channel.PAGE)
    return render(
        request,
        "spaces/thread.html",
        {
            "access": access,
            "initiative": access.initiative,
            "thread": found,
            "posts": posts,
            "reply_form": forms.ReplyForm(),
            "member": access.member,
        },
    )


def _thread_url(access: SpaceAccess, pk: int, anchor: str = "") -> str:
    return reverse("spaces:thread", kwargs={"slug": access.initiative.slug, "pk": pk}) + anchor


@portal_member_required
@require_POST
def reply(request: HttpRequest, slug: str, pk: str) -> HttpResponse:
    access = selectors.space_access(user=request.user, slug=slug)
    member = _member_or_404(access)
    found = selectors.thread_for(space=services.space_opened(access=access), user=request.user, pk=pk)
    form = forms.ReplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a reply first."))
        return redirect(_thread_url(access, found.pk, "#reply-heading"))
    try:
        post = services.post_reply(thread=found, member=member, **form.cleaned_data)
    except (ValidationError, PermissionDenied) as error:
        _errors(request, error)
        return redirect(_thread_url(access, found.pk, "#reply-heading"))
    return redirect(_thread_url(access, found.pk, f"#post-{post.pk}"))


@portal_member_required
def post_edit(request: HttpRequest, slug: str, pk: str) -> HttpResponse:
    access = selectors.space_access(user=request.user, slug=slug)
    member = _member_or_404(access)
    post = selectors.post_for(space=services.space_opened(access=access), user=request.user, pk=pk)
    if post.author_id != member.pk:
        raise Http404
    form = forms.EditForm(request.POST or None, initial={"body": post.body})
    if request.method == "POST" and form.is_valid():
        try:
            services.post_edit(post=post, member=member, body=form.cleaned_data["body"])
        except (ValidationError, PermissionDenied) as error:
            _errors(request, error)
        else:
            messages.success(request, _("Your post was changed; the earlier text is kept in its history."))
            return redirect(_thread_url(access, post.thread_id, f"#post-{post.pk}"))
    return render(request, "spaces/post_edit.html", {"initiative": access.initiative, "post": post, "form": form})


@portal_member_required
@require_POST
def post_moderate(request: HttpRequest, slug: str, pk: str) -> HttpResponse:
    access = selectors.space_access(user=request.user, slug=slug, at_least=Level.MODERATOR)
    post = selectors.post_for(space=services.space_opened(access=access), user=request.user, pk=pk)
    form = forms.ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why."))
    else:
        action = services.post_unhide if request.POST.get("action") == "unhide" else services.post_hide
        try:
            action(post=post, by=request.user, reason=form.cleaned_data["reason"])  # type: ignore[arg-type]
        except (ValidationError, PermissionDenied) as error:
            _errors(request, error)
    return redirect(_thread_url(access, post.thread_id, f"#post-{post.pk}"))


@portal_member_required
@require_POST
def thread_moderate(request: HttpRequest, slug: str, pk: str) -> HttpResponse:
    access = selectors.space_access(user=request.user, slug=slug, at_least=Level.MODERATOR)
    found = selectors.thread_for(space=services.space_opened(access=access), user=request.user, pk=pk)
    form = forms.ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why."))
    else:
        try:
            services.thread_moderate(
                thread=found,
                by=request.user,  # type: ignore[arg-type]
                kind=request.POST.get("kind", ""),
                reason=form.cleaned_data["reason"],
            )
        except (ValidationError, PermissionDenied) as error:
            _errors(request, error)
    return redirect(_thread_url(access, found.pk))


@portal_member_required
@require_POST
def post_report(request: HttpRequest, slug: str, pk: str) -> HttpResponse:
    access = selectors.space_access(user=request.user, slug=slug)
    member = _member_or_404(access)
    post = selectors.post_for(space=services.space_opened(access=access), user=request.user, pk=pk)
    form = forms.ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say what is wrong with the post."))
    else:
        try:
            services.post_report(post=post, member=member, reason=form.cleaned_data["reason"])
        except (ValidationError, PermissionDenied) as error:
            _errors(request, error)
        else:
            messages.success(request, _("Thank you: the moderators will look at the post."))
    return redirect(_thread_url(access, post.thread_id, f"#post-{post.pk}"))


@portal_member_required
@require_safe
def reports(request: HttpRequest) -> HttpResponse:
    queue: QuerySet[PostReport] = selectors.report_queue(user=request.user)
    return render(request, "spaces/reports.html", {"reports": list(queue)})


@portal_member_required
@require_POST
def report_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.report_queue(user=request.user).filter(pk=pk).first()
    if report is None:
        raise Http404
    form = forms.ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why."))
    else:
        services.report_dismiss(report=report, by=request.user, reason=form.cleaned_data["reason"])  # type: ignore[arg-type]
        messages.success(request, _("The report was dismissed."))
    return redirect("spaces:reports")


@portal_member_required
@require_POST
def follow(request: HttpRequest, slug: str) -> HttpResponse:
    access = selectors.space_access(user=request.user, slug=slug)
    member = _member_or_404(access)
    form = forms.FollowForm(request.POST)
    if form.is_valid():
        services.follow_set(initiative=access.initiative, member=member, level=form.cleaned_data["level"])
        messages.success(request, _("Your notification setting for this space was saved."))
    return _back(access, "#follow-heading")


@portal_member_required
@require_POST
def document_upload(request: HttpRequest, slug: str) -> HttpResponse:
    access = selectors.space_access(user=request.user, slug=slug)
    member = _member_or_404(access)
    form = forms.DocumentForm(request.POST, request.FILES, prefix="document")
    if not form.is_valid():
        messages.error(request, _("Choose a file to upload."))
        return _back(access, "#documents-heading")
    upload = form.cleaned_data["file"]
    try:
        services.document_upload(
            initiative=access.initiative,
            member=member,
            data=upload,
            filename=upload.name,
            size=upload.size,
            title=form.cleaned_data["title"],
            label=form.cleaned_data["label"],
        )
    except (ValidationError, PermissionDenied) as error:
        _errors(request, error)
    else:
        messages.success(request, _("The document was uploaded."))
    return _back(access, "#documents-heading")


@portal_member_required
@require_POST
def document_version(request: HttpRequest, slug: str, pk: str) -> HttpResponse:
    access = selectors.space_access(user=request.user, slug=slug)
    member = _member_or_404(access)
    document: Document = selectors.document_for(space=services.space_opened(access=access), user=request.user, pk=pk)
    form = forms.VersionForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file to upload."))
        return _back(access, "#documents-heading")
    upload = form.cleaned_data["file"]
    try:
        services.document_upload(
            initiative=access.initiative,
            member=member,
            data=upload,
            filename=upload.name,
            size=upload.size,
            document=document,
        )
    except (ValidationError, PermissionDenied) as error:
        _errors(request, error)
    else:
        messages.success(request, _("A new version was uploaded; the earlier ones are kept."))
    return _back(access, "#documents-heading")


def download_response(*, user: Any, access: SpaceAccess, pk: str, number: str, channel: Channel) -> FileResponse:
    """The one way a document's bytes leave: for someone who may read the space and see the document's label,
    as an attachment the browser must not sniff. The page and the API both answer with it."""
    version = selectors.version_of(space=services.space_opened(access=access), user=user, pk=pk, number=number)
    access_record(user=user, objects=[version.document], spec=DOCUMENT_SPEC, channel=channel)
    response = FileResponse(
        version.file.open("rb"), as_attachment=True, filename=version.filename, content_type=version.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@portal_member_required
@require_GET
def document_download(request: HttpRequest, slug: str, pk: str, number: str) -> HttpResponse:
    access = selectors.space_access(user=request.user, slug=slug)
    # A FileResponse streams (it is no HttpResponse), which the portal decorator's type does not foresee.
    return download_response(  # type: ignore[return-value]
        user=request.user, access=access, pk=pk, number=number, channel=Channel.PAGE
    )


@portal_member_required
@require_POST
def session_new(request: HttpRequest, slug: str) -> HttpResponse:
    access = selectors.space_access(user=request.user, slug=slug, at_least=Level.MODERATOR)
    form = forms.SessionForm(request.POST, prefix="session")
    if not form.is_valid():
        messages.error(request, _("Give the session a date and time."))
        return _back(access, "#sessions-heading")
    session = services.session_schedule(
        initiative=access.initiative,
        by=request.user,  # type: ignore[arg-type]
        starts_at=form.cleaned_data["starts_at"],
        title=form.cleaned_data["title"],
    )
    return redirect("spaces:session", slug=slug, pk=session.pk)


@portal_member_required
def session(request: HttpRequest, slug: str, pk: str) -> HttpResponse:
    access = selectors.space_access(user=request.user, slug=slug)
    services.space_opened(access=access)
    found = selectors.session_for(initiative=access.initiative, pk=pk)
    notes = selectors.notes_for(session=found, user=request.user)
    form = None
    if access.may_moderate:
        initial = (
            {"agenda": notes.agenda, "notes": notes.notes, "decisions": notes.decisions, "label": notes.label}
            if notes
            else {}
        )
        form = forms.NotesForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            services.session_notes_save(session=found, by=request.user, **form.cleaned_data)  # type: ignore[arg-type]
            messages.success(request, _("The session's notes were saved."))
            return redirect("spaces:session", slug=slug, pk=found.pk)
    elif request.method == "POST":
        raise Http404
    attended = set(found.attendances.values_list("member_id", flat=True))
    return render(
        request,
        "spaces/session.html",
        {
            "access": access,
            "initiative": access.initiative,
            "session": found,
            "notes": notes,
            "form": form,
            "roster": [(member_id, name, member_id in attended) for member_id, name in _owners(access.initiative)],
            "action_items": list(found.action_items.select_related("owner__user")),
            "action_form": forms.ActionItemForm(owners=_owners(access.initiative), prefix="action")
            if access.may_moderate
            else None,
        },
    )


@portal_member_required
@require_POST
def attendance(request: HttpRequest, slug: str, pk: str) -> HttpResponse:
    """The lead records who attended, through the initiatives' own service (attendance lives there)."""
    access = selectors.space_access(user=request.user, slug=slug, at_least=Level.MODERATOR)
    found = selectors.session_for(initiative=access.initiative, pk=pk)
    member = Member.objects.filter(pk=request.POST.get("member") or 0).first()
    if member is None:
        raise Http404
    try:
        attendance_record(session=found, member=member, by=request.user)  # type: ignore[arg-type]
    except (ValidationError, PermissionDenied) as error:
        _errors(request, error)
    return redirect(reverse("spaces:session", kwargs={"slug": slug, "pk": found.pk}) + "#attendance-heading")


@portal_member_required
@require_POST
def action_new(request: HttpRequest, slug: str) -> HttpResponse:
    access = selectors.space_access(user=request.user, slug=slug, at_least=Level.MODERATOR)
    form = forms.ActionItemForm(request.POST, owners=_owners(access.initiative), prefix="action")
    session_pk = request.POST.get("session") or ""
    found = selectors.session_for(initiative=access.initiative, pk=session_pk) if session_pk else None
    target = (
        reverse("spaces:session", kwargs={"slug": slug, "pk": found.pk}) + "#actions-heading"
        if found
        else reverse("spaces:space", kwargs={"slug": slug}) + "#actions-heading"
    )
    if not form.is_valid():
        messages.error(request, _("Say what is to be done, by whom and by when."))
        return redirect(target)
    owner = Member.objects.select_related("user").get(pk=form.cleaned_data["owner"])
    try:
        services.action_item_create(
            initiative=access.initiative,
            by=request.user,  # type: ignore[arg-type]
            title=form.cleaned_data["title"],
            owner=owner,
            due_on=form.cleaned_data["due_on"],
            session=found,
        )
    except (ValidationError, PermissionDenied) as error:
        _errors(request, error)
    return redirect(target)


@portal_member_required
@require_POST
def action_state(request: HttpRequest, slug: str, pk: str) -> HttpResponse:
    access = selectors.space_access(user=request.user, slug=slug)
    item = (
        selectors.action_items_of(space=services.space_opened(access=access))
        .filter(pk=pk if pk.isdigit() else 0)
        .first()
    )
    if item is None:
        raise Http404
    form = forms.ActionStateForm(request.POST)
    if form.is_valid():
        try:
            services.action_item_set_state(item=item, by=request.user, state=form.cleaned_data["state"])  # type: ignore[arg-type]
        except (ValidationError, PermissionDenied) as error:
            _errors(request, error)
    return _back(access, "#actions-heading")
