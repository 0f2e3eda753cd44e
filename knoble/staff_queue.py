"""What waits for staff, shown at the top of the admin index: counts with links to the lists that hold them.

The wiring assembles it because it spans apps (members, ecosystem); each entry shows only to staff who may
view the list it links to."""

from dataclasses import dataclass
from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ecosystem.models import RedFlag, ReviewState, Suggestion, SuggestionStatus
from members.models import Member
from translations.models import Translation


@dataclass(frozen=True)
class Waiting:
    label: str
    count: int
    url: str


def staff_queue(*, user: Any) -> list[Waiting]:
    """Members awaiting approval, suggestions to review, red flags to verify and stale translations, for the lists
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
    ]
    return [
        Waiting(label=str(label), count=queryset.count(), url=url)
        for permission, label, queryset, url in entries
        if user.has_perm(permission)
    ]


def install(site: admin.AdminSite) -> None:
    """Adds the queue to the admin index's context (templates/admin/index.html shows it)."""
    index = site.index

    def index_with_queue(request: HttpRequest, extra_context: dict[str, Any] | None = None) -> TemplateResponse:
        return index(request, extra_context={**(extra_context or {}), "staff_queue": staff_queue(user=request.user)})

    site.index = index_with_queue  # type: ignore[method-assign]
