"""Outcome reports through the API: the caller's organisation's reports, batches of reports (idempotent by
client id, like activity), and the aggregates of a red flag, read-only and bucketed as on its page."""

from collections.abc import Sequence
from typing import Any

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle

from core.api_base import StrictCharField, StrictModelSerializer
from core.api_limits import ActivityBatchThrottle, PageNumberPagination, TokenRateThrottle
from ecosystem.models import IndicatorSet, RedFlag
from ecosystem.selectors import INDICATOR_SET_SHARING, RED_FLAG_SHARING, visible_indicator_sets, visible_red_flags
from members.api_auth import IsPortalMember
from members.models import Source
from members.selectors import member_for_user
from outcomes.models import COUNT_FIELDS, OutcomeReport
from outcomes.selectors import OUTCOME_SHARING, indicator_set_aggregates, red_flag_aggregates, reports_visible_to
from outcomes.services import BATCH_LIMIT, OutcomeInput, outcome_report_batch
from sharing.models import Channel
from sharing.services import access_record


class OutcomeReportSerializer(StrictModelSerializer[OutcomeReport]):
    class Meta:
        model = OutcomeReport
        fields = [
            "id",
            "client_id",
            "red_flag",
            "indicator_set",
            "period_start",
            "period_end",
            *COUNT_FIELDS,
            "note",
            "sector",
            "jurisdiction",
            "label",
            "created_at",
        ]
        read_only_fields = fields


class OutcomeInputSerializer(serializers.Serializer[Any]):
    client_id = serializers.UUIDField(
        help_text=gettext_lazy("Chosen by the client; a resent report with the same id is skipped.")
    )
    red_flag = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
    indicator_set = serializers.IntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy("Give a red flag or an indicator set."),
    )
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    alerts_reviewed = serializers.IntegerField(min_value=0, default=0)
    escalated = serializers.IntegerField(min_value=0, default=0)
    reports_filed = serializers.IntegerField(min_value=0, default=0)
    referrals_to_law_enforcement = serializers.IntegerField(min_value=0, default=0)
    investigations_opened = serializers.IntegerField(min_value=0, default=0)
    prosecutions = serializers.IntegerField(min_value=0, default=0)
    victims_identified = serializers.IntegerField(min_value=0, default=0)
    false_positives = serializers.IntegerField(
        min_value=0, required=False, allow_null=True, default=None, help_text=gettext_lazy("Null when not tracked.")
    )
    note = StrictCharField(max_length=500, required=False, allow_blank=True, default="")


class OutcomeBatchSerializer(serializers.Serializer[Any]):
    reports = OutcomeInputSerializer(many=True, min_length=1, max_length=BATCH_LIMIT)  # type: ignore[call-arg]


class OutcomeBatchResultSerializer(serializers.Serializer[Any]):
    received = serializers.IntegerField()
    stored = serializers.IntegerField(
        help_text=gettext_lazy("New reports; the others had been stored before (same client id).")
    )


class OutcomeAggregateGroupSerializer(serializers.Serializer[Any]):
    quarter = serializers.CharField()
    by = serializers.CharField()
    group = serializers.CharField()
    organisations = serializers.IntegerField()
    alerts_reviewed = serializers.CharField(help_text=gettext_lazy("Bucketed: counts from 1 to 4 read “1–4”."))
    escalated = serializers.CharField()
    reports_filed = serializers.CharField()
    referrals_to_law_enforcement = serializers.CharField()
    investigations_opened = serializers.CharField()
    prosecutions = serializers.CharField()
    victims_identified = serializers.CharField()
    false_positives = serializers.CharField()
    precision_percent = serializers.IntegerField(allow_null=True)


class OutcomeAggregatesSerializer(serializers.Serializer[Any]):
    organisations_reporting = serializers.IntegerField(
        allow_null=True, help_text=gettext_lazy("Null below the minimum of organisations: nothing is shown then.")
    )
    minimum_organisations = serializers.IntegerField()
    groups = OutcomeAggregateGroupSerializer(many=True)


class OutcomeReportViewSet(viewsets.ReadOnlyModelViewSet[OutcomeReport]):
    """My organisation's outcome reports (TLP:AMBER+STRICT to it), newest period first; batches of new ones."""

    serializer_class = OutcomeReportSerializer
    permission_classes = [permissions.IsAuthenticated, IsPortalMember]
    pagination_class = PageNumberPagination

    def get_queryset(self) -> Any:
        return reports_visible_to(user=self.request.user)  # type: ignore[arg-type]

    def paginate_queryset(self, queryset: Any) -> Sequence[Any] | None:
        page = super().paginate_queryset(queryset)
        access_record(user=self.request.user, objects=page or [], spec=OUTCOME_SHARING, channel=Channel.API)
        return page

    def get_object(self) -> OutcomeReport:
        report = super().get_object()
        access_record(user=self.request.user, objects=[report], spec=OUTCOME_SHARING, channel=Channel.API)
        return report

    def get_throttles(self) -> list[BaseThrottle]:
        if self.action == "batch":
            return [ActivityBatchThrottle(), TokenRateThrottle()]
        return super().get_throttles()

    @extend_schema(request=OutcomeBatchSerializer, responses={200: OutcomeBatchResultSerializer})
    @action(detail=False, methods=["post"])
    def batch(self, request: Request) -> Response:
        """Up to 200 reports for the caller's organisation, all validated before any is stored (counts only; the
        note is screened for personal data); a resend stores nothing twice."""
        member = member_for_user(user=request.user)
        if member is None or member.organisation_id is None:
            raise serializers.ValidationError({"detail": [_("Only members of an organisation report outcomes.")]})
        body = OutcomeBatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        rows = body.validated_data["reports"]
        flags = {flag.pk: flag for flag in RedFlag.objects.filter(pk__in={row["red_flag"] for row in rows})}
        sets = {s.pk: s for s in IndicatorSet.objects.filter(pk__in={row["indicator_set"] for row in rows})}
        missing: dict[str, Any] = {}
        for index, row in enumerate(rows):
            if (row["red_flag"] is None) == (row["indicator_set"] is None):
                missing[str(index)] = {"red_flag": [_("Give a red flag or an indicator set, not both.")]}
            elif row["red_flag"] is not None and row["red_flag"] not in flags:
                missing[str(index)] = {"red_flag": [_("There is no red flag %(id)s.") % {"id": row["red_flag"]}]}
            elif row["indicator_set"] is not None and row["indicator_set"] not in sets:
                missing[str(index)] = {
                    "indicator_set": [_("There is no indicator set %(id)s.") % {"id": row["indicator_set"]}]
                }
        if missing:
            raise serializers.ValidationError({"reports": missing})
        items = [
            OutcomeInput(
                red_flag=flags.get(row["red_flag"]),
                indicator_set=sets.get(row["indicator_set"]),
                period_start=row["period_start"],
                period_end=row["period_end"],
                counts={name: row[name] for name in COUNT_FIELDS},
                note=row["note"],
                client_id=row["client_id"],
            )
            for row in rows
        ]
        stored, errors = outcome_report_batch(member=member, items=items, source=Source.API)
        if errors:
            raise serializers.ValidationError({"reports": errors})
        return Response({"received": len(items), "stored": stored})


class OutcomeAggregateViewSet(viewsets.ViewSet):
    """A red flag's outcomes as every member sees them: groups of at least three organisations, small counts
    bucketed. Looked up by the red flag's id."""

    permission_classes = [permissions.IsAuthenticated, IsPortalMember]

    @extend_schema(responses={200: OutcomeAggregatesSerializer})
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        red_flag = get_object_or_404(
            visible_red_flags(user=request.user),  # type: ignore[arg-type]
            pk=pk if str(pk).isdigit() else 0,
        )
        access_record(user=request.user, objects=[red_flag], spec=RED_FLAG_SHARING, channel=Channel.API)
        return Response(red_flag_aggregates(red_flag_id=red_flag.pk).as_json())


class IndicatorSetOutcomeAggregateViewSet(viewsets.ViewSet):
    """An indicator set's outcomes as every member sees them, like a red flag's. Looked up by the set's id."""

    permission_classes = [permissions.IsAuthenticated, IsPortalMember]

    @extend_schema(responses={200: OutcomeAggregatesSerializer})
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        indicator_set = get_object_or_404(
            visible_indicator_sets(user=request.user),  # type: ignore[arg-type]
            pk=pk if str(pk).isdigit() else 0,
        )
        access_record(user=request.user, objects=[indicator_set], spec=INDICATOR_SET_SHARING, channel=Channel.API)
        return Response(indicator_set_aggregates(indicator_set_id=indicator_set.pk).as_json())
