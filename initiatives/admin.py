from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from initiatives.models import (
    CalendarFeed,
    EligibleSector,
    Initiative,
    InitiativeSession,
    InitiativeStatus,
    Participation,
    ParticipationStatus,
)
from initiatives.services import (
    calendar_feeds_revoke,
    initiative_save,
    initiative_set_status,
    participation_add,
    participation_remove,
    participation_set_role,
)
from members.models import User


class EligibleSectorInline(admin.TabularInline[EligibleSector, Initiative]):
    model = EligibleSector
    extra = 0
    verbose_name_plural = gettext_lazy("eligible sectors (none: every sector)")


class ParticipationInline(admin.TabularInline[Participation, Initiative]):
    """Adding a row adds the member through the service (queued when full); roles change through it too.
    To remove someone use the Participations list, which frees the place for the waitlist."""

    model = Participation
    extra = 0
    fields = ["member", "role", "status", "requested_at", "joined_at", "left_at"]
    readonly_fields = ["status", "requested_at", "joined_at", "left_at"]
    autocomplete_fields = ["member"]
    can_delete = False
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[Participation]:
        return super().get_queryset(request).select_related("member__user")


class SessionInline(admin.TabularInline[InitiativeSession, Initiative]):
    """Dated sessions; attendance is recorded on the participants page, one click per member."""

    model = InitiativeSession
    extra = 0
    fields = ["starts_at", "title"]


@admin.register(Initiative)
class InitiativeAdmin(SimpleHistoryAdmin):
    list_display = ["title", "kind", "status", "starts_at", "capacity", "taking_part", "waiting", "participants_page"]
    list_filter = [
        "status",
        "kind",
        "is_online",
        "eligible_sectors__sector",
        "target_personas",
        "roadmap_item__horizon",
        "starts_at",
    ]
    list_select_related = ["lead"]
    search_fields = ["title", "summary", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["lead", "target_personas", "roadmap_item", "stages", "red_flags"]
    date_hierarchy = "starts_at"
    inlines = [EligibleSectorInline, SessionInline, ParticipationInline]
    actions = ["open_signup", "close_signup", "cancel"]
    fieldsets = (
        (None, {"fields": ("title", "slug", "summary", "description", "kind", "status", "lead")}),
        (gettext_lazy("Who"), {"fields": ("target_personas", "capacity", "has_waitlist")}),
        (gettext_lazy("When and where"), {"fields": ("signup_opens_at", "signup_closes_at", "starts_at", "ends_at")}),
        (gettext_lazy("Place"), {"fields": ("is_online", "location")}),
        (gettext_lazy("Launched from and working on"), {"fields": ("roadmap_item", "stages", "red_flags")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Initiative]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                active_count=Count("participations", filter=Q(participations__status=ParticipationStatus.ACTIVE)),
                waitlist_count=Count("participations", filter=Q(participations__status=ParticipationStatus.WAITLISTED)),
            )
        )

    @admin.display(description=gettext_lazy("taking part"), ordering="active_count")
    def taking_part(self, obj: Initiative) -> int:
        return obj.active_count  # type: ignore[attr-defined]

    @admin.display(description=gettext_lazy("waiting"), ordering="waitlist_count")
    def waiting(self, obj: Initiative) -> int:
        return obj.waitlist_count  # type: ignore[attr-defined]

    @admin.display(description=gettext_lazy("roster"))
    def participants_page(self, obj: Initiative) -> str:
        return format_html('<a href="{}">Participants</a>', reverse("initiatives:participants", args=[obj.slug]))

    def save_model(self, request: HttpRequest, obj: Initiative, form: ModelForm[Initiative], change: bool) -> None:
        # Through the service: participants hear about changes of date, place and status.
        initiative_save(initiative=obj, by=request.user)  # type: ignore[arg-type]

    def save_formset(
        self, request: HttpRequest, form: ModelForm[Initiative], formset: BaseInlineFormSet[Any, Any, Any], change: bool
    ) -> None:
        if formset.model is not Participation:
            super().save_formset(request, form, formset, change)
            return
        by: User = request.user  # type: ignore[assignment]
        # The admin's change message reads what formset.save() would have recorded.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.forms:
            if not inline_form.has_changed() or not inline_form.is_valid():
                continue
            row: Participation = inline_form.instance
            role = inline_form.cleaned_data["role"]
            try:
                if row.pk is None:
                    participation_add(
                        initiative=form.instance, member=inline_form.cleaned_data["member"], by=by, role=role
                    )
                elif "member" in inline_form.changed_data:
                    raise ValidationError(
                        _("A participation cannot move to another member: add the new member instead.")
                    )
                else:
                    participation_set_role(participation=row, role=role, by=by)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)

    def _set_status(self, request: HttpRequest, queryset: QuerySet[Initiative], status: InitiativeStatus) -> None:
        for initiative in queryset:
            initiative_set_status(initiative=initiative, status=status, by=request.user)  # type: ignore[arg-type]
        self.message_user(
            request,
            _("%(count)s initiative(s) now %(label)s; participants were notified.")
            % {"count": queryset.count(), "label": status.label.lower()},
        )

    @admin.action(description=gettext_lazy("Open sign-up for selected initiatives"), permissions=["change"])
    def open_signup(self, request: HttpRequest, queryset: QuerySet[Initiative]) -> None:
        self._set_status(request, queryset, InitiativeStatus.OPEN)

    @admin.action(description=gettext_lazy("Close sign-up for selected initiatives"), permissions=["change"])
    def close_signup(self, request: HttpRequest, queryset: QuerySet[Initiative]) -> None:
        self._set_status(request, queryset, InitiativeStatus.CLOSED)

    @admin.action(
        description=gettext_lazy("Cancel selected initiatives (notifies participants)"), permissions=["change"]
    )
    def cancel(self, request: HttpRequest, queryset: QuerySet[Initiative]) -> None:
        self._set_status(request, queryset, InitiativeStatus.CANCELLED)


@admin.register(Participation)
class ParticipationAdmin(SimpleHistoryAdmin):
    list_display = ["member", "initiative", "role", "status", "requested_at", "joined_at", "left_at"]
    list_filter = ["status", "role", "member__organisation__sector", "initiative"]
    list_select_related = ["member__user", "initiative"]
    search_fields = ["member__user__email", "member__user__last_name", "initiative__title"]
    autocomplete_fields = ["member", "initiative"]
    readonly_fields = ["member", "initiative", "status", "requested_at", "joined_at", "left_at"]
    fields = ["member", "initiative", "role", "status", "requested_at", "joined_at", "left_at"]
    actions = ["remove", "make_co_lead", "make_participant", "make_observer"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # add members from the initiative's page, where capacity and the queue apply

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # rows stay, as history: remove a member with the action instead

    def save_model(
        self, request: HttpRequest, obj: Participation, form: ModelForm[Participation], change: bool
    ) -> None:
        participation_set_role(participation=obj, role=obj.role, by=request.user)  # type: ignore[arg-type]

    @admin.action(
        description=gettext_lazy("Remove selected members (frees their places for the waitlist)"),
        permissions=["change"],
    )
    def remove(self, request: HttpRequest, queryset: QuerySet[Participation]) -> None:
        for participation in queryset.select_related("initiative"):
            participation_remove(participation=participation, by=request.user)  # type: ignore[arg-type]
        self.message_user(request, _("Removed %(count)s participation(s).") % {"count": queryset.count()})

    def _role(self, request: HttpRequest, queryset: QuerySet[Participation], role: str) -> None:
        for participation in queryset:
            participation_set_role(participation=participation, role=role, by=request.user)  # type: ignore[arg-type]
        self.message_user(request, _("Changed the role of %(count)s participation(s).") % {"count": queryset.count()})

    @admin.action(description=gettext_lazy("Make co-lead"), permissions=["change"])
    def make_co_lead(self, request: HttpRequest, queryset: QuerySet[Participation]) -> None:
        self._role(request, queryset, "co_lead")

    @admin.action(description=gettext_lazy("Make participant"), permissions=["change"])
    def make_participant(self, request: HttpRequest, queryset: QuerySet[Participation]) -> None:
        self._role(request, queryset, "participant")

    @admin.action(description=gettext_lazy("Make observer"), permissions=["change"])
    def make_observer(self, request: HttpRequest, queryset: QuerySet[Participation]) -> None:
        self._role(request, queryset, "observer")


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin[CalendarFeed]):
    """Staff see who has a calendar feed (never its digest) and stop a leaked one; members make their own on
    their home page."""

    list_display = ["member", "created_at", "last_fetched_at"]
    list_filter = ["created_at", "last_fetched_at"]
    list_select_related = ["member__user"]
    search_fields = ["member__user__email", "member__user__last_name"]
    fields = ["member", "created_at", "last_fetched_at"]
    readonly_fields = ["member", "created_at", "last_fetched_at"]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a secret is made only where the member can see it once

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        """Revoking is deleting the row: one action, named for what it means, instead of two."""
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description=gettext_lazy("Revoke selected calendar feeds"), permissions=["delete"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[CalendarFeed]) -> None:
        revoked = calendar_feeds_revoke(feeds=queryset)
        self.message_user(
            request,
            _("Revoked %(revoked)s calendar feed(s): their addresses no longer work.") % {"revoked": revoked},
            messages.SUCCESS,
        )
