"""The voice in the API: ideas (members submit and read; staff read all), my votes and follows on ideas and
roadmap items, my survey responses, and the surveys with their results for staff and leadership."""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from core.api_base import RolePermission, StrictCharField, StrictModelSerializer
from core.permissions import DASHBOARD_PERMISSION, PORTAL_PERMISSION
from members.api_auth import IsPortalMember
from members.models import Member, Source
from members.selectors import member_for_user
from personas.models import JobToBeDone
from personas.selectors import reads_research
from roadmap.models import Opportunity
from voice import selectors
from voice.models import Follow, Idea, Importance, Survey, SurveyAnswer, SurveyResponse, SurveyStatus, Vote
from voice.services import follow_set, idea_submit, vote_cast, vote_withdraw
from voice.surveys import survey_respond


def _acting_member(request: Request) -> Member:
    member = member_for_user(user=request.user)
    if member is None:
        raise NotFound(_("This account has no member profile."))
    return member


class IdeaSerializer(StrictModelSerializer[Idea]):
    title = StrictCharField(max_length=200)
    problem = StrictCharField(max_length=10_000)
    jobs = serializers.PrimaryKeyRelatedField[JobToBeDone](
        many=True,
        queryset=JobToBeDone.objects.all(),
        required=False,
        help_text=gettext_lazy("Jobs of your persona it serves."),
    )
    vote_count = serializers.IntegerField(read_only=True)
    voted = serializers.BooleanField(read_only=True, help_text=gettext_lazy("Whether you voted for it."))
    following = serializers.BooleanField(read_only=True, help_text=gettext_lazy("Whether you follow it."))

    class Meta:
        model = Idea
        fields = [
            "id",
            "title",
            "problem",
            "jobs",
            "status",
            "opportunity",
            "merged_into",
            "created_at",
            "vote_count",
            "voted",
            "following",
        ]
        read_only_fields = ["status", "opportunity", "merged_into", "created_at"]


class IdeaViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet[Idea]
):
    """Members' ideas, most voted first. Members submit them here; staff triage them in the portal's staff pages."""

    serializer_class = IdeaSerializer
    permission_classes = [IsPortalMember]
    search_fields = ["title", "problem"]
    ordering_fields = ["created_at", "vote_count"]
    ordering = ["-vote_count", "-created_at", "-id"]

    def get_queryset(self) -> QuerySet[Idea]:
        return selectors.ideas_visible_to(member=member_for_user(user=self.request.user)).prefetch_related("jobs")

    def perform_create(self, serializer: serializers.BaseSerializer[Idea]) -> None:
        data = serializer.validated_data
        idea = idea_submit(
            member=_acting_member(self.request),
            title=data["title"],
            problem=data["problem"],
            jobs=data.get("jobs", []),
            source=Source.API,
        )
        serializer.instance = self.get_queryset().get(pk=idea.pk)


class _TargetSerializer(serializers.Serializer[Any]):
    """An idea or a roadmap item's opportunity, exactly one, that the member may see."""

    idea = serializers.PrimaryKeyRelatedField[Idea](
        queryset=Idea.objects.all(),
        required=False,
        allow_null=True,
        help_text=gettext_lazy("An idea; or give `opportunity`."),
    )
    opportunity = serializers.PrimaryKeyRelatedField[Opportunity](
        queryset=Opportunity.objects.all(),
        required=False,
        allow_null=True,
        help_text=gettext_lazy("A roadmap item's opportunity (on the published roadmap); or give `idea`."),
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        idea, opportunity = attrs.get("idea"), attrs.get("opportunity")
        if (idea is None) == (opportunity is None):
            raise serializers.ValidationError({"detail": _("Give an idea or an opportunity, not both.")})
        request = self.context["request"]
        if (
            idea is not None
            and not selectors.ideas_visible_to(member=member_for_user(user=request.user)).filter(pk=idea.pk).exists()
        ):
            raise serializers.ValidationError({"idea": _("No such idea.")})
        if opportunity is not None and not selectors.is_published_opportunity(opportunity.pk):
            raise serializers.ValidationError({"opportunity": _("This item is not on the published roadmap.")})
        return attrs


class VoteSerializer(_TargetSerializer, StrictModelSerializer[Vote]):
    importance = serializers.ChoiceField(choices=[("", "—"), *Importance.choices], required=False, default="")

    class Meta:
        model = Vote
        fields = ["id", "idea", "opportunity", "importance", "created_at"]
        read_only_fields = ["created_at"]


class MyVoteViewSet(
    mixins.ListModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet[Vote]
):
    """My votes: one per idea or roadmap item; voting again only changes how important it is."""

    serializer_class = VoteSerializer
    permission_classes = [IsPortalMember]
    ordering_fields = ["created_at"]

    def get_queryset(self) -> QuerySet[Vote]:
        return Vote.objects.filter(member=member_for_user(user=self.request.user)).order_by("-created_at", "-id")

    def perform_create(self, serializer: serializers.BaseSerializer[Vote]) -> None:
        data = serializer.validated_data
        serializer.instance = vote_cast(
            member=_acting_member(self.request),
            idea=data.get("idea"),
            opportunity=data.get("opportunity"),
            importance=data.get("importance", ""),
            source=Source.API,
        )

    def perform_destroy(self, instance: Vote) -> None:
        vote_withdraw(member=instance.member, idea=instance.idea, opportunity=instance.opportunity)


class FollowSerializer(_TargetSerializer, StrictModelSerializer[Follow]):
    class Meta:
        model = Follow
        fields = ["id", "idea", "opportunity", "created_at"]
        read_only_fields = ["created_at"]


class MyFollowViewSet(
    mixins.ListModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet[Follow]
):
    """What I follow: I am told when a published roadmap changes it."""

    serializer_class = FollowSerializer
    permission_classes = [IsPortalMember]
    ordering_fields = ["created_at"]

    def get_queryset(self) -> QuerySet[Follow]:
        return Follow.objects.filter(member=member_for_user(user=self.request.user)).order_by("-created_at", "-id")

    def perform_create(self, serializer: serializers.BaseSerializer[Follow]) -> None:
        data = serializer.validated_data
        member = _acting_member(self.request)
        follow_set(member=member, idea=data.get("idea"), opportunity=data.get("opportunity"), follow=True)
        serializer.instance = self.get_queryset().get(idea=data.get("idea"), opportunity=data.get("opportunity"))

    def perform_destroy(self, instance: Follow) -> None:
        follow_set(member=instance.member, idea=instance.idea, opportunity=instance.opportunity, follow=False)


class AnswerSerializer(serializers.ModelSerializer[SurveyAnswer]):
    job = serializers.PrimaryKeyRelatedField[JobToBeDone](queryset=JobToBeDone.objects.all())
    importance = serializers.IntegerField(min_value=0, max_value=10, allow_null=True, required=False)
    satisfaction = serializers.IntegerField(min_value=0, max_value=10, allow_null=True, required=False)

    class Meta:
        model = SurveyAnswer
        fields = ["job", "importance", "satisfaction"]


class SurveyResponseSerializer(StrictModelSerializer[SurveyResponse]):
    survey = serializers.PrimaryKeyRelatedField[Survey](queryset=Survey.objects.filter(status=SurveyStatus.OPEN))
    answers = AnswerSerializer(many=True)

    class Meta:
        model = SurveyResponse
        fields = ["id", "survey", "answers", "submitted_at"]
        read_only_fields = ["submitted_at"]


class MySurveyResponseViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet[SurveyResponse]):
    """My own survey answers, never anyone else's. Answering a survey again replaces my answers."""

    serializer_class = SurveyResponseSerializer
    permission_classes = [IsPortalMember]

    def get_queryset(self) -> QuerySet[SurveyResponse]:
        member = member_for_user(user=self.request.user)
        return SurveyResponse.objects.filter(member=member).prefetch_related("answers").order_by("-submitted_at", "-id")

    def perform_create(self, serializer: serializers.BaseSerializer[SurveyResponse]) -> None:
        data = serializer.validated_data
        answers = {row["job"].pk: (row.get("importance"), row.get("satisfaction")) for row in data["answers"]}
        response = survey_respond(
            member=_acting_member(self.request), survey=data["survey"], answers=answers, source=Source.API
        )
        serializer.instance = self.get_queryset().get(pk=response.pk)


class SurveySerializer(StrictModelSerializer[Survey]):
    class Meta:
        model = Survey
        fields = ["id", "title", "intro", "persona", "scale", "jobs", "status", "opened_at", "closed_at", "rerun_of"]
        read_only_fields = fields


class EstimateSerializer(serializers.Serializer[Any]):
    mean = serializers.DecimalField(max_digits=3, decimal_places=1, allow_null=True, help_text=gettext_lazy("On 0–10."))
    margin = serializers.DecimalField(
        max_digits=3,
        decimal_places=1,
        allow_null=True,
        help_text=gettext_lazy("Half-width of the 95% band; null under 2."),
    )
    sample = serializers.IntegerField()


class JobResultSerializer(serializers.Serializer[Any]):
    job = serializers.IntegerField(source="job.pk")
    importance = EstimateSerializer()
    satisfaction = EstimateSerializer()
    opportunity = serializers.DecimalField(max_digits=3, decimal_places=1, allow_null=True)


class SurveyResultsSerializer(serializers.Serializer[Any]):
    responses = serializers.IntegerField()
    jobs = JobResultSerializer(many=True)
    by_sector = serializers.DictField(child=JobResultSerializer(many=True))
    by_persona = serializers.DictField(child=JobResultSerializer(many=True))


class SurveyViewSet(viewsets.ReadOnlyModelViewSet[Survey]):
    """Members see the open surveys; staff and leadership see all, with each survey's results (never a member's
    own answers: results are aggregates by sector and persona)."""

    serializer_class = SurveySerializer
    permission_classes = [RolePermission]
    read_permissions = (PORTAL_PERMISSION, DASHBOARD_PERMISSION, "voice.view_survey")
    filterset_fields = ["persona", "status"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self) -> QuerySet[Survey]:
        surveys = Survey.objects.prefetch_related("jobs")
        if reads_research(self.request.user) or self.request.user.has_perm("voice.view_survey"):
            return surveys
        return surveys.filter(status=SurveyStatus.OPEN)

    @extend_schema(responses={200: SurveyResultsSerializer})
    @action(detail=True, methods=["get"])
    def results(self, request: Request, pk: str | None = None) -> Response:
        """Each job's importance, satisfaction and opportunity from this survey, overall, by sector and persona."""
        if not (reads_research(request.user) or request.user.has_perm("voice.view_survey")):
            raise PermissionDenied(_("Only staff and leadership read survey results."))
        results = selectors.survey_results(survey=self.get_object())
        return Response(SurveyResultsSerializer(results).data, status=status.HTTP_200_OK)
