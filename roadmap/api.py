"""The strategy studio over the API: ideation, opportunities and their scores, prioritisation models with
ranking and comparison, and roadmaps with items, revisions and diffs. Members see only what was published."""

from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from core.api_base import (
    ModelCheckedSerializer,
    RolePermission,
    StrictModelSerializer,
)
from core.permissions import DASHBOARD_PERMISSION, PORTAL_PERMISSION
from personas.models import JobToBeDone
from roadmap.models import (
    Criterion,
    IdeationSession,
    ItemStatus,
    Opportunity,
    OpportunityStatus,
    PrioritisationModel,
    Roadmap,
    RoadmapRevision,
)
from roadmap.ranking import compare_models, rank_opportunities
from roadmap.revisions import revision_diff
from roadmap.selectors import PUBLISHED_FIELDS, reads_studio, roadmaps_visible_to
from roadmap.services import roadmap_create, roadmap_item_rows, roadmap_publish

STUDIO_READ = (DASHBOARD_PERMISSION, "roadmap.view_opportunity")


class IdeationSessionSerializer(ModelCheckedSerializer[IdeationSession]):
    class Meta:
        model = IdeationSession
        fields = ["id", "title", "held_on", "facilitator", "personas", "notes"]
        read_only_fields = ["facilitator"]


class IdeationSessionViewSet(viewsets.ModelViewSet[IdeationSession]):
    serializer_class = IdeationSessionSerializer
    permission_classes = [RolePermission]
    read_permissions = (DASHBOARD_PERMISSION, "roadmap.view_ideationsession")
    queryset = IdeationSession.objects.prefetch_related("personas").order_by("-held_on", "title", "id")
    filterset_fields = {"held_on": ["gte", "lte"]}
    search_fields = ["title", "notes"]
    ordering_fields = ["held_on", "title"]

    def perform_create(self, serializer: serializers.BaseSerializer[IdeationSession]) -> None:
        serializer.save(facilitator=self.request.user)


class OpportunitySerializer(ModelCheckedSerializer[Opportunity]):
    effort_weeks = serializers.DecimalField(max_digits=6, decimal_places=1, min_value=Decimal("0.1"), required=False)

    class Meta:
        model = Opportunity
        fields = [
            "id",
            "session",
            "title",
            "description",
            "jobs",
            "depends_on",
            "owner",
            "status",
            "effort_weeks",
            "created_at",
        ]
        read_only_fields = ["owner", "created_at"]


class OpportunityScoreSerializer(serializers.Serializer[Any]):
    model = serializers.IntegerField()
    model_name = serializers.CharField()
    score = serializers.FloatField(
        allow_null=True, help_text=gettext_lazy("Null when a rating is missing (unrated, not zero).")
    )
    rank = serializers.IntegerField(allow_null=True)


class OpportunityViewSet(viewsets.ModelViewSet[Opportunity]):
    """Staff manage opportunities; leadership reads them. Their scores come from every prioritisation model."""

    serializer_class = OpportunitySerializer
    permission_classes = [RolePermission]
    read_permissions = STUDIO_READ
    queryset = Opportunity.objects.prefetch_related(
        Prefetch("jobs", queryset=JobToBeDone.objects.only("id")),
        Prefetch("depends_on", queryset=Opportunity.objects.only("id")),
    ).order_by("title", "id")
    filterset_fields = ["status", "session"]
    search_fields = ["title", "description"]
    ordering_fields = ["title", "created_at", "effort_weeks"]

    def perform_create(self, serializer: serializers.BaseSerializer[Opportunity]) -> None:
        serializer.save(owner=self.request.user)

    @extend_schema(responses={200: OpportunityScoreSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def scores(self, request: Request, pk: str | None = None) -> Response:
        """The opportunity's score and rank in each prioritisation model (one query per model)."""
        opportunity = self.get_object()
        rows = []
        for model in PrioritisationModel.objects.order_by("name"):
            ranked = next(row for row in rank_opportunities(model=model).rows if row.pk == opportunity.pk)
            rows.append({"model": model.pk, "model_name": model.name, "score": ranked.score, "rank": ranked.rank})
        return Response(OpportunityScoreSerializer(rows, many=True).data)


class CriterionSerializer(StrictModelSerializer[Criterion]):
    class Meta:
        model = Criterion
        fields = ["id", "name", "weight", "direction", "scale_min", "scale_max", "role", "source", "position"]
        read_only_fields = fields


class PrioritisationModelSerializer(ModelCheckedSerializer[PrioritisationModel]):
    criteria = CriterionSerializer(many=True, read_only=True)

    class Meta:
        model = PrioritisationModel
        fields = ["id", "name", "description", "formula", "criteria", "created_at"]
        read_only_fields = ["created_at"]


class RankedSerializer(serializers.Serializer[Any]):
    opportunity = serializers.IntegerField(source="pk")
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=OpportunityStatus.choices)
    score = serializers.FloatField(
        allow_null=True, help_text=gettext_lazy("Null when a rating is missing (unrated, not zero).")
    )
    rank = serializers.IntegerField(allow_null=True)


class ComparedSerializer(serializers.Serializer[Any]):
    opportunity = serializers.IntegerField(source="pk")
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=OpportunityStatus.choices)
    first_score = serializers.FloatField(allow_null=True)
    first_rank = serializers.IntegerField(allow_null=True)
    second_score = serializers.FloatField(allow_null=True)
    second_rank = serializers.IntegerField(allow_null=True)
    change = serializers.IntegerField(allow_null=True, help_text=gettext_lazy("Places gained in the second model."))


STATUS_PARAMETER = OpenApiParameter(
    "status", str, many=True, enum=OpportunityStatus.values, description="Only opportunities of these statuses."
)


class PrioritisationModelViewSet(viewsets.ModelViewSet[PrioritisationModel]):
    """Staff define models (criteria in the admin); leadership reads rankings and comparisons."""

    serializer_class = PrioritisationModelSerializer
    permission_classes = [RolePermission]
    read_permissions = (DASHBOARD_PERMISSION, "roadmap.view_prioritisationmodel")
    queryset = PrioritisationModel.objects.prefetch_related("criteria").order_by("name", "id")
    filterset_fields = ["formula"]
    search_fields = ["name"]
    ordering_fields = ["name", "created_at"]
    # The ranking and the comparison take several statuses (`?status=planned&status=shortlisted`).
    repeatable_query_params = ("status",)

    def _statuses(self) -> list[str] | None:
        statuses = self.request.query_params.getlist("status")
        unknown = set(statuses) - set(OpportunityStatus.values)
        if unknown:
            raise serializers.ValidationError({"status": [f"Unknown status: {', '.join(sorted(unknown))}."]})
        return statuses or None

    @extend_schema(parameters=[STATUS_PARAMETER], responses={200: RankedSerializer(many=True)})
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def ranking(self, request: Request, pk: str | None = None) -> Response:
        """Every opportunity scored and ranked in one SQL query; an unrated one has a null score."""
        ranking = rank_opportunities(model=self.get_object(), statuses=self._statuses())
        return Response(RankedSerializer(ranking.rows, many=True).data)

    @extend_schema(
        parameters=[STATUS_PARAMETER, OpenApiParameter("with", int, required=True, description="The other model.")],
        responses={200: ComparedSerializer(many=True)},
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def compare(self, request: Request, pk: str | None = None) -> Response:
        """The rank of every opportunity in this model and another, and the change."""
        other_id = request.query_params.get("with", "")
        if not other_id.isdigit():
            raise serializers.ValidationError({"with": [_("Give the id of the model to compare with.")]})
        other = get_object_or_404(self.get_queryset(), pk=int(other_id))
        rows = compare_models(first=self.get_object(), second=other, statuses=self._statuses())
        return Response(ComparedSerializer(rows, many=True).data)


class RoadmapSerializer(StrictModelSerializer[Roadmap]):
    latest_revision = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Roadmap
        fields = ["id", "title", "first_month", "months", "published_at", "latest_revision"]
        read_only_fields = ["published_at"]

    def to_representation(self, instance: Roadmap) -> dict[str, Any]:
        data = super().to_representation(instance)
        if hasattr(instance, "published_title"):  # a member's read: the latest revision, not the live draft
            for name in PUBLISHED_FIELDS:
                data[name] = getattr(instance, f"published_{name}")
        return data

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None:
            moved = [
                name
                for name in ("first_month", "months")
                if name in attrs and attrs[name] != getattr(self.instance, name)
            ]
            if moved:
                # Horizons and items hang on these months; the admin's roadmap form moves them together.
                raise serializers.ValidationError(
                    {name: [_("Change a roadmap's months in the admin.")] for name in moved}
                )
        return attrs


class RoadmapItemSerializer(serializers.Serializer[Any]):
    """One item as members see it: the published snapshot's fields (live items share them for staff)."""

    opportunity_id = serializers.IntegerField()
    title = serializers.CharField()
    start_month = serializers.IntegerField()
    end_month = serializers.IntegerField()
    status = serializers.ChoiceField(choices=ItemStatus.choices)
    horizon = serializers.CharField()
    depends_on = serializers.ListField(child=serializers.IntegerField())


class RevisionSerializer(StrictModelSerializer[RoadmapRevision]):
    class Meta:
        model = RoadmapRevision
        fields = ["number", "published_at", "note"]
        read_only_fields = fields


class PublishSerializer(serializers.Serializer[Any]):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ItemMoveSerializer(serializers.Serializer[Any]):
    title = serializers.CharField()
    from_months = serializers.ListField(child=serializers.IntegerField())
    to_months = serializers.ListField(child=serializers.IntegerField())


class StatusChangeSerializer(serializers.Serializer[Any]):
    title = serializers.CharField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()


class RevisionDiffSerializer(serializers.Serializer[Any]):
    added = serializers.ListField(child=serializers.CharField())
    removed = serializers.ListField(child=serializers.CharField())
    moved = ItemMoveSerializer(many=True)
    status_changes = StatusChangeSerializer(many=True)


class RoadmapViewSet(viewsets.ModelViewSet[Roadmap]):
    """Members see published roadmaps as published (the latest revision); staff create, edit and publish."""

    serializer_class = RoadmapSerializer
    permission_classes = [RolePermission]
    read_permissions = (PORTAL_PERMISSION, DASHBOARD_PERMISSION, "roadmap.view_roadmap")
    ordering_fields = ["first_month", "title", "published_at"]
    ordering = ["-first_month", "title", "id"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Roadmap]:
        return roadmaps_visible_to(user=self.request.user)

    @property
    def search_fields(self) -> list[str]:
        """Members search the published title: a search on the live one would reveal unpublished edits."""
        request = getattr(self, "request", None)
        user = getattr(request, "user", None)
        return ["title"] if user is None or reads_studio(user) else ["published_title"]

    def perform_create(self, serializer: serializers.BaseSerializer[Roadmap]) -> None:
        data = serializer.validated_data
        serializer.instance = roadmap_create(
            title=data["title"],
            first_month=data["first_month"],
            months=data.get("months", Roadmap._meta.get_field("months").get_default()),
            by=self.request.user,  # type: ignore[arg-type]
        )
        serializer.instance.latest_revision = None  # type: ignore[attr-defined]

    def _revision(self, roadmap: Roadmap, number: Any) -> RoadmapRevision:
        if not str(number).isdigit():
            raise serializers.ValidationError(
                {"revision": [_("%(number)r is not a revision number.") % {"number": number}]}
            )
        revision = roadmap.revisions.filter(number=int(number)).first()
        if revision is None:
            raise NotFound(_("This roadmap has no revision %(number)s.") % {"number": number})
        return revision

    @extend_schema(responses={200: RoadmapItemSerializer(many=True)})
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def items(self, request: Request, pk: str | None = None) -> Response:
        """Leadership and staff see the items as they are now; members see them as last published."""
        roadmap = self.get_object()
        if reads_studio(request.user):
            rows = roadmap_item_rows(roadmap)
        else:
            latest = roadmap.revisions.order_by("-number").first()
            rows = latest.snapshot["items"] if latest else []
        return Response(RoadmapItemSerializer(rows, many=True).data)

    @extend_schema(responses={200: RevisionSerializer(many=True)})
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def revisions(self, request: Request, pk: str | None = None) -> Response:
        revisions = self.get_object().revisions.order_by("-number")
        return Response(RevisionSerializer(revisions, many=True).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("from", int, required=True, description="The older revision number."),
            OpenApiParameter("to", int, required=True, description="The newer revision number."),
        ],
        responses={200: RevisionDiffSerializer},
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def diff(self, request: Request, pk: str | None = None) -> Response:
        """Items added, removed, moved and status changes between two revisions."""
        roadmap = self.get_object()
        old = self._revision(roadmap, request.query_params.get("from", ""))
        new = self._revision(roadmap, request.query_params.get("to", ""))
        return Response(RevisionDiffSerializer(revision_diff(old=old, new=new)).data)

    @extend_schema(request=PublishSerializer, responses={201: RevisionSerializer})
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str | None = None) -> Response:
        """Keeps a numbered revision of the roadmap as it is now (staff: needs the change permission)."""
        if not request.user.has_perm("roadmap.change_roadmap"):
            self.permission_denied(request, message=_("Only staff publish roadmaps."))
        note = PublishSerializer(data=request.data)
        note.is_valid(raise_exception=True)
        revision = roadmap_publish(
            roadmap=self.get_object(),
            by=request.user,  # type: ignore[arg-type]
            note=note.validated_data["note"],
        )
        return Response(RevisionSerializer(revision).data, status=status.HTTP_201_CREATED)
