"""The ecosystem map and the red-flag library over the API, for systems that pull them in (a bank's monitoring).

Read-only for everyone who may use the portal: categories, stages, actors, flows, sources, red flags and
indicator sets. Red flags and indicator sets go through `sharing.selectors.scope` (the selectors), so a caller
lists what it may see and gets a 404 for the rest; each carries its TLP label, and every response says the
narrowest label it holds in the `TLP` header. `?updated_since=` (ISO 8601) lists what changed since, so a system
can sync. Staff write in the admin (review, labels and CSV import are there); members rate red flags and make
suggestions through the same services as the pages.
"""

from typing import Any

from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from core.api_base import ApiFilterSet, StrictModelSerializer, UtcIsoDateTimeFilter
from ecosystem.models import (
    Actor,
    FinancialFlow,
    IndicatorSet,
    IndicatorSetCitation,
    ObservingSector,
    RedFlag,
    RedFlagRating,
    ReviewState,
    Source,
    Stage,
    Suggestion,
    SuggestionKind,
    TraffickingCategory,
    applies_in_q,
    in_stage_q,
)
from ecosystem.selectors import (
    INDICATOR_SET_SHARING,
    RED_FLAG_SHARING,
    SUGGESTION_SHARING,
    indicator_sets_for,
    published_red_flags,
    suggestions_visible_to,
    visible_red_flags,
)
from ecosystem.services import red_flag_rate, suggestion_submit
from members.api_auth import IsPortalMember
from members.models import Member
from members.selectors import member_for_user
from sharing.models import Channel, Label, tightest
from sharing.selectors import Labelled
from sharing.services import access_record

# The map's parts carry no label of their own: they are for every member, as TLP:GREEN says.
MAP_LABEL = Label.GREEN
TLP_HEADER = "TLP"
# The header's value: TLP 2.0's own names, whatever the language of the labels' display names.
TLP_NAMES = {
    Label.CLEAR: "CLEAR",
    Label.GREEN: "GREEN",
    Label.AMBER: "AMBER",
    Label.AMBER_STRICT: "AMBER+STRICT",
    Label.RED: "RED",
}
TLP_HEADER_PARAMETER = OpenApiParameter(
    name=TLP_HEADER,
    location=OpenApiParameter.HEADER,
    response=True,
    type=str,
    enum=list(TLP_NAMES.values()),
    description="The narrowest TLP 2.0 label of what the response holds (GREEN for the map's parts).",
)


class LabelledResponseMixin:
    """Sets the `TLP` header of every response: the narrowest label of what it holds (GREEN for the map), and
    logs each TLP:AMBER-or-tighter object it returns through the API channel."""

    sharing_spec: Labelled | None = None

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        labels = getattr(self, "_returned_labels", None)
        if response.status_code < 400:
            response[TLP_HEADER] = TLP_NAMES[tightest(labels or [], default=MAP_LABEL)]
        return response

    def _returned(self, objects: list[Any]) -> list[Any]:
        if self.sharing_spec is not None:
            self._returned_labels = [getattr(obj, self.sharing_spec.label) for obj in objects]
            access_record(
                user=self.request.user,  # type: ignore[attr-defined]
                objects=objects,
                spec=self.sharing_spec,
                channel=Channel.API,
            )
        return objects

    @extend_schema(parameters=[TLP_HEADER_PARAMETER])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())  # type: ignore[attr-defined]
        page = self.paginate_queryset(queryset)  # type: ignore[attr-defined]
        rows = self._returned(list(page if page is not None else queryset))
        data = self.get_serializer(rows, many=True).data  # type: ignore[attr-defined]
        return self.get_paginated_response(data) if page is not None else Response(data)  # type: ignore[attr-defined]

    @extend_schema(parameters=[TLP_HEADER_PARAMETER])
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        obj = self._returned([self.get_object()])[0]  # type: ignore[attr-defined]
        return Response(self.get_serializer(obj).data)  # type: ignore[attr-defined]


class UpdatedSinceFilterSet(ApiFilterSet):
    updated_since = UtcIsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", label=gettext_lazy("Changed at or after this ISO 8601 date-time")
    )


# The map


class CategorySerializer(StrictModelSerializer[TraffickingCategory]):
    class Meta:
        model = TraffickingCategory
        fields = ["id", "slug", "name", "summary", "status", "order", "updated_at"]
        read_only_fields = fields


class CategoryFilter(UpdatedSinceFilterSet):
    class Meta:
        model = TraffickingCategory
        fields = ["status", "updated_since"]


class MapPartFilter(UpdatedSinceFilterSet):
    category = filters.CharFilter(field_name="category__slug", label=gettext_lazy("The category's slug"))


class StageSerializer(StrictModelSerializer[Stage]):
    category = serializers.SlugRelatedField[Stage](slug_field="slug", read_only=True)

    class Meta:
        model = Stage
        fields = ["id", "category", "order", "name", "description", "updated_at"]
        read_only_fields = fields


class StageFilter(MapPartFilter):
    class Meta:
        model = Stage
        fields = ["category", "updated_since"]


class ActorSerializer(StrictModelSerializer[Actor]):
    category = serializers.SlugRelatedField[Actor](slug_field="slug", read_only=True)

    class Meta:
        model = Actor
        fields = ["id", "category", "stage", "name", "kind", "description", "updated_at"]
        read_only_fields = fields


class ActorFilter(MapPartFilter):
    stage = filters.ModelChoiceFilter(queryset=Stage.objects.all(), label=gettext_lazy("The stage's id"))

    class Meta:
        model = Actor
        fields = ["category", "stage", "kind", "updated_since"]


class FlowSerializer(StrictModelSerializer[FinancialFlow]):
    category = serializers.SlugRelatedField[FinancialFlow](slug_field="slug", read_only=True)

    class Meta:
        model = FinancialFlow
        fields = [
            "id",
            "category",
            "stage",
            "label",
            "from_actor",
            "to_actor",
            "instrument",
            "direction",
            "typical_pattern",
            "updated_at",
        ]
        read_only_fields = fields


class FlowFilter(MapPartFilter):
    stage = filters.ModelChoiceFilter(queryset=Stage.objects.all(), label=gettext_lazy("The stage's id"))

    class Meta:
        model = FinancialFlow
        fields = ["category", "stage", "instrument", "direction", "updated_since"]


class SourceSerializer(StrictModelSerializer[Source]):
    class Meta:
        model = Source
        fields = [
            "id",
            "key",
            "kind",
            "issuer",
            "title",
            "document_number",
            "published_on",
            "url",
            "jurisdiction",
            "licence_note",
            "updated_at",
        ]
        read_only_fields = fields


class SourceFilter(UpdatedSinceFilterSet):
    class Meta:
        model = Source
        fields = ["kind", "updated_since"]


class _ReadOnly(LabelledResponseMixin, viewsets.ReadOnlyModelViewSet[Any]):
    permission_classes = [IsPortalMember]


@extend_schema_view(
    list=extend_schema(summary="Trafficking categories (the catalogue)"),
    retrieve=extend_schema(summary="One trafficking category, by its slug"),
)
class CategoryViewSet(_ReadOnly):
    """The catalogue of trafficking categories. Every response carries the `TLP` header (GREEN)."""

    serializer_class = CategorySerializer
    filterset_class = CategoryFilter
    lookup_field = "slug"
    queryset = TraffickingCategory.objects.order_by("order", "name", "id")


class StageViewSet(_ReadOnly):
    """The stages of the categories' maps, in map order."""

    serializer_class = StageSerializer
    filterset_class = StageFilter
    queryset = Stage.objects.select_related("category").order_by("category__order", "order", "id")


class ActorViewSet(_ReadOnly):
    """The actors of the maps, each placed in a stage."""

    serializer_class = ActorSerializer
    filterset_class = ActorFilter
    queryset = Actor.objects.select_related("category").order_by("category__order", "stage__order", "name", "id")


class FlowViewSet(_ReadOnly):
    """The financial flows (arrows) of the maps."""

    serializer_class = FlowSerializer
    filterset_class = FlowFilter
    queryset = FinancialFlow.objects.select_related("category").order_by(
        "category__order", "stage__order", "label", "id"
    )


class SourceViewSet(_ReadOnly):
    """The sources red flags and indicator sets cite."""

    serializer_class = SourceSerializer
    filterset_class = SourceFilter
    queryset = Source.objects.order_by("issuer", "title", "id")


# The library


class CitationSerializer(serializers.Serializer[Any]):
    source = serializers.CharField(  # type: ignore[assignment]
        source="source.key", help_text=gettext_lazy("The source's key (see /ecosystem/sources/).")
    )
    locator = serializers.CharField(help_text=gettext_lazy("Where in the source the passage is."))
    quote = serializers.CharField(help_text=gettext_lazy("The passage, verbatim."))


class RedFlagSerializer(StrictModelSerializer[RedFlag]):
    category = serializers.SlugRelatedField[RedFlag](slug_field="slug", read_only=True)
    stage = serializers.IntegerField(
        source="shown_in_stage",
        read_only=True,
        help_text=gettext_lazy("The stage it shows in (its own, its actor's or flow's)."),
    )
    attached_to = serializers.ChoiceField(source="attachment_kind", choices=["stage", "actor", "flow"], read_only=True)
    observed_by = serializers.SerializerMethodField()
    citations = CitationSerializer(many=True, read_only=True)
    average_usefulness = serializers.FloatField(read_only=True, allow_null=True)
    rating_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = RedFlag
        fields = [
            "id",
            "category",
            "stage",
            "attached_to",
            "actor",
            "flow",
            "indicator",
            "detail",
            "observed_by",
            "citations",
            "confidence",
            "jurisdiction",
            "threshold",
            "review_state",
            "version",
            "published_before_review",
            "published_at",
            "label",
            "average_usefulness",
            "rating_count",
            "updated_at",
        ]
        read_only_fields = fields

    def get_observed_by(self, red_flag: RedFlag) -> list[ObservingSector]:
        return [ObservingSector(observer.sector) for observer in red_flag.observers.all()]


class RedFlagFilter(UpdatedSinceFilterSet):
    category = filters.CharFilter(field_name="category__slug", label=gettext_lazy("The category's slug"))
    stage = filters.ModelChoiceFilter(
        queryset=Stage.objects.all(),
        method="in_stage",
        label=gettext_lazy("The stage's id (its actors and flows included)"),
    )
    sector = filters.ChoiceFilter(
        choices=ObservingSector.choices, field_name="observers__sector", label=gettext_lazy("Observed by")
    )
    jurisdiction = filters.CharFilter(
        method="applies_in", label=gettext_lazy("Applies in (a country's flags and the global ones)")
    )
    threshold = filters.CharFilter(
        field_name="threshold", lookup_expr="icontains", label=gettext_lazy("Threshold contains")
    )
    state = filters.ChoiceFilter(
        choices=[(ReviewState.PUBLISHED, ReviewState.PUBLISHED.label)],
        field_name="review_state",
        label=gettext_lazy("Review state (members see published red flags only)"),
    )

    class Meta:
        model = RedFlag
        fields = ["category", "stage", "sector", "jurisdiction", "threshold", "state", "updated_since"]

    def in_stage(self, queryset: QuerySet[RedFlag], name: str, value: Stage) -> QuerySet[RedFlag]:
        return queryset.filter(in_stage_q(value.pk))

    def applies_in(self, queryset: QuerySet[RedFlag], name: str, value: str) -> QuerySet[RedFlag]:
        return queryset.filter(applies_in_q(value))


class RatingSerializer(StrictModelSerializer[RedFlagRating]):
    class Meta:
        model = RedFlagRating
        fields = ["red_flag", "usefulness", "rated_at"]
        read_only_fields = ["red_flag", "rated_at"]
        extra_kwargs = {"usefulness": {"min_value": 1, "max_value": 5}}


def _acting_member(request: Request) -> Member:
    member = member_for_user(user=request.user)
    if member is None or not member.is_approved:
        raise PermissionDenied(_("Only members of a member organisation can rate red flags and make suggestions."))
    return member


@extend_schema_view(
    list=extend_schema(summary="Published red flags you may see, filtered like the library"),
    retrieve=extend_schema(summary="One red flag; 404 when you may not see it"),
)
class RedFlagViewSet(_ReadOnly):
    """The red-flag library: the published red flags the caller may see under their TLP labels, with their
    citations (source, locator, verbatim quote). Every response carries the `TLP` header: the narrowest label
    of the red flags it holds."""

    serializer_class = RedFlagSerializer
    filterset_class = RedFlagFilter
    sharing_spec = RED_FLAG_SHARING

    def get_queryset(self) -> QuerySet[RedFlag]:
        return published_red_flags(user=self.request.user).annotate(  # type: ignore[arg-type]
            shown_in_stage=Coalesce("stage_id", "actor__stage_id", "flow__stage_id")
        )

    @extend_schema(request=RatingSerializer, responses={200: RatingSerializer})
    @action(detail=True, methods=["post"], permission_classes=[IsPortalMember])
    def rate(self, request: Request, pk: str | None = None) -> Response:
        """Rate the red flag's usefulness from 1 to 5 (rating again changes it)."""
        member = _acting_member(request)
        red_flag = self.get_object()
        serializer = RatingSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rating = red_flag_rate(member=member, red_flag=red_flag, usefulness=serializer.validated_data["usefulness"])
        self._returned_labels = [red_flag.label]
        return Response(RatingSerializer(rating).data)


class IndicatorSetCitationSerializer(serializers.ModelSerializer[IndicatorSetCitation]):
    source = serializers.CharField(  # type: ignore[assignment]
        source="source.key", read_only=True, help_text=gettext_lazy("The source's key (see /ecosystem/sources/).")
    )

    class Meta:
        model = IndicatorSetCitation
        fields = ["source", "locator", "quote"]
        read_only_fields = fields


class IndicatorSetSerializer(StrictModelSerializer[IndicatorSet]):
    category = serializers.SlugRelatedField[IndicatorSet](slug_field="slug", read_only=True)
    red_flags = serializers.SerializerMethodField(help_text=gettext_lazy("The ids of its red flags you may see."))
    citations = IndicatorSetCitationSerializer(many=True, read_only=True)

    class Meta:
        model = IndicatorSet
        fields = [
            "id",
            "category",
            "name",
            "rationale",
            "minimum",
            "red_flags",
            "citations",
            "review_state",
            "published_at",
            "label",
            "updated_at",
        ]
        read_only_fields = fields

    def get_red_flags(self, indicator_set: IndicatorSet) -> list[int]:
        return [red_flag.pk for red_flag in getattr(indicator_set, "visible_red_flags", [])]


class IndicatorSetFilter(UpdatedSinceFilterSet):
    category = filters.CharFilter(field_name="category__slug", label=gettext_lazy("The category's slug"))
    stage = filters.ModelChoiceFilter(
        queryset=Stage.objects.all(),
        method="in_stage",
        label=gettext_lazy("Sets with a red flag you may see in this stage"),
    )
    jurisdiction = filters.CharFilter(
        method="applies_in", label=gettext_lazy("Sets with a red flag you may see that applies here")
    )

    class Meta:
        model = IndicatorSet
        fields = ["category", "stage", "jurisdiction", "updated_since"]

    def _with_flags(self, queryset: QuerySet[IndicatorSet], condition: Q) -> QuerySet[IndicatorSet]:
        ids = visible_red_flags(user=self.request.user).filter(condition).values("pk")
        return queryset.filter(members__red_flag__in=ids).distinct()

    def in_stage(self, queryset: QuerySet[IndicatorSet], name: str, value: Stage) -> QuerySet[IndicatorSet]:
        return self._with_flags(queryset, in_stage_q(value.pk))

    def applies_in(self, queryset: QuerySet[IndicatorSet], name: str, value: str) -> QuerySet[IndicatorSet]:
        return self._with_flags(queryset, applies_in_q(value))


@extend_schema_view(
    list=extend_schema(summary="Published indicator sets you may see"),
    retrieve=extend_schema(summary="One indicator set; 404 when you may not see it"),
)
class IndicatorSetViewSet(_ReadOnly):
    """Indicator sets: red flags weighed together, with the minimum that warrants a closer look and the passages
    behind the combination; only the red flags the caller may see are listed. The `TLP` header carries the
    narrowest label of the sets a response holds."""

    serializer_class = IndicatorSetSerializer
    filterset_class = IndicatorSetFilter
    sharing_spec = INDICATOR_SET_SHARING

    def get_queryset(self) -> QuerySet[IndicatorSet]:
        return indicator_sets_for(user=self.request.user)  # type: ignore[arg-type]


# Members' suggestions


class SuggestionSerializer(StrictModelSerializer[Suggestion]):
    class Meta:
        model = Suggestion
        fields = [
            "id",
            "kind",
            "stage",
            "red_flag",
            "text",
            "evidence",
            "status",
            "staff_response",
            "label",
            "created_at",
        ]
        read_only_fields = ["id", "status", "staff_response", "label", "created_at"]
        extra_kwargs = {"text": {"max_length": 5000}, "evidence": {"max_length": 10000}}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        request = self.context["request"]
        if attrs.get("kind") == SuggestionKind.CHANGE:
            red_flag = attrs.get("red_flag")
            if red_flag is None or not visible_red_flags(user=request.user).filter(pk=red_flag.pk).exists():
                raise serializers.ValidationError({"red_flag": _("Choose a published red flag you may see.")})
        return attrs


@extend_schema_view(
    list=extend_schema(summary="The suggestions you may see (by default your organisation's)"),
    create=extend_schema(
        summary="Suggest a new red flag for a stage, or a change to a published one",
        responses={201: SuggestionSerializer, 403: OpenApiResponse(description="Not an approved member")},
    ),
)
class SuggestionViewSet(
    LabelledResponseMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet[Suggestion],
):
    """Members' suggestions of red flags, under their labels (TLP:AMBER+STRICT to the author's organisation and
    staff by default); staff decide them in the admin."""

    serializer_class = SuggestionSerializer
    permission_classes = [IsPortalMember]
    filterset_fields = ["kind", "status"]
    sharing_spec = SUGGESTION_SHARING

    def get_queryset(self) -> QuerySet[Suggestion]:
        return suggestions_visible_to(user=self.request.user)  # type: ignore[arg-type]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        member = _acting_member(request)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        suggestion = suggestion_submit(
            member=member,
            kind=data["kind"],
            text=data["text"],
            evidence=data.get("evidence", ""),
            stage=data.get("stage"),
            red_flag=data.get("red_flag"),
        )
        self._returned_labels = [suggestion.label]
        return Response(self.get_serializer(suggestion).data, status=status.HTTP_201_CREATED)
