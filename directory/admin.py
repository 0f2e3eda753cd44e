from typing import Any

from django.contrib import admin
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from directory.models import (
    CoverageTarget,
    DirectoryProfile,
    Expertise,
    Introduction,
    IntroductionReport,
    Invitation,
    OrganisationFact,
    SuspensionRequest,
)
from members.admin import MemberAdmin
from members.models import Member


class SponsoredMemberAdmin(MemberAdmin):
    """The members admin (where staff approve sign-ups) naming who sponsored each invited member."""

    list_display = [*MemberAdmin.list_display, "sponsored_by"]
    readonly_fields = [*MemberAdmin.readonly_fields, "sponsored_by"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Member]:
        sponsor = Invitation.objects.filter(invitee=OuterRef("pk")).values("sponsor__user__email")[:1]
        return super().get_queryset(request).annotate(sponsor_email=Subquery(sponsor))

    @admin.display(description=_("sponsored by"))
    def sponsored_by(self, obj: Any) -> str:
        return getattr(obj, "sponsor_email", None) or "—"


admin.site.unregister(Member)
admin.site.register(Member, SponsoredMemberAdmin)


@admin.register(Expertise)
class ExpertiseAdmin(admin.ModelAdmin[Expertise]):
    list_display = ["name", "kind"]
    list_filter = ["kind"]
    search_fields = ["name"]


@admin.register(DirectoryProfile)
class DirectoryProfileAdmin(admin.ModelAdmin[DirectoryProfile]):
    list_display = ["member", "listed", "liaison_role", "updated_at"]
    list_filter = ["listed", "liaison_role"]
    list_select_related = ["member__user"]
    search_fields = ["member__user__email", "member__user__last_name"]
    autocomplete_fields = ["member"]


@admin.register(OrganisationFact)
class OrganisationFactAdmin(admin.ModelAdmin[OrganisationFact]):
    list_display = ["organisation", "fact", "verified_by", "verified_at"]
    list_select_related = ["organisation", "verified_by"]
    autocomplete_fields = ["organisation"]
    exclude = ["verified_by"]

    def save_model(self, request: HttpRequest, obj: OrganisationFact, form: Any, change: bool) -> None:
        obj.verified_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)


@admin.register(Introduction)
class IntroductionAdmin(admin.ModelAdmin[Introduction]):
    list_display = ["requester", "recipient", "status", "created_at", "expires_at"]
    list_filter = ["status"]
    list_select_related = ["requester__user", "recipient__user"]
    readonly_fields = ["requester", "recipient", "reason", "status", "created_at", "expires_at", "decided_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(IntroductionReport)
class IntroductionReportAdmin(admin.ModelAdmin[IntroductionReport]):
    """Abuse reports on introduction requests (harvesting, spam), for staff."""

    list_display = ["created_at", "reporter", "introduction", "resolved_at"]
    list_filter = [("resolved_at", admin.EmptyFieldListFilter)]
    list_select_related = ["reporter__user", "introduction__requester__user", "introduction__recipient__user"]
    readonly_fields = ["introduction", "reporter", "reason", "created_at"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin[Invitation]):
    list_display = ["email", "sponsor", "organisation", "status", "created_at", "expires_at", "invitee"]
    list_filter = ["status"]
    list_select_related = ["sponsor__user", "organisation", "invitee__user"]
    search_fields = ["email", "sponsor__user__email"]
    readonly_fields = [
        "sponsor",
        "email",
        "organisation",
        "note",
        "status",
        "created_at",
        "expires_at",
        "sent_at",
        "accepted_at",
        "invitee",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(SuspensionRequest)
class SuspensionRequestAdmin(admin.ModelAdmin[SuspensionRequest]):
    """Organisation admins' requests to suspend a colleague who left: staff suspend in the members admin."""

    list_display = ["created_at", "member", "requested_by", "resolved_at"]
    list_filter = [("resolved_at", admin.EmptyFieldListFilter)]
    list_select_related = ["member__user", "requested_by__user"]
    readonly_fields = ["member", "requested_by", "reason", "created_at"]


@admin.register(CoverageTarget)
class CoverageTargetAdmin(admin.ModelAdmin[CoverageTarget]):
    list_display = ["sector", "country", "organisations", "active_members"]
    list_filter = ["sector"]
