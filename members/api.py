"""My profile, activity (mine, or everyone's for staff) and the activity batch endpoint."""

from datetime import timedelta
from typing import Any
from zoneinfo import available_timezones

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.generics import RetrieveUpdateAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle

from core.api_base import (
    ApiFilterBackend,
    ApiFilterSet,
    Conflict,
    StrictCharField,
    StrictModelSerializer,
    UtcIsoDateTimeFilter,
)
from core.api_limits import ActivityBatchThrottle, ActivityCursorPagination, TokenRateThrottle
from members.api_auth import IsPortalMember
from members.models import VERB_ORIGINS, Activity, Member, Origin, Source, Verb
from members.selectors import activities_visible_to
from members.services import (
    ActivityEvent,
    member_mark_left,
    member_profile_update,
    member_reinstate,
    member_suspend,
    record_activity_batch,
)
from personas.models import Persona

BATCH_LIMIT = 1000
# Clocks of integrating systems drift; an event further in the future than this is a mistake.
CLOCK_SKEW = timedelta(minutes=5)
TIMEZONES = sorted(available_timezones())


class MeSerializer(StrictModelSerializer[Member]):
    email = serializers.EmailField(source="user.email", read_only=True)
    first_name = StrictCharField(source="user.first_name", max_length=150, required=False, allow_blank=True)
    last_name = StrictCharField(source="user.last_name", max_length=150, required=False, allow_blank=True)
    organisation = serializers.StringRelatedField[Member]()
    persona = serializers.PrimaryKeyRelatedField[Persona](
        queryset=Persona.objects.filter(is_active=True), allow_null=True, required=False
    )
    timezone = serializers.ChoiceField(choices=TIMEZONES, required=False)

    class Meta:
        model = Member
        fields = [
            "email",
            "first_name",
            "last_name",
            "organisation",
            "job_title",
            "persona",
            "status",
            "consent_email",
            "timezone",
        ]
        # Consent is given where its wording is shown (sign-up, the profile page), never through the API.
        read_only_fields = ["email", "organisation", "status", "consent_email"]


class MeView(RetrieveUpdateAPIView[Member]):
    """The caller's own member profile; a change is recorded as activity (field names, never values)."""

    serializer_class = MeSerializer
    permission_classes = [permissions.IsAuthenticated, IsPortalMember]
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self) -> Member:
        return get_object_or_404(
            Member.objects.select_related("user", "organisation"),
            user=self.request.user,
        )

    def perform_update(self, serializer: serializers.BaseSerializer[Member]) -> None:
        data = dict(serializer.validated_data)
        user_fields = data.pop("user", {})
        serializer.instance = member_profile_update(
            member=self.get_object(), user_fields=user_fields, member_fields=data
        )


class ActivitySerializer(StrictModelSerializer[Activity]):
    subject_type = serializers.SlugRelatedField[Activity](slug_field="model", read_only=True, allow_null=True)

    class Meta:
        model = Activity
        fields = [
            "id",
            "member",
            "verb",
            "subject_type",
            "subject_id",
            "occurred_at",
            "source",
            "origin",
            "details",
            "client_id",
        ]
        read_only_fields = fields


class ActivityFilter(ApiFilterSet):
    occurred_after = UtcIsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    occurred_before = UtcIsoDateTimeFilter(field_name="occurred_at", lookup_expr="lt")

    class Meta:
        model = Activity
        fields = ["member", "verb", "source", "origin", "occurred_after", "occurred_before"]


class CanRecordActivityBatch(permissions.BasePermission):
    message = gettext_lazy("Only staff and service tokens with the batch permission may post activity.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.has_perm("members.record_activity_batch"))


class ActivityEventSerializer(serializers.Serializer[Any]):
    client_id = serializers.UUIDField(
        help_text=gettext_lazy("Chosen by the client; a resent event with the same id is skipped.")
    )
    member = serializers.IntegerField(min_value=1)
    verb = serializers.ChoiceField(choices=Verb.choices)
    origin = serializers.ChoiceField(
        choices=Origin.choices,
        required=False,
        help_text=_(
            "Who caused the event: the member, staff on their behalf, or the system. Must be one the verb "
            "allows; left out, the verb's usual origin."
        ),
    )
    occurred_at = serializers.DateTimeField()
    subject_type = serializers.RegexField(
        r"^[a-z_]+\.[a-z_]+$",
        required=False,
        allow_null=True,
        help_text=gettext_lazy("app_label.model, e.g. initiatives.initiative"),
    )
    subject_id = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    details = serializers.DictField(required=False, default=dict)

    def validate_occurred_at(self, value: Any) -> Any:
        if value > timezone.now() + CLOCK_SKEW:
            raise serializers.ValidationError(_("An event cannot have happened in the future."))
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if (attrs.get("subject_type") is None) != (attrs.get("subject_id") is None):
            raise serializers.ValidationError(_("Give both subject_type and subject_id, or neither."))
        return attrs


class ActivityBatchSerializer(serializers.Serializer[Any]):
    events = ActivityEventSerializer(many=True, min_length=1, max_length=BATCH_LIMIT)  # type: ignore[call-arg]

    def validate_events(self, events: list[dict[str, Any]]) -> list[ActivityEvent]:
        """Checks the whole batch in two queries (members, content types) before anything is stored."""
        member_ids = {event["member"] for event in events}
        known_members = set(Member.objects.filter(pk__in=member_ids).values_list("pk", flat=True))
        labels = {event["subject_type"] for event in events if event.get("subject_type")}
        app_labels = {label.split(".")[0] for label in labels}
        types = {f"{ct.app_label}.{ct.model}": ct.pk for ct in ContentType.objects.filter(app_label__in=app_labels)}
        errors: dict[str, Any] = {}
        seen: set[Any] = set()
        for index, event in enumerate(events):
            problems: dict[str, list[str]] = {}
            if event["member"] not in known_members:
                problems["member"] = [_("There is no member %(member)s.") % {"member": event["member"]}]
            if event.get("subject_type") and event["subject_type"] not in types:
                problems["subject_type"] = [
                    _("Unknown subject type %(subject_type)r.") % {"subject_type": event["subject_type"]}
                ]
            if event.get("origin") and event["origin"] not in VERB_ORIGINS[event["verb"]]:
                allowed = ", ".join(VERB_ORIGINS[event["verb"]])
                problems["origin"] = [
                    _("“%(verb)s” may only have the origin %(allowed)s.") % {"verb": event["verb"], "allowed": allowed}
                ]
            if event["client_id"] in seen:
                problems["client_id"] = [_("This client id appears twice in the batch.")]
            seen.add(event["client_id"])
            if problems:
                errors[str(index)] = problems
        if errors:
            raise serializers.ValidationError(errors)
        return [
            ActivityEvent(
                client_id=event["client_id"],
                member_id=event["member"],
                verb=event["verb"],
                occurred_at=event["occurred_at"],
                subject_type_id=types.get(event.get("subject_type") or ""),
                subject_id=event.get("subject_id"),
                details=event.get("details") or {},
                origin=event.get("origin"),
            )
            for event in events
        ]


class ActivityBatchResultSerializer(serializers.Serializer[Any]):
    received = serializers.IntegerField()
    stored = serializers.IntegerField(
        help_text=gettext_lazy("New events; the others had been stored before (same client id).")
    )


class ActivityViewSet(viewsets.ReadOnlyModelViewSet[Activity]):
    """My own activity; staff read everyone's. Newest first, by cursor: the table only grows."""

    serializer_class = ActivitySerializer
    permission_classes = [permissions.IsAuthenticated, IsPortalMember]
    pagination_class = ActivityCursorPagination
    filterset_class = ActivityFilter
    filter_backends = [ApiFilterBackend]

    def get_queryset(self) -> QuerySet[Activity]:
        return activities_visible_to(user=self.request.user)  # type: ignore[arg-type]

    def get_throttles(self) -> list[BaseThrottle]:
        if self.action == "batch":
            return [ActivityBatchThrottle(), TokenRateThrottle()]
        return super().get_throttles()

    @extend_schema(request=ActivityBatchSerializer, responses={200: ActivityBatchResultSerializer})
    @action(detail=False, methods=["post"], permission_classes=[CanRecordActivityBatch])
    def batch(self, request: Request) -> Response:
        """Up to 1,000 events, all validated before any is stored; a resend stores nothing twice."""
        serializer = ActivityBatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        events = serializer.validated_data["events"]
        stored = record_activity_batch(events=events, source=Source.API)
        return Response({"received": len(events), "stored": stored})


# Lives here, not beside the authentication class: importing drf-spectacular there would be circular.
class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "members.api_auth.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": "A personal API token from your profile."}


class PortalSessionScheme(SessionScheme):
    """The portal's session authentication is DRF's with the account's standing checked: the same cookie."""

    target_class = "members.api_auth.PortalSessionAuthentication"


class StaffMemberSerializer(StrictModelSerializer[Member]):
    email = serializers.EmailField(source="user.email", read_only=True)
    organisation = serializers.StringRelatedField[Member]()

    class Meta:
        model = Member
        fields = ["id", "email", "organisation", "job_title", "status", "status_changed_at", "created_at"]
        read_only_fields = fields


class StatusChangeSerializer(serializers.Serializer[Any]):
    reason = StrictCharField(
        max_length=500, help_text=gettext_lazy("Kept in the member's history; never sent to the member.")
    )


class CanManageMembers(permissions.BasePermission):
    message = gettext_lazy("Only staff may manage members.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.has_perm("members.change_member"))


class MemberViewSet(viewsets.ReadOnlyModelViewSet[Member]):
    """Staff: every member, and their status changes (each with a reason, kept in history; the member is told
    by e-mail). A change the member's status does not allow is a 409 and changes nothing."""

    serializer_class = StaffMemberSerializer
    permission_classes = [permissions.IsAuthenticated, CanManageMembers]
    queryset = Member.objects.select_related("user", "organisation").order_by("-created_at", "-id")
    filterset_fields = ["status"]

    def _change(self, request: Request, change: Any) -> Response:
        body = StatusChangeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            member = change(member=self.get_object(), by=request.user, reason=body.validated_data["reason"])
        except DjangoValidationError as error:
            if hasattr(error, "error_dict"):
                raise serializers.ValidationError(error.message_dict) from error
            raise Conflict(" ".join(error.messages)) from error
        return Response(StaffMemberSerializer(member).data)

    @extend_schema(request=StatusChangeSerializer, responses={200: StaffMemberSerializer})
    @action(detail=True, methods=["post"])
    def suspend(self, request: Request, pk: str | None = None) -> Response:
        """Suspend an approved member: their tokens are revoked and their sessions ended at once."""
        return self._change(request, member_suspend)

    @extend_schema(request=StatusChangeSerializer, responses={200: StaffMemberSerializer})
    @action(detail=True, methods=["post"])
    def reinstate(self, request: Request, pk: str | None = None) -> Response:
        """Reinstate a suspended member."""
        return self._change(request, member_reinstate)

    @extend_schema(request=StatusChangeSerializer, responses={200: StaffMemberSerializer})
    @action(detail=True, methods=["post"])
    def leave(self, request: Request, pk: str | None = None) -> Response:
        """Mark an approved or suspended member as having left: as a suspension, for good."""
        return self._change(request, member_mark_left)
