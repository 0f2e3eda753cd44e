"""Initiatives (join and leave through the services), my participations and my notifications."""

from typing import Any, cast

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from core.api_base import (
    ApiFilterSet,
    ModelCheckedSerializer,
    RolePermission,
    StrictModelSerializer,
    boolean_filter,
)
from core.permissions import PORTAL_PERMISSION
from initiatives.models import Initiative, InitiativeKind, InitiativeStatus, Participation
from initiatives.selectors import initiatives_visible_to, participation_of, participations_of
from initiatives.services import initiative_join, initiative_leave, initiative_save
from members.api_auth import IsPortalMember
from members.models import Member, Notification, Source
from members.selectors import member_for_user, notifications_of
from members.services import notification_mark_read, notifications_mark_all_read
from personas.models import Sector


class InitiativeSerializer(ModelCheckedSerializer[Initiative]):
    eligible_sectors = serializers.SerializerMethodField()
    active_count = serializers.IntegerField(read_only=True)
    waitlist_count = serializers.IntegerField(read_only=True)
    my_status = serializers.CharField(
        read_only=True, allow_null=True, help_text=gettext_lazy("Your participation, if any.")
    )

    class Meta:
        model = Initiative
        fields = [
            "id",
            "slug",
            "title",
            "summary",
            "description",
            "kind",
            "status",
            "capacity",
            "has_waitlist",
            "signup_opens_at",
            "signup_closes_at",
            "starts_at",
            "ends_at",
            "is_online",
            "location",
            "eligible_sectors",
            "active_count",
            "waitlist_count",
            "my_status",
        ]

    def get_eligible_sectors(self, initiative: Initiative) -> list[Sector]:
        return [Sector(row.sector) for row in initiative.eligible_sectors.all()]


class ParticipationSerializer(StrictModelSerializer[Participation]):
    initiative = serializers.SlugRelatedField[Participation](slug_field="slug", read_only=True)
    position = serializers.IntegerField(
        read_only=True, allow_null=True, help_text=gettext_lazy("Place in the waitlist; null unless waitlisted.")
    )

    class Meta:
        model = Participation
        fields = ["initiative", "role", "status", "position", "requested_at", "joined_at", "left_at"]
        read_only_fields = fields


class InitiativeFilter(ApiFilterSet):
    kind = filters.ChoiceFilter(choices=InitiativeKind.choices)
    status = filters.ChoiceFilter(choices=InitiativeStatus.choices)
    sector = filters.ChoiceFilter(choices=Sector.choices, method="open_to_sector", label=gettext_lazy("Open to sector"))

    class Meta:
        model = Initiative
        fields = ["kind", "status", "sector"]

    def open_to_sector(self, queryset: QuerySet[Initiative], name: str, value: str) -> QuerySet[Initiative]:
        return queryset.eligible_for_sector(value)  # type: ignore[attr-defined]


class InitiativeViewSet(viewsets.ModelViewSet[Initiative]):
    """Members see every initiative but drafts, join and leave; staff manage them (edits notify participants)."""

    serializer_class = InitiativeSerializer
    permission_classes = [RolePermission]
    read_permissions = (PORTAL_PERMISSION, "initiatives.view_initiative")
    lookup_field = "slug"
    filterset_class = InitiativeFilter
    search_fields = ["title", "summary"]
    ordering_fields = ["starts_at", "title", "created_at"]
    ordering = ["starts_at", "title", "id"]

    def _member(self) -> Member | None:
        return member_for_user(user=self.request.user)

    def get_queryset(self) -> QuerySet[Initiative]:
        return initiatives_visible_to(user=self.request.user, member=self._member())  # type: ignore[arg-type]

    def perform_create(self, serializer: serializers.BaseSerializer[Initiative]) -> None:
        created = initiative_save(
            initiative=Initiative(**serializer.validated_data),
            by=self.request.user,  # type: ignore[arg-type]
            source=Source.API,
        )
        serializer.instance = self.get_queryset().get(pk=created.pk)  # with its counts, for the response

    def perform_update(self, serializer: serializers.BaseSerializer[Initiative]) -> None:
        initiative = cast(Initiative, serializer.instance)  # an update always has its instance
        for name, value in serializer.validated_data.items():
            setattr(initiative, name, value)
        initiative_save(initiative=initiative, by=self.request.user, source=Source.API)  # type: ignore[arg-type]
        serializer.instance = self.get_queryset().get(pk=initiative.pk)  # counts may have moved

    def _participation_response(self, initiative: Initiative, member: Member, code: int) -> Response:
        participation = participation_of(member=member, initiative=initiative)
        return Response(ParticipationSerializer(participation).data, status=code)

    def _acting_member(self) -> Member:
        member = self._member()
        if member is None:
            raise NotFound(_("This account has no member profile."))
        return member

    @extend_schema(request=None, responses={200: ParticipationSerializer})
    @action(detail=True, methods=["post"], permission_classes=[IsPortalMember])
    def join(self, request: Request, slug: str | None = None) -> Response:
        """Join, or take a place in the waitlist when it is full; joining again changes nothing."""
        member, initiative = self._acting_member(), self.get_object()
        initiative_join(member=member, initiative=initiative, source=Source.API)
        return self._participation_response(initiative, member, status.HTTP_200_OK)

    @extend_schema(request=None, responses={200: ParticipationSerializer})
    @action(detail=True, methods=["post"], permission_classes=[IsPortalMember])
    def leave(self, request: Request, slug: str | None = None) -> Response:
        """Give up a place (the first in line is promoted) or a place in the waitlist."""
        member, initiative = self._acting_member(), self.get_object()
        initiative_leave(member=member, initiative=initiative, source=Source.API)
        return self._participation_response(initiative, member, status.HTTP_200_OK)

    @extend_schema(responses={200: ParticipationSerializer})
    @action(detail=True, methods=["get"], permission_classes=[IsPortalMember])
    def participation(self, request: Request, slug: str | None = None) -> Response:
        """My participation in this initiative; 404 when I never asked to join."""
        member, initiative = self._acting_member(), self.get_object()
        participation = participation_of(member=member, initiative=initiative)
        if participation is None:
            raise NotFound(_("You have not asked to join this initiative."))
        return Response(ParticipationSerializer(participation).data)


class MyParticipationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet[Participation]):
    """Everything I take part in, wait for or left, with my waitlist position."""

    serializer_class = ParticipationSerializer
    permission_classes = [IsPortalMember]
    filterset_fields = ["status"]
    ordering_fields = ["requested_at"]

    def get_queryset(self) -> QuerySet[Participation]:
        return participations_of(member=member_for_user(user=self.request.user))


class NotificationSerializer(StrictModelSerializer[Notification]):
    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "created_at", "read_at"]
        read_only_fields = fields


class MarkedReadSerializer(serializers.Serializer[Any]):
    marked = serializers.IntegerField(help_text=gettext_lazy("How many notifications were unread and are now read."))


class NotificationFilter(ApiFilterSet):
    unread = boolean_filter("read_at", lookup_expr="isnull", label=gettext_lazy("Only unread"))

    class Meta:
        model = Notification
        fields = ["kind", "unread"]


class MyNotificationViewSet(viewsets.ReadOnlyModelViewSet[Notification]):
    """My inbox: only my own notifications; somebody else's is not found."""

    serializer_class = NotificationSerializer
    permission_classes = [IsPortalMember]
    filterset_class = NotificationFilter
    ordering_fields = ["created_at"]

    def get_queryset(self) -> QuerySet[Notification]:
        return notifications_of(member=member_for_user(user=self.request.user))

    @extend_schema(request=None, responses={200: NotificationSerializer})
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str | None = None) -> Response:
        notification = self.get_object()
        marked = notification_mark_read(member=notification.member, notification_id=notification.pk)
        return Response(NotificationSerializer(marked).data)

    @extend_schema(request=None, responses={200: MarkedReadSerializer})
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        member = member_for_user(user=request.user)
        marked = notifications_mark_all_read(member=member) if member is not None else 0
        return Response({"marked": marked})
