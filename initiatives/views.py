import csv
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST, require_safe

from core.spreadsheets import spreadsheet_cell
from initiatives import selectors
from initiatives.calendar import calendar_for
from initiatives.filters import InitiativeFilter
from initiatives.models import Initiative, InitiativeSession, Participation, ParticipationStatus
from initiatives.services import (
    attendance_record,
    calendar_feed_mark_fetched,
    calendar_feed_reset,
    calendar_feed_revoke,
    initiative_join,
    initiative_leave,
    may_record_attendance,
    waitlist_position,
)
from members.access import portal_member_required
from members.models import Member, Notification, Verb
from members.selectors import latest_notifications, member_for_user
from members.services import notification_mark_read, notifications_mark_all_read, record_activity
from roadmap.selectors import latest_published_revision, published_view

PAGE_SIZE = 20
MY_CALENDAR_NAME = "My Knoble initiatives"
# A new feed's secret waits in the server-side session for the one page after the redirect, so that
# reloading the page shows it no more and makes no second address.
SHOW_ONCE_SESSION_KEY = "initiatives.new_calendar_feed"


def _member(request: HttpRequest) -> Member | None:
    return member_for_user(user=request.user)


def _approved_member(request: HttpRequest) -> Member:
    member = _member(request)
    if member is None:
        raise Http404(_("This account has no member profile."))
    return member


def home(request: HttpRequest) -> HttpResponse:
    """The site's front door: the landing page for visitors, "for you" for members."""
    if not request.user.is_authenticated:
        return landing(request)
    return for_you(request)


def landing(request: HttpRequest) -> HttpResponse:
    """What The Knoble is, who may join and how, and the published roadmap's themes (the horizons' names,
    months and themes only: what is planned in them stays for members)."""
    revision = latest_published_revision()
    themes = [horizon for horizon in published_view(revision) if horizon.theme] if revision else []
    return render(request, "members/landing.html", {"themes": themes})


@login_required
def for_you(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    context: dict[str, Any] = {"member": member}
    new_feed_secret = request.session.pop(SHOW_ONCE_SESSION_KEY, None) if request.method == "GET" else None
    if member is not None:
        mine = selectors.my_participations(member=member)
        checklist = selectors.onboarding_checklist(
            member=member,
            has_joined=any(p.status == ParticipationStatus.ACTIVE for p in mine)
            or selectors.has_ever_joined(member=member),
        )
        context |= {
            "my_participations": mine,
            "recommendations": selectors.recommendations(member=member),
            "notifications": latest_notifications(member=member),
            "checklist": checklist if not all(step.done for step in checklist) else [],
            "now": timezone.now(),
            "calendar_feed": selectors.calendar_feed_of(member=member),
            "new_feed_url": _feed_url(new_feed_secret) if new_feed_secret else None,
        }
    response = render(request, "initiatives/home.html", context)
    if new_feed_secret:
        add_never_cache_headers(response)
    return response


def _feed_url(secret: str) -> str:
    return f"{settings.SITE_URL}{reverse('initiatives:calendar_feed', args=[secret])}"


@portal_member_required
@require_GET
def initiative_list(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    filterset = InitiativeFilter(request.GET or None, queryset=selectors.initiatives_with_counts(member))
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "initiatives/list.html",
        {"filter": filterset, "page": page, "query": query.urlencode(), "member": member},
    )


def _detail_context(*, member: Member | None, initiative: Initiative) -> dict[str, Any]:
    participation, participants = selectors.participation_and_co_participants(member=member, initiative=initiative)
    eligible = member is not None and initiative.is_open_to(member)
    full = initiative.capacity is not None and initiative.active_count >= initiative.capacity  # type: ignore[attr-defined]
    return {
        "initiative": initiative,
        "member": member,
        "participation": participation,
        "taking_part": participation is not None and participation.status != ParticipationStatus.LEFT,
        "participants": participants,
        "signup_open": initiative.signup_is_open_at(timezone.now()),
        "eligible": eligible,
        "full": full,
    }


def _initiative_or_404(*, slug: str, request: HttpRequest, with_links: bool = False) -> Initiative:
    try:
        return selectors.initiative_for_viewer(slug=slug, user=request.user, with_links=with_links)  # type: ignore[arg-type]
    except Initiative.DoesNotExist:
        raise Http404(_("No such initiative.")) from None


@portal_member_required
@require_GET
def initiative_detail(request: HttpRequest, slug: str) -> HttpResponse:
    member = _member(request)
    initiative = _initiative_or_404(slug=slug, request=request, with_links=True)
    if member is not None:
        record_activity(member=member, verb=Verb.INITIATIVE_VIEWED, subject=initiative)
    stages, red_flags = selectors.ecosystem_links(initiative=initiative, user=request.user)  # type: ignore[arg-type]
    context = _detail_context(member=member, initiative=initiative) | {"stages": stages, "red_flags": red_flags}
    return render(request, "initiatives/detail.html", context)


def _after_change(
    request: HttpRequest, *, slug: str, member: Member, ok: str | None, error: str | None
) -> HttpResponse:
    """htmx swaps the participation panel in place; without JavaScript the browser follows a redirect."""
    if request.htmx:  # type: ignore[attr-defined]
        initiative = _initiative_or_404(slug=slug, request=request)
        context = _detail_context(member=member, initiative=initiative) | {"notice": ok, "error": error}
        return render(request, "initiatives/_participation.html", context)
    if error:
        messages.error(request, error)
    elif ok:
        messages.success(request, ok)
    return redirect("initiatives:detail", slug=slug)


def _joined_message(participation: Participation) -> str:
    if participation.status == ParticipationStatus.ACTIVE:
        return _("You are taking part in “%(initiative)s”.") % {"initiative": participation.initiative}
    position = waitlist_position(participation)
    return _("“%(initiative)s” is full: you are number %(position)s on the waitlist.") % {
        "initiative": participation.initiative,
        "position": position,
    }


@portal_member_required
@require_POST
def join(request: HttpRequest, slug: str) -> HttpResponse:
    member = _approved_member(request)
    initiative = get_object_or_404(Initiative.objects.visible(), slug=slug)
    try:
        participation = initiative_join(member=member, initiative=initiative)
    except ValidationError as error:
        return _after_change(request, slug=slug, member=member, ok=None, error=" ".join(error.messages))
    return _after_change(request, slug=slug, member=member, ok=_joined_message(participation), error=None)


@portal_member_required
@require_POST
def leave(request: HttpRequest, slug: str) -> HttpResponse:
    member = _approved_member(request)
    initiative = get_object_or_404(Initiative.objects.visible(), slug=slug)
    try:
        initiative_leave(member=member, initiative=initiative)
    except ValidationError as error:
        return _after_change(request, slug=slug, member=member, ok=None, error=" ".join(error.messages))
    return _after_change(
        request,
        slug=slug,
        member=member,
        ok=_("You have left “%(initiative)s”.") % {"initiative": initiative},
        error=None,
    )


def _ics_response(body: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@portal_member_required
@require_GET
def initiative_calendar(request: HttpRequest, slug: str) -> HttpResponse:
    initiative = _initiative_or_404(slug=slug, request=request)
    if initiative.starts_at is None:
        raise Http404(_("This initiative has no dates yet."))
    body = calendar_for([initiative], name=initiative.title, stamp=timezone.now())
    return _ics_response(body, f"{initiative.slug}.ics")


@portal_member_required
@require_GET
def my_calendar(request: HttpRequest) -> HttpResponse:
    member = _approved_member(request)
    body = calendar_for(selectors.calendar_initiatives(member=member), name=MY_CALENDAR_NAME, stamp=timezone.now())
    return _ics_response(body, "my-knoble-initiatives.ics")


# No login: calendar apps fetch without cookies, so the secret in the address is the credential.
@require_safe
def calendar_feed(request: HttpRequest, secret: str) -> HttpResponse:
    """The same calendar as `my_calendar`, for the member whose feed the secret opens. Served inline, not as an
    attachment: calendar apps subscribe to it."""
    feed = selectors.calendar_feed_for_secret(secret=secret)
    if feed is None:
        raise Http404(_("No such calendar feed."))
    calendar_feed_mark_fetched(feed=feed)
    body = calendar_for(selectors.calendar_initiatives(member=feed.member), name=MY_CALENDAR_NAME, stamp=timezone.now())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    # Who takes part in what is sensitive: no shared cache may keep it, and no search engine index it.
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _feed_section() -> str:
    return f"{reverse('initiatives:home')}#calendar-feed"


@portal_member_required
@require_POST
def calendar_feed_subscribe(request: HttpRequest) -> HttpResponse:
    member = _approved_member(request)
    replacing = selectors.calendar_feed_of(member=member) is not None
    try:
        request.session[SHOW_ONCE_SESSION_KEY] = calendar_feed_reset(member=member)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(_feed_section())
    if replacing:
        messages.success(request, _("Your calendar feed has a new address: the old address no longer works."))
    else:
        messages.success(request, _("Your calendar feed is ready: copy its address into your calendar app."))
    # No fragment: a browser skips autofocus on a page opened at one, and the address field should have it.
    return redirect("initiatives:home")


@portal_member_required
@require_POST
def calendar_feed_stop(request: HttpRequest) -> HttpResponse:
    member = _approved_member(request)
    if calendar_feed_revoke(member=member):
        messages.success(request, _("Your calendar feed is stopped: its address no longer works."))
    else:
        messages.info(request, _("You had no calendar feed to stop."))
    return redirect(_feed_section())


@login_required
@permission_required("initiatives.view_participation", raise_exception=True)
@require_GET
def participants(request: HttpRequest, slug: str) -> HttpResponse:
    initiative = _initiative_or_404(slug=slug, request=request)
    rows = selectors.roster(initiative=initiative)
    active = [row for row in rows if row.status == ParticipationStatus.ACTIVE]
    sheet = selectors.attendance_sheet(initiative=initiative, now=timezone.now())
    return render(
        request,
        "initiatives/participants.html",
        {
            "initiative": initiative,
            "active": active,
            "waitlist": [row for row in rows if row.status == ParticipationStatus.WAITLISTED],
            "sector_mix": selectors.sector_mix(initiative=initiative),
            "sheet": sheet,
            "attendance_rows": [
                (row, [(session, (session.pk, row.member_id) in sheet.attended) for session in sheet.sessions])
                for row in active
            ],
            "may_record": may_record_attendance(user=request.user, initiative=initiative),  # type: ignore[arg-type]
        },
    )


@login_required
@permission_required("initiatives.view_participation", raise_exception=True)
@require_POST
def attendance(request: HttpRequest, slug: str, session_id: int) -> HttpResponse:
    """One click per member and session on the participants page."""
    initiative = _initiative_or_404(slug=slug, request=request)
    session = get_object_or_404(InitiativeSession, pk=session_id, initiative=initiative)
    member = get_object_or_404(Member, pk=request.POST.get("member"))
    try:
        attendance_record(session=session, member=member, by=request.user)  # type: ignore[arg-type]
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except PermissionDenied as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("%(member)s attended %(session)s.") % {"member": member.user.display_name, "session": session}
        )
    return redirect(reverse("initiatives:participants", kwargs={"slug": initiative.slug}) + "#sessions-heading")


@login_required
@permission_required("initiatives.view_participation", raise_exception=True)
@require_GET
def participants_csv(request: HttpRequest, slug: str) -> HttpResponse:
    initiative = _initiative_or_404(slug=slug, request=request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{initiative.slug}-participants.csv"'
    writer = csv.writer(response)
    writer.writerow(["name", "email", "organisation", "sector", "role", "status", "waitlist position", "requested"])
    for row in selectors.roster(initiative=initiative):
        organisation = row.member.organisation
        writer.writerow(
            [
                spreadsheet_cell(row.member.user.display_name),
                spreadsheet_cell(row.member.user.email),
                spreadsheet_cell(organisation.name if organisation else ""),
                organisation.get_sector_display() if organisation else "",
                row.get_role_display(),
                row.get_status_display(),
                row.position or "",  # type: ignore[attr-defined]
                row.requested_at.isoformat(),
            ]
        )
    return response


@portal_member_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    inbox = Notification.objects.filter(member=member) if member else Notification.objects.none()
    page = Paginator(inbox, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "initiatives/notifications.html", {"page": page})


@portal_member_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    member = _approved_member(request)
    try:
        notification = notification_mark_read(member=member, notification_id=pk)
    except Notification.DoesNotExist:
        raise Http404(_("No such notification.")) from None
    if request.POST.get("open") and url_has_allowed_host_and_scheme(notification.url, allowed_hosts=None):
        return redirect(notification.url)  # site-relative only (also a database constraint)
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "initiatives/_notification.html", {"notification": notification})
    return redirect("initiatives:notifications")


@portal_member_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    member = _approved_member(request)
    count = notifications_mark_all_read(member=member)
    messages.success(
        request,
        _("Marked %(count)s notification(s) as read.") % {"count": count} if count else _("Nothing was unread."),
    )
    return redirect("initiatives:notifications")
