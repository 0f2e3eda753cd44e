"""Reads of outcome reports: an organisation's own reports (under their label, through `sharing`), and the
aggregates every member sees on a red flag's page, its CSV and the API.

The aggregates never show a group (a quarter's sector or jurisdiction) reported by fewer than
`MIN_ORGANISATIONS` organisations, and show every count from 1 to `SMALL_COUNT_MAX` as the bucket "1–4", so
that no report can be traced back to the organisation that filed it.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries

from members.models import User
from outcomes.models import COUNT_FIELDS, OutcomeReport
from personas.models import Sector
from sharing.selectors import Labelled, scope

# A report belongs to the member who filed it and to their organisation; TLP:AMBER+STRICT by default.
OUTCOME_SHARING = Labelled(author="member__user", owner_organisation="organisation")
MIN_ORGANISATIONS = 3
SMALL_COUNT_MAX = 4
# A precision-like figure is shown only over at least this many escalations and false positives together.
MIN_PRECISION_BASE = 5

COUNT_LABELS = {
    "alerts_reviewed": gettext_lazy("Alerts reviewed"),
    "escalated": gettext_lazy("Escalated"),
    "reports_filed": gettext_lazy("Reports filed"),
    "referrals_to_law_enforcement": gettext_lazy("Referrals to law enforcement"),
    "investigations_opened": gettext_lazy("Investigations opened"),
    "prosecutions": gettext_lazy("Prosecutions"),
    "victims_identified": gettext_lazy("Victims identified"),
    "false_positives": gettext_lazy("False positives"),
}
# The measures the chart draws, by quarter.
CHART_FIELDS = ("reports_filed", "referrals_to_law_enforcement", "investigations_opened", "false_positives")


def bucket(value: int | None) -> str:
    """A count as shown anywhere outside the reporting organisation: "1–4" for small counts."""
    if value is None:
        return "–"
    if 1 <= value <= SMALL_COUNT_MAX:
        return f"1–{SMALL_COUNT_MAX}"
    return str(value)


def chart_value(value: int) -> int | None:
    """A count as a chart draws it: a small one is left out (a gap), as the table shows it bucketed."""
    return None if 1 <= value <= SMALL_COUNT_MAX else value


def quarter_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def reports_visible_to(*, user: User) -> QuerySet[OutcomeReport]:
    """The reports `user` may see: by default their own organisation's (and staff with oversight)."""
    reports = OutcomeReport.objects.select_related("red_flag", "indicator_set", "member__user", "organisation")
    return scope(reports, user=user, spec=OUTCOME_SHARING)


@dataclass
class Group:
    quarter: str
    dimension: str
    name: str
    organisations: int
    totals: dict[str, int]
    precision: int | None

    def cells(self) -> list[str]:
        """The row as pages, CSV and API show it: counts bucketed, precision in percent."""
        return [
            self.quarter,
            self.dimension,
            self.name,
            str(self.organisations),
            *(bucket(self.totals[name]) for name in COUNT_FIELDS),
            f"≈{self.precision} %" if self.precision is not None else "–",
        ]


@dataclass
class Aggregates:
    organisations: int | None
    groups: list[Group] = field(default_factory=list)
    chart: dict[str, Any] = field(default_factory=dict)

    @property
    def shown(self) -> bool:
        return self.organisations is not None

    @staticmethod
    def columns() -> list[str]:
        return [
            _("Quarter"),
            _("By"),
            _("Group"),
            _("Organisations"),
            *(str(COUNT_LABELS[name]) for name in COUNT_FIELDS),
            _("Precision-like figure"),
        ]

    def rows(self) -> list[list[str]]:
        return [group.cells() for group in self.groups]

    def as_json(self) -> dict[str, Any]:
        return {
            "organisations_reporting": self.organisations,
            "minimum_organisations": MIN_ORGANISATIONS,
            "groups": [
                {
                    "quarter": group.quarter,
                    "by": group.dimension,
                    "group": group.name,
                    "organisations": group.organisations,
                    **{name: bucket(group.totals[name]) for name in COUNT_FIELDS},
                    "precision_percent": group.precision,
                }
                for group in self.groups
            ],
        }


def _precision(rows: list[dict[str, Any]]) -> int | None:
    """Escalated ÷ (escalated + false positives), over the reports that track false positives, by at least the
    minimum of organisations and over a base that is not small; rounded to 5 %."""
    tracked = [row for row in rows if row["false_positives"] is not None]
    if len({row["organisation_id"] for row in tracked}) < MIN_ORGANISATIONS:
        return None
    escalated = sum(row["escalated"] for row in tracked)
    base = escalated + sum(row["false_positives"] for row in tracked)
    if base < MIN_PRECISION_BASE:
        return None
    return int(round(escalated / base * 20) * 5)


def _group(quarter: str, dimension: str, name: str, rows: list[dict[str, Any]]) -> Group | None:
    organisations = len({row["organisation_id"] for row in rows})
    if organisations < MIN_ORGANISATIONS:
        return None
    totals = {name: sum(row[name] or 0 for row in rows) for name in COUNT_FIELDS}
    return Group(quarter, dimension, name, organisations, totals, _precision(rows))


def aggregate(rows: Iterable[dict[str, Any]]) -> Aggregates:
    """The aggregates of a set of report rows (`values()` with the organisation, sector, jurisdiction,
    period start and counts)."""
    rows = list(rows)
    organisations = len({row["organisation_id"] for row in rows})
    if organisations < MIN_ORGANISATIONS:
        return Aggregates(organisations=None)
    by_sector: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    by_jurisdiction: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        quarter = quarter_of(row["period_start"])
        by_sector[quarter, row["sector"]].append(row)
        by_jurisdiction[quarter, row["jurisdiction"]].append(row)
    sector_label, jurisdiction_label = _("Sector"), _("Jurisdiction")
    groups = [
        group
        for (quarter, sector), members in sorted(by_sector.items())
        if (group := _group(quarter, sector_label, str(Sector(sector).label), members))
    ] + [
        group
        for (quarter, code), members in sorted(by_jurisdiction.items())
        if (group := _group(quarter, jurisdiction_label, str(countries.name(code) or code), members))
    ]
    groups.sort(key=lambda group: (group.quarter, group.dimension, group.name))
    # The chart: each quarter's totals over the sectors shown (never over hidden groups).
    quarters = sorted({group.quarter for group in groups if group.dimension == sector_label})
    datasets = [
        {
            "label": str(COUNT_LABELS[name]),
            "data": [
                chart_value(sum(g.totals[name] for g in groups if g.quarter == quarter and g.dimension == sector_label))
                for quarter in quarters
            ],
        }
        for name in CHART_FIELDS
    ]
    return Aggregates(
        organisations=organisations,
        groups=groups,
        chart={"kind": "bar", "labels": quarters, "datasets": datasets},
    )


REPORT_VALUES = ("organisation_id", "sector", "jurisdiction", "period_start", *COUNT_FIELDS)


def red_flag_aggregates(*, red_flag_id: int) -> Aggregates:
    """Every member's view of a red flag's outcomes (one query). The caller has checked the viewer may see
    the red flag."""
    return aggregate(OutcomeReport.objects.filter(red_flag_id=red_flag_id).values(*REPORT_VALUES))


def indicator_set_aggregates(*, indicator_set_id: int) -> Aggregates:
    """The same, for an indicator set (one query). The caller has checked the viewer may see the set."""
    return aggregate(OutcomeReport.objects.filter(indicator_set_id=indicator_set_id).values(*REPORT_VALUES))
