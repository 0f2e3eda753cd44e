"""The directory's pages. Who sees what is decided by `directory.selectors` for every channel."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.csv_io import write_csv
from directory import selectors, services
from directory.forms import (
    DirectoryFilterForm,
    DirectoryProfileForm,
    IntroductionRequestForm,
    InvitationForm,
    ReasonForm,
)
from directory.models import ProfileJurisdiction, ProfileLanguage
from directory.signals import SESSION_KEY
from members.access import portal_member_required
from members.models import Member

PAGE_SIZE = 25


def _member(request: HttpRequest) -> Member:
    return get_object_or_404(Member.objects.select_related("organisation"), user=request.user)


def _filters(request: HttpRequest) -> tuple[DirectoryFilterForm, selectors.DirectoryFilters]:
    form = DirectoryFilterForm(request.GET or None)
    if form.is_valid():
        data = form.cleaned_data
        return form, selectors.DirectoryFilters(
            q=data["q"],
            expertise=data["expertise"].pk if data["expertise"] else None,
            sector=data["sector"],
            country=data["country"],
            jurisdiction=data["jurisdiction"],
            language=data["language"],
            liaison_role=data["liaison_role"],
        )
    return form, selectors.DirectoryFilters()


@portal_member_required
def directory(request: HttpRequest) -> HttpResponse:
    viewer = selectors.viewer_for(request.user)
    form, filters = _filters(request)
    profiles = selectors.listed_profiles(viewer=viewer, filters=filters)
    page = Paginator(profiles, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "directory/directory.html",
        {
            "form": form,
            "page": page,
            "entries": selectors.entries(profiles=list(page.object_list), viewer=viewer),
            "query": query.urlencode(),
            "viewer": viewer,
            "request_form": IntroductionRequestForm(),
            "is_organisation_admin": viewer.is_organisation_admin,
        },
    )


@portal_member_required
def directory_csv(request: HttpRequest) -> HttpResponse:
    viewer = selectors.viewer_for(request.user)
    _form, filters = _filters(request)
    profiles = list(selectors.listed_profiles(viewer=viewer, filters=filters))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="directory.csv"'
    rows = []
    for entry in selectors.entries(profiles=profiles, viewer=viewer):
        row: dict[str, Any] = entry.as_json()
        rows.append({k: "; ".join(v) if isinstance(v, list) else ("" if v is None else v) for k, v in row.items()})
    write_csv(columns=selectors.ENTRY_COLUMNS, rows=rows, stream=response)
    return response


@portal_member_required
def profile_edit(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    profile = services.profile_of(member)
    form = DirectoryProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            profile.jurisdictions.all().delete()
            ProfileJurisdiction.objects.bulk_create(
                [ProfileJurisdiction(profile=profile, country=code) for code in form.cleaned_data["jurisdiction_codes"]]
            )
            profile.languages.all().delete()
            ProfileLanguage.objects.bulk_create(
                [ProfileLanguage(profile=profile, language=code) for code in form.cleaned_data["language_codes"]]
            )
        messages.success(request, _("Your directory entry is saved."))
        return redirect("directory:profile")
    return render(request, "directory/profile.html", {"form": form, "profile": profile})


@portal_member_required
@require_POST
def introduction_request(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    form = IntroductionRequestForm(request.POST)
    if form.is_valid():
        viewer = selectors.viewer_for(request.user)
        profile = selectors.findable_member(viewer=viewer, member_id=form.cleaned_data["member"])
        if profile is None:
            messages.error(request, _("This member is not in the directory."))
        else:
            try:
                services.introduction_request(
                    requester=member, recipient=profile.member, reason=form.cleaned_data["reason"]
                )
                messages.success(request, _("Your request is sent. You will see their answer under Introductions."))
                return redirect("directory:introductions")
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, _("Say in a sentence why you would like to be introduced."))
    return redirect("directory:directory")


@portal_member_required
def introductions(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    rows = [
        (intro, selectors.contact_details(introduction=intro, member=member))
        for intro in selectors.introductions_of(member=member)[:100]
    ]
    return render(
        request, "directory/introductions.html", {"member": member, "rows": rows, "report_form": ReasonForm()}
    )


@portal_member_required
@require_POST
def introduction_answer(request: HttpRequest, pk: int) -> HttpResponse:
    accept = request.POST.get("answer") == "accept"
    try:
        services.introduction_answer(introduction_id=pk, member=_member(request), accept=accept)
        messages.success(
            request, _("Accepted: you can now see each other's contact details.") if accept else _("Declined.")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("directory:introductions")


@portal_member_required
@require_POST
def introduction_report(request: HttpRequest, pk: int) -> HttpResponse:
    form = ReasonForm(request.POST)
    try:
        services.introduction_report(introduction_id=pk, member=_member(request), reason=form.data.get("reason", ""))
        messages.success(request, _("Thank you: staff will look at this request."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("directory:introductions")


@portal_member_required
def invitations(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_create(
                sponsor=member,
                email=form.cleaned_data["email"],
                organisation=member.organisation if form.cleaned_data["bind_organisation"] else None,
                note=form.cleaned_data["note"],
            )
            messages.success(request, _("Your invitation is on its way."))
            return redirect("directory:invitations")
        except ValidationError as error:
            form.add_error(None, error)
    return render(
        request,
        "directory/invitations.html",
        {
            "form": form,
            "invitations": selectors.invitations_of(sponsor=member)[:100],
            "left": services.invitations_left(member),
        },
    )


def join(request: HttpRequest, token: str) -> HttpResponse:
    """An invitation's link: checked, then kept in the session for the sign-up, which links it to the new member."""
    try:
        invitation = services.invitation_check(token=token)
    except ValidationError as error:
        return render(request, "directory/join_refused.html", {"message": " ".join(error.messages)}, status=410)
    request.session[SESSION_KEY] = token
    return HttpResponseRedirect(f"{reverse('account_signup')}?email={invitation.email}")


@portal_member_required
def organisation(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    if not member.is_organisation_admin:
        return render(request, "403.html", status=403)
    if request.method == "POST":
        form = ReasonForm(request.POST)
        colleague = get_object_or_404(selectors.colleagues_of(admin=member), pk=request.POST.get("member") or 0)
        if form.is_valid():
            try:
                services.suspension_request(by=member, member=colleague, reason=form.cleaned_data["reason"])
                messages.success(request, _("Staff have your request."))
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
        else:
            messages.error(request, _("Say why, for staff."))
        return redirect("directory:organisation")
    return render(
        request,
        "directory/organisation.html",
        {"member": member, "colleagues": selectors.colleagues_of(admin=member), "form": ReasonForm()},
    )
