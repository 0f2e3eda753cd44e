from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy, ngettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _
from django_countries.fields import Country
from simple_history.admin import SimpleHistoryAdmin

from core.admin import ReadOnlyAdminMixin
from members.consent import consent_give, consent_withdraw, email_consent_wording
from members.models import (
    Activity,
    ApiToken,
    ConsentMethod,
    EmailConsent,
    Member,
    Notification,
    Organisation,
    OrganisationDomain,
    User,
)
from members.services import (
    api_tokens_revoke,
    member_approve,
    member_mark_left,
    member_reinstate,
    member_reject,
    member_suspend,
    notifications_delete,
)

# The fields that carry a person's rights: only a superuser may change them.
RIGHTS_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active", "last_login"]
    list_filter = ["is_staff", "is_active", "groups"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (gettext_lazy("Name"), {"fields": ("first_name", "last_name")}),
        (gettext_lazy("Access"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (gettext_lazy("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        """Rights (superuser, staff, roles, permissions) are granted by superusers only: for anyone else they
        are read-only, so a posted value is ignored and staff cannot raise anyone's rights, their own included."""
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += [name for name in RIGHTS_FIELDS if name not in readonly]
        return readonly

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """A superuser's account (and its password) is changed by superusers only: a new password would let
        anyone else sign in with every right."""
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)


class OrganisationDomainInline(admin.TabularInline[OrganisationDomain, Organisation]):
    model = OrganisationDomain
    extra = 1


class CountryInUseFilter(admin.SimpleListFilter):
    """Lists only the countries that organisations are in, not all 250."""

    title = gettext_lazy("country")
    parameter_name = "country"
    field_path = "country"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        prefix = "organisation__" if model_admin.model is Member else ""
        # order_by() first: with the model's default ordering, DISTINCT would be over (country, ordering) pairs
        # and list a country once per organisation or member.
        codes = set(model_admin.model.objects.order_by().values_list(f"{prefix}country", flat=True).distinct())
        return sorted(((code, str(Country(code=code).name)) for code in codes if code), key=lambda item: item[1])

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if not self.value():
            return queryset
        prefix = "organisation__" if queryset.model is Member else ""
        return queryset.filter(**{f"{prefix}country": self.value()})


@admin.register(Organisation)
class OrganisationAdmin(SimpleHistoryAdmin):
    list_display = ["name", "sector", "country", "created_at"]
    list_filter = ["sector", CountryInUseFilter]
    search_fields = ["name", "domains__domain"]
    inlines = [OrganisationDomainInline]


class MemberActionForm(ActionForm):
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=500,
        help_text=_(
            "Needed to suspend, reinstate or mark as left, and to record e-mail consent at a member's request (say "
            "how and when they asked); kept in the history, never sent to the member."
        ),
    )


ALL_STATUSES = "all"


class StatusFilter(admin.SimpleListFilter):
    """The members list opens on the requests awaiting approval, staff's usual errand; "All" shows everyone.
    The parameter keeps the name of Django's own status filter, so links written for it still work."""

    title = _("status")
    parameter_name = "status__exact"

    def __init__(self, request: HttpRequest, params: Any, model: Any, model_admin: Any) -> None:
        # The list as it opens (no filter, no search, no sorting chosen); an action posted from it acts on the
        # members ticked, whatever their status.
        self.default = Member.Status.PENDING if request.method == "GET" and not request.GET else ALL_STATUSES
        super().__init__(request, params, model, model_admin)

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [(ALL_STATUSES, _("All")), *Member.Status.choices]

    def value(self) -> str:
        return super().value() or self.default

    def choices(self, changelist: Any) -> Any:
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        return queryset if value == ALL_STATUSES else queryset.filter(status=value)


# What each decision says, once per count: "Approved 1 member" / "Approved 2 members".
DECISION_MESSAGES: dict[str, Any] = {
    "approve": ngettext_lazy(
        "Approved %(count)d member; they were told by e-mail.",
        "Approved %(count)d members; each was told by e-mail.",
        "count",
    ),
    "reject": ngettext_lazy(
        "Rejected %(count)d member; they were told by e-mail.",
        "Rejected %(count)d members; each was told by e-mail.",
        "count",
    ),
    "suspend": ngettext_lazy(
        "Suspended %(count)d member; they were told by e-mail.",
        "Suspended %(count)d members; each was told by e-mail.",
        "count",
    ),
    "reinstate": ngettext_lazy(
        "Reinstated %(count)d member; they were told by e-mail.",
        "Reinstated %(count)d members; each was told by e-mail.",
        "count",
    ),
    "mark_left": ngettext_lazy(
        "Marked %(count)d member as left; they were told by e-mail.",
        "Marked %(count)d members as left; each was told by e-mail.",
        "count",
    ),
}


@admin.register(Member)
class MemberAdmin(SimpleHistoryAdmin):
    action_form = MemberActionForm
    # The status right after the name, so it shows at 1280 px beside the filters.
    list_display = ["__str__", "status", "organisation", "email", "job_title", "created_at"]
    list_filter = [StatusFilter, "is_organisation_admin", "organisation__sector", CountryInUseFilter]
    list_select_related = ["user", "organisation"]
    search_fields = ["user__email", "user__first_name", "user__last_name", "organisation__name", "job_title"]
    autocomplete_fields = ["organisation", "user"]
    # Consent changes only through its services, so that each change is in the history below the form.
    readonly_fields = [
        "status",
        "status_changed_at",
        "status_changed_by",
        "consent_email",
        "consent_history",
        "created_at",
    ]
    actions = [
        "approve",
        "reject",
        "suspend",
        "reinstate",
        "mark_left",
        "record_consent_given",
        "record_consent_withdrawn",
    ]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Members are never deleted, so their history stays whole: set them to suspended or left."""
        return False

    @admin.display(ordering="user__email")
    def email(self, obj: Member) -> str:
        return obj.user.email

    @admin.display(description=_("E-mail consent history"))
    def consent_history(self, obj: Member) -> str:
        """Newest first; read-only, since the history is append-only."""
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} {}</td><td>{}</td></tr>",
            (
                (
                    f"{record.recorded_at:%Y-%m-%d %H:%M}",
                    _("given") if record.given else _("withdrawn"),
                    record.get_how_display(),
                    record.by or "",
                    record.wording,
                    f"({record.wording_version})" if record.wording_version else "",
                    record.reason,
                )
                for record in EmailConsent.objects.filter(member=obj).select_related("by")
            ),
        )
        if not rows:
            return str(_("Nothing recorded."))
        header = format_html(
            "<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
            _("When"),
            _("Consent"),
            _("How"),
            _("By"),
            _("Wording shown"),
            _("Reason"),
        )
        return format_html("<table>{}{}</table>", header, rows)

    def _decide(self, request: HttpRequest, queryset: QuerySet[Member], decide: Any, verb: str) -> None:
        done = 0
        for member in queryset.select_related("user"):
            try:
                decide(member=member, by=request.user)
                done += 1
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
        if done:
            self.message_user(request, DECISION_MESSAGES[verb] % {"count": done}, messages.SUCCESS)

    @admin.action(description=_("Approve selected members"), permissions=["change"])
    def approve(self, request: HttpRequest, queryset: QuerySet[Member]) -> None:
        self._decide(request, queryset, member_approve, "approve")

    @admin.action(description=_("Reject selected members"), permissions=["change"])
    def reject(self, request: HttpRequest, queryset: QuerySet[Member]) -> None:
        self._decide(request, queryset, member_reject, "reject")

    def _change_status(self, request: HttpRequest, queryset: QuerySet[Member], change: Any, verb: str) -> None:
        reason = request.POST.get("reason", "")
        self._decide(request, queryset, lambda *, member, by: change(member=member, by=by, reason=reason), verb)

    @admin.action(description=_("Suspend selected members (give a reason)"), permissions=["change"])
    def suspend(self, request: HttpRequest, queryset: QuerySet[Member]) -> None:
        self._change_status(request, queryset, member_suspend, "suspend")

    @admin.action(description=_("Reinstate selected members (give a reason)"), permissions=["change"])
    def reinstate(self, request: HttpRequest, queryset: QuerySet[Member]) -> None:
        self._change_status(request, queryset, member_reinstate, "reinstate")

    @admin.action(description=_("Mark selected members as left (give a reason)"), permissions=["change"])
    def mark_left(self, request: HttpRequest, queryset: QuerySet[Member]) -> None:
        self._change_status(request, queryset, member_mark_left, "mark_left")

    def _record_consent(self, request: HttpRequest, queryset: QuerySet[Member], record: Any) -> int:
        reason, done = request.POST.get("reason", ""), 0
        for member in queryset:
            try:
                record(
                    member=member,
                    how=ConsentMethod.STAFF,
                    wording=email_consent_wording(),
                    by=request.user,
                    reason=reason,
                )
                done += 1
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
                break
        return done

    @admin.action(
        description=_("Record e-mail consent given at the member's request (give a reason)"), permissions=["change"]
    )
    def record_consent_given(self, request: HttpRequest, queryset: QuerySet[Member]) -> None:
        done = self._record_consent(request, queryset, consent_give)
        if done:
            message = ngettext(
                "Recorded e-mail consent for %(count)d member.", "Recorded e-mail consent for %(count)d members.", done
            )
            self.message_user(request, message % {"count": done}, messages.SUCCESS)

    @admin.action(
        description=_("Record e-mail consent withdrawn at the member's request (give a reason)"),
        permissions=["change"],
    )
    def record_consent_withdrawn(self, request: HttpRequest, queryset: QuerySet[Member]) -> None:
        done = self._record_consent(request, queryset, consent_withdraw)
        if done:
            message = ngettext(
                "Recorded the withdrawal of e-mail consent for %(count)d member.",
                "Recorded the withdrawal of e-mail consent for %(count)d members.",
                done,
            )
            self.message_user(request, message % {"count": done}, messages.SUCCESS)


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[Activity]):
    """Read-only: activity is append-only and written by the portal, never edited by hand."""

    list_display = ["occurred_at", "member", "verb", "source", "subject_type", "subject_id"]
    list_filter = ["verb", "source", "occurred_at"]
    list_select_related = ["member__user", "subject_type"]
    search_fields = ["member__user__email"]
    date_hierarchy = "occurred_at"
    show_full_result_count = False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    """Staff see every token (never its secret, which is not stored) and revoke a leaked one; people create
    their own on their profile, and service accounts get theirs from `manage.py create_api_token`."""

    list_display = ["name", "user", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at", "expires_at"]
    list_select_related = ["user"]
    search_fields = ["user__email", "name", "prefix"]
    fields = ("user", "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at")
    readonly_fields = ("user", "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at")
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Revoke selected tokens"), permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        revoked = api_tokens_revoke(tokens=queryset)
        self.message_user(request, _("Revoked %(count)s token(s).") % {"count": revoked}, messages.SUCCESS)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin[Notification]):
    """Read-only: notices are written by services."""

    list_display = ["created_at", "member", "kind", "title", "read_at"]
    list_filter = ["kind", "created_at"]
    list_select_related = ["member__user"]
    search_fields = ["member__user__email", "title"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: Notification) -> None:
        notifications_delete(Notification.objects.filter(pk=obj.pk))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        notifications_delete(queryset)
