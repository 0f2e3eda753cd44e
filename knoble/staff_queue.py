"""What waits for staff, shown at the top of the admin index: counts with links to the lists that hold them.

The wiring assembles it because it spans apps (members, ecosystem, directory, translations, and the triage pages of
voice, spaces and outcomes); each entry shows only to staff who may view the list it links to."""

from dataclasses import dataclass
from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.permissions import RED_FLAG_CHANGE_PERMISSION
from directory.models import IntroductionReport, SuspensionRequest
from ecosystem.models import RedFlag, ReviewState, Suggestion, SuggestionStatus
from members.models import Member
from outcomes.review import review_queue
from spaces.models import PostReport
from spaces.selectors import SPACE_STAFF_PERMISSION
from translations.models import Translation
from voice.models import Idea, IdeaStatus
from voice.views import TRIAGE_PERMISSION


@dataclass(frozen=True)
class Waiting:
    label: str
    count: int
    url: str


def staff_queue(*, user: Any) -> list[Waiting]:
    """Members awaiting approval, suggestions to review, red flags to verify, stale translations, organisation admins'
    suspension requests, reported introductions and the triage queues of voice, spaces and outcomes, for the lists
    `user` may see."""
    entries = [
        (
            "members.view_member",
            _("Members awaiting approval"),
            Member.objects.filter(status=Member.Status.PENDING),
            reverse("admin:members_member_changelist") + f"?status__exact={Member.Status.PENDING}",
        ),
        (
            "ecosystem.view_suggestion",
            _("Suggestions to review"),
            Suggestion.objects.filter(status=SuggestionStatus.PENDING),
            reverse("admin:ecosystem_suggestion_changelist") + f"?status={SuggestionStatus.PENDING}",
        ),
        (
            "ecosystem.view_redflag",
            _("Red flags to verify"),
            RedFlag.objects.filter(review_state=ReviewState.IN_REVIEW),
            reverse("admin:ecosystem_redflag_changelist") + f"?review_state__exact={ReviewState.IN_REVIEW}",
        ),
        (
            # Translations whose English text changed since: the translators' queue lists them by language.
            "translations.view_translation",
            _("Translations gone stale"),
            Translation.objects.stale(),
            reverse("admin:translations_queue"),
        ),
        (
            "directory.view_suspensionrequest",
            _("Suspension requests from organisation admins"),
            SuspensionRequest.objects.filter(resolved_at__isnull=True),
            reverse("admin:directory_suspensionrequest_changelist") + "?resolved_at__isempty=1",
        ),
        (
            "directory.view_introductionreport",
            _("Reported introduction requests"),
            IntroductionReport.objects.filter(resolved_at__isnull=True),
            reverse("admin:directory_introductionreport_changelist") + "?resolved_at__isempty=1",
        ),
    ]
    # The triage pages of spaces, voice and outcomes live outside the admin; they are listed here with their counts.
    entries += [
        (
            TRIAGE_PERMISSION,
            _("Ideas to triage"),
            Idea.objects.filter(status=IdeaStatus.OPEN),
            reverse("voice:triage_queue"),
        ),
        (
            SPACE_STAFF_PERMISSION,
            _("Reported posts in spaces"),
            PostReport.objects.filter(resolved_at__isnull=True),
            reverse("spaces:reports"),
        ),
    ]
    waiting = [
        Waiting(label=str(label), count=queryset.count(), url=url)
        for permission, label, queryset, url in entries
        if user.has_perm(permission)
    ]
    if user.has_perm(RED_FLAG_CHANGE_PERMISSION):
        # Proposals are computed from the reports (outcomes/review.py), not stored: counted by computing them.
        waiting.append(
            Waiting(
                label=str(_("Red flags with outcome evidence to review")),
                count=len(review_queue()),
                url=reverse("outcomes:review"),
            )
        )
    return waiting


def install(site: admin.AdminSite) -> None:
    """Adds the queue to the admin index's context (templates/admin/index.html shows it)."""
    index = site.index

    def index_with_queue(request: HttpRequest, extra_context: dict[str, Any] | None = None) -> TemplateResponse:
        return index(request, extra_context={**(extra_context or {}), "staff_queue": staff_queue(user=request.user)})

    site.index = index_with_queue  # type: ignore[method-assign]
