"""Outcomes: what members report red flags and indicator sets led to, by sector; the red flags with evidence
enough to show (reports from at least three organisations); and the reach of the feedback loop (law
enforcement's word that a referral was useful). Counts from 1 to 4 are bucketed, as everywhere outside the
reporting organisation; a sector reported by fewer than three organisations is not shown."""

from collections import defaultdict
from dataclasses import replace
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from analytics.panels.base import Chart, Filters, Panel
from outcomes.models import OutcomeReport, ReferralFeedback
from outcomes.selectors import MIN_ORGANISATIONS, bucket, chart_value, quarter_of
from personas.models import Sector


def _in_filters(filters: Filters) -> Q:
    condition = Q(period_end__gte=filters.start, period_start__lte=filters.end)
    if filters.sector:
        condition &= Q(sector=filters.sector)
    if filters.country:
        condition &= Q(jurisdiction=filters.country)
    return condition


def outcomes(filters: Filters) -> Panel:
    """Reports whose period overlaps the filters' dates, by sector (persona does not apply); two queries."""
    filters = replace(filters, persona=None)
    rows = list(
        OutcomeReport.objects.filter(_in_filters(filters))
        .order_by()
        .values_list("sector", "organisation_id", "red_flag_id", "indicator_set_id", "period_start", "reports_filed")
    )
    by_sector: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    organisations_by_subject: dict[tuple[int | None, int | None], set[int]] = defaultdict(set)
    for row in rows:
        by_sector[row[0]].append(row)
        organisations_by_subject[row[2], row[3]].add(row[1])
    table: list[list[Any]] = []
    quarters = sorted({quarter_of(row[4]) for row in rows})
    datasets = []
    for sector in Sector:
        sector_rows = by_sector.get(sector.value, [])
        organisations = len({row[1] for row in sector_rows})
        if organisations < MIN_ORGANISATIONS:
            continue
        subjects = len({(row[2], row[3]) for row in sector_rows})
        table.append(
            [
                str(sector.label),
                organisations,
                bucket(len(sector_rows)),
                bucket(subjects),
                bucket(sum(r[5] for r in sector_rows)),
            ]
        )
        datasets.append(
            {
                "label": str(sector.label),
                "data": [
                    chart_value(sum(1 for r in sector_rows if quarter_of(r[4]) == quarter)) for quarter in quarters
                ],
            }
        )
    with_evidence = sum(1 for orgs in organisations_by_subject.values() if len(orgs) >= MIN_ORGANISATIONS)
    feedback = ReferralFeedback.objects.filter(
        created_at__date__gte=filters.start, created_at__date__lte=filters.end
    ).values_list("referring_organisation_id", flat=True)
    feedback_list = list(feedback)
    notes = [
        _("Red flags and indicator sets with evidence (reports from %(minimum)d or more organisations): %(count)s.")
        % {"minimum": MIN_ORGANISATIONS, "count": with_evidence},
        _("Feedback loop: %(notices)s referrals marked useful, reaching %(organisations)s organisations.")
        % {"notices": bucket(len(feedback_list)), "organisations": bucket(len(set(feedback_list)))},
        _("Counts from 1 to 4 read “1–4”; sectors under %(minimum)d organisations are not shown.")
        % {"minimum": MIN_ORGANISATIONS},
    ]
    return Panel(
        title=_("Outcome reports by sector"),
        columns=[_("Sector"), _("Organisations reporting"), _("Reports"), _("Red flags and sets"), _("Reports filed")],
        rows=table,
        chart=Chart(kind="bar", labels=quarters, datasets=datasets, stacked=True) if table else None,
        notes=notes,
    )
