"""Segments, campaigns with their steps and results, and the delivery log over the API: staff manage them,
leadership reads them. Launch, pause, resume and cancel go through the campaign engine's services."""

from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any, cast

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from campaigns.bounce_results import bounce_rates
from campaigns.drafts import STEP_LINKS, campaign_create, campaign_update
from campaigns.models import Campaign, CampaignStatus, CampaignStep, Channel, Delivery, DeliveryStatus, Segment
from campaigns.results import step_results
from campaigns.segments import RULE_FIELDS, segment_preview, validate_rules
from campaigns.transitions import campaign_cancel, campaign_launch, campaign_pause, campaign_resume
from core.api_base import (
    ApiFilterSet,
    Conflict,
    ModelCheckedSerializer,
    RolePermission,
    StrictModelSerializer,
)
from core.permissions import DASHBOARD_PERMISSION
from ecosystem.models import RedFlag, ReviewState, Stage
from members.models import Member, User

RULES_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "field": {"type": "string", "enum": list(RULE_FIELDS)},
            "value": {"description": "A list of values or ids, an id, a date (YYYY-MM-DD) or a boolean, by field."},
        },
        "required": ["field", "value"],
        "additionalProperties": False,
    },
}


def checked_rules(rules: Any) -> list[dict[str, Any]]:
    """The admin's registry checks the rules and gives them in canonical form; each problem names its rule."""
    try:
        return validate_rules(rules)
    except DjangoValidationError as error:
        raise serializers.ValidationError(error.message_dict["rules"]) from error


@extend_schema_field(RULES_SCHEMA)
class RulesField(serializers.JSONField):
    pass


class SegmentSerializer(ModelCheckedSerializer[Segment]):
    rules = RulesField(
        required=False,
        help_text=gettext_lazy('Every rule must hold, e.g. [{"field": "sector", "value": ["ngo"]}]. Fields: ')
        + ", ".join(RULE_FIELDS)
        + ".",
    )

    class Meta:
        model = Segment
        fields = ["id", "name", "description", "rules", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]

    def validate_rules(self, rules: Any) -> list[dict[str, Any]]:
        return checked_rules(rules)


class SampleMemberSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField(source="user.display_name")
    organisation = serializers.CharField(source="organisation.name", allow_null=True, default=None)


class SegmentPreviewSerializer(serializers.Serializer[Any]):
    count = serializers.IntegerField(help_text=gettext_lazy("Approved members the rules match right now."))
    sample = SampleMemberSerializer(many=True, help_text=gettext_lazy("The most recent of them, at most ten."))


class RulesSerializer(serializers.Serializer[Any]):
    rules = RulesField(help_text=gettext_lazy("The rules to try, as a segment would hold them."))

    def validate_rules(self, rules: Any) -> list[dict[str, Any]]:
        return checked_rules(rules)


class SegmentViewSet(viewsets.ModelViewSet[Segment]):
    """Staff manage segments (rules checked as in the admin); leadership reads them and their live count."""

    serializer_class = SegmentSerializer
    permission_classes = [RolePermission]
    read_permissions = (DASHBOARD_PERMISSION, "campaigns.view_segment")
    queryset = Segment.objects.order_by("name", "id")
    search_fields = ["name", "description"]
    ordering_fields = ["name", "created_at"]

    @extend_schema(responses={200: SegmentPreviewSerializer})
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def preview(self, request: Request, pk: str | None = None) -> Response:
        """How many approved members the segment matches now, and a sample of them."""
        segment = self.get_object()
        try:
            count, sample = segment_preview(segment.rules)
        except DjangoValidationError as error:
            # Rules saved earlier may name something deleted since (an initiative, say).
            raise Conflict(" ".join(error.messages)) from error
        return Response(SegmentPreviewSerializer({"count": count, "sample": sample}).data)

    @extend_schema(request=RulesSerializer, responses={200: SegmentPreviewSerializer})
    @action(detail=False, methods=["post"], url_path="preview", filter_backends=[], pagination_class=None)
    def preview_rules(self, request: Request) -> Response:
        """The same for rules not saved yet, so staff see whom a segment would reach before creating it."""
        rules = RulesSerializer(data=request.data)
        rules.is_valid(raise_exception=True)
        count, sample = segment_preview(rules.validated_data["rules"])
        return Response(SegmentPreviewSerializer({"count": count, "sample": sample}).data)


class StepDelayField(serializers.DurationField):
    """A delay too large for Python's timedelta is invalid input, not a server error."""

    def to_internal_value(self, value: Any) -> timedelta:
        try:
            return super().to_internal_value(value)
        except OverflowError:
            self.fail("invalid", format="[DD] [HH:[MM:]]ss[.uuuuuu]")


# Checked by the campaign serializer with the campaign's link allow-list, which the step alone does not know.
class CampaignStepSerializer(StrictModelSerializer[CampaignStep]):
    delay = StepDelayField(
        required=False,
        min_value=timedelta(0),
        max_value=timedelta(days=3650),
        help_text=gettext_lazy("Wait after the previous step (or the start), e.g. 3 00:00:00 for three days."),
    )

    stages = serializers.PrimaryKeyRelatedField[Stage](
        many=True,
        required=False,
        queryset=Stage.objects.all(),
        help_text=gettext_lazy("Ecosystem stages the message links to."),
    )
    red_flags = serializers.PrimaryKeyRelatedField[RedFlag](
        many=True,
        required=False,
        queryset=RedFlag.objects.filter(review_state=ReviewState.PUBLISHED),
        help_text=gettext_lazy("Published red flags the message links to."),
    )

    class Meta:
        model = CampaignStep
        fields = ["id", "position", "delay", "channel", "subject", "body", "condition", "stages", "red_flags"]
        read_only_fields = ["id"]


class CampaignSerializer(ModelCheckedSerializer[Campaign]):
    steps = CampaignStepSerializer(
        many=True,
        required=False,
        help_text=gettext_lazy("The ordered steps, positions 1, 2, 3 …; replaced as a whole."),
    )

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "segment",
            "goal",
            "status",
            "starts_at",
            "enrol_late_joiners",
            "track_opens",
            "allowed_link_hosts",
            "launched_at",
            "launched_by",
            "enrolled_at",
            "created_at",
            "updated_at",
            "steps",
        ]
        read_only_fields = ["status", "launched_at", "launched_by", "enrolled_at", "created_at", "updated_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        steps = attrs.pop("steps", None)
        attrs = super().validate(attrs)
        if steps is not None:
            if self.instance is not None and self.instance.status != CampaignStatus.DRAFT:
                raise serializers.ValidationError(
                    {"steps": [_("Steps change only while the campaign is a draft: its deliveries refer to them.")]}
                )
            self._check_steps(steps, attrs)
            attrs["steps"] = steps
        elif self.instance is not None and "allowed_link_hosts" in attrs:
            # The steps kept must still link only where the narrowed allow-list permits.
            kept = CampaignStep.objects.filter(campaign=self.instance).order_by("position")
            columns = [name for name in CampaignStepSerializer.Meta.fields[1:] if name not in STEP_LINKS]
            self._check_steps_against(kept.values(*columns), attrs)
        return attrs

    def _check_steps(self, steps: list[dict[str, Any]], attrs: dict[str, Any]) -> None:
        positions = sorted(step["position"] for step in steps)
        if positions != list(range(1, len(steps) + 1)):
            raise serializers.ValidationError({"steps": [_("Number the steps 1, 2, 3 … with no gaps or repeats.")]})
        self._check_steps_against(steps, attrs)

    def _check_steps_against(self, steps: Iterable[dict[str, Any]], attrs: dict[str, Any]) -> None:
        # The steps see the campaign as it is being saved (its link allow-list decides which links are allowed).
        campaign = Campaign(**{**self._current_values(), **attrs})
        # Keyed by the step's index in the list, as DRF reports the steps' own field errors.
        errors: dict[str, Any] = {}
        for index, data in enumerate(steps):
            try:
                columns = {name: value for name, value in data.items() if name not in STEP_LINKS}
                CampaignStep(campaign=campaign, **columns).full_clean(exclude=["campaign"])
            except DjangoValidationError as error:
                errors[str(index)] = error.message_dict
        if errors:
            raise serializers.ValidationError({"steps": errors})

    def _current_values(self) -> dict[str, Any]:
        if self.instance is None:
            return {}
        return {"allowed_link_hosts": self.instance.allowed_link_hosts}

    def create(self, validated_data: dict[str, Any]) -> Campaign:
        steps = validated_data.pop("steps", [])
        return campaign_create(fields=validated_data, steps=steps)

    def update(self, instance: Campaign, validated_data: dict[str, Any]) -> Campaign:
        steps = validated_data.pop("steps", None)
        try:
            return campaign_update(campaign=instance, fields=validated_data, steps=steps)
        except DjangoValidationError as error:
            # Checked again under the campaign's lock: it was launched after this request was validated.
            raise Conflict(" ".join(error.messages)) from error


class StepResultSerializer(serializers.Serializer[Any]):
    step = serializers.IntegerField(source="step.pk")
    position = serializers.IntegerField(source="step.position")
    subject = serializers.CharField(source="step.subject")
    total = serializers.IntegerField(help_text=gettext_lazy("Deliveries written for the step so far."))
    waiting = serializers.IntegerField(help_text=gettext_lazy("Pending or being sent."))
    sent = serializers.IntegerField()
    deferred = serializers.IntegerField(
        help_text=gettext_lazy("Refused for now by the mail server (4xx); offered again later.")
    )
    bounced = serializers.IntegerField(help_text=gettext_lazy("Sent, then returned by the recipient's mail server."))
    skipped = serializers.IntegerField(
        help_text=gettext_lazy("The step's condition did not hold, or the campaign was cancelled.")
    )
    suppressed = serializers.IntegerField(
        help_text=gettext_lazy("The member may not be contacted (suspended or left).")
    )
    failed = serializers.IntegerField()
    opened = serializers.IntegerField()
    clicked = serializers.IntegerField()
    converted = serializers.IntegerField(
        help_text=gettext_lazy("Sent, and the member joined the goal initiative afterwards.")
    )


class BounceRateSerializer(serializers.Serializer[Any]):
    step = serializers.IntegerField(
        source="step.pk", allow_null=True, help_text=gettext_lazy("Null for the whole campaign.")
    )
    position = serializers.IntegerField(source="step.position", allow_null=True)
    emailed = serializers.IntegerField(help_text=gettext_lazy("Deliveries sent by e-mail (sent or since bounced)."))
    bounced = serializers.IntegerField()
    hard = serializers.IntegerField(
        help_text=gettext_lazy("Bounced permanently (5.x.x): the address is now undeliverable.")
    )
    soft = serializers.IntegerField(help_text=gettext_lazy("Bounced only temporarily (4.x.x, or delayed)."))
    rate = serializers.FloatField(help_text=gettext_lazy("bounced / emailed, 0 to 1."))


CampaignAction = Callable[..., Campaign]
# Deleting one of these would take its deliveries mid-flight with it.
LIVE_STATUSES = {CampaignStatus.SCHEDULED, CampaignStatus.RUNNING, CampaignStatus.PAUSED}


class CampaignFilter(ApiFilterSet):
    status = filters.ChoiceFilter(choices=CampaignStatus.choices)

    class Meta:
        model = Campaign
        fields = ["status", "segment"]


class CampaignViewSet(viewsets.ModelViewSet[Campaign]):
    """Staff build campaigns with their steps and launch, pause, resume or cancel them; leadership reads them
    and their results."""

    serializer_class = CampaignSerializer
    permission_classes = [RolePermission]
    read_permissions = (DASHBOARD_PERMISSION, "campaigns.view_campaign")
    queryset = Campaign.objects.prefetch_related("steps__stages", "steps__red_flags").order_by("-created_at", "-id")
    filterset_class = CampaignFilter
    search_fields = ["name"]
    ordering_fields = ["name", "created_at", "starts_at"]

    def perform_destroy(self, instance: Campaign) -> None:
        if instance.status in LIVE_STATUSES:
            raise Conflict(
                _("“%(instance)s” is %(status)s: cancel it before deleting it.")
                % {"instance": instance, "status": instance.get_status_display().lower()}
            )
        instance.delete()

    @extend_schema(responses={200: StepResultSerializer(many=True)})
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def results(self, request: Request, pk: str | None = None) -> Response:
        """Per step: sent, deferred, bounced, skipped, suppressed, failed, opened, clicked and converted, in one
        grouped query."""
        return Response(StepResultSerializer(step_results(self.get_object()), many=True).data)

    @extend_schema(responses={200: BounceRateSerializer(many=True)})
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def bounces(self, request: Request, pk: str | None = None) -> Response:
        """Staff only: bounce rates of the whole campaign (first, step null), then of each step."""
        if not request.user.has_perm("campaigns.view_bounce"):
            self.permission_denied(request, message=_("Only staff see bounces."))
        return Response(BounceRateSerializer(bounce_rates(self.get_object()), many=True).data)

    def _transition(self, request: Request, service: CampaignAction) -> Response:
        if not request.user.has_perm("campaigns.change_campaign"):
            self.permission_denied(request, message=_("Only staff run campaigns."))
        campaign = self.get_object()
        try:
            service(campaign=campaign, actor=cast(User, request.user))
        except DjangoValidationError as error:
            raise Conflict(" ".join(error.messages)) from error
        return Response(self.get_serializer(self.get_queryset().get(pk=campaign.pk)).data)

    @extend_schema(request=None, responses={200: CampaignSerializer})
    @action(detail=True, methods=["post"])
    def launch(self, request: Request, pk: str | None = None) -> Response:
        """Draft → scheduled (if it starts later) or running; 409 from any other status."""
        return self._transition(request, campaign_launch)

    @extend_schema(request=None, responses={200: CampaignSerializer})
    @action(detail=True, methods=["post"])
    def pause(self, request: Request, pk: str | None = None) -> Response:
        """Scheduled or running → paused: nothing more is sent until it resumes."""
        return self._transition(request, campaign_pause)

    @extend_schema(request=None, responses={200: CampaignSerializer})
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, pk: str | None = None) -> Response:
        """Paused → scheduled or running."""
        return self._transition(request, campaign_resume)

    @extend_schema(request=None, responses={200: CampaignSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Stops for good: every delivery not yet sent is skipped."""
        return self._transition(request, campaign_cancel)


class DeliverySerializer(StrictModelSerializer[Delivery]):
    step_position = serializers.IntegerField(source="step.position", read_only=True)
    # Declared: DRF drops allow_blank from read-only fields, and the schema would then refuse the empty channel.
    channel = serializers.ChoiceField(
        choices=Channel.choices,
        allow_blank=True,
        read_only=True,
        help_text=gettext_lazy("As delivered; empty until sent."),
    )

    class Meta:
        model = Delivery
        fields = [
            "id",
            "campaign",
            "step",
            "step_position",
            "member",
            "status",
            "channel",
            "due_at",
            "claimed_at",
            "sent_at",
            "finished_at",
            "opened_at",
            "clicked_at",
            "attempts",
            "last_error",
            "created_at",
        ]
        read_only_fields = fields


class DeliveryFilter(ApiFilterSet):
    campaign = filters.ModelChoiceFilter(queryset=Campaign.objects.all())
    step = filters.ModelChoiceFilter(queryset=CampaignStep.objects.all())
    member = filters.ModelChoiceFilter(queryset=Member.objects.all())
    status = filters.ChoiceFilter(choices=DeliveryStatus.choices)

    class Meta:
        model = Delivery
        fields = ["campaign", "step", "member", "status"]


class DeliveryViewSet(viewsets.ReadOnlyModelViewSet[Delivery]):
    """The delivery log: one row per step and member, newest due first."""

    serializer_class = DeliverySerializer
    permission_classes = [RolePermission]
    read_permissions = (DASHBOARD_PERMISSION, "campaigns.view_delivery")
    filterset_class = DeliveryFilter
    ordering_fields = ["due_at", "sent_at"]
    ordering = ["-due_at", "-id"]

    def get_queryset(self) -> QuerySet[Delivery]:
        return Delivery.objects.select_related("step").order_by("-due_at", "-id")
