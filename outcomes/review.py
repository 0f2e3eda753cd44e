"""The staff review queue: published red flags whose outcome reports suggest a change of confidence.

The rules, over the reports of the last year (periods ending within it), each needing reports from at least
`MIN_ORGANISATIONS` organisations, so that no single organisation's figures move a red flag:

- many false positives: false positives are at least `FALSE_POSITIVE_SHARE` of escalations and false
  positives together, over the reports that track them;
- no outcomes in a year: no report filed, referral, investigation, prosecution or victim identified at all;
- outcomes concentrated in one jurisdiction: a red flag said to apply globally whose outcomes (at least
  `MIN_CONCENTRATED_OUTCOMES`) come for `CONCENTRATION_SHARE` or more from one jurisdiction.

Each proposes one step lower confidence (nothing when it is already low). A proposal decided (accepted or
dismissed) under a rule is not proposed again under that rule for `QUIET_DAYS`.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.utils import timezone

from ecosystem.models import GLOBAL, Confidence, RedFlag
from outcomes.models import COUNT_FIELDS, OutcomeReport, ReviewDecision, ReviewRule
from outcomes.selectors import MIN_ORGANISATIONS

FALSE_POSITIVE_SHARE = 0.8
CONCENTRATION_SHARE = 0.9
MIN_CONCENTRATED_OUTCOMES = 10
QUIET_DAYS = 90
WINDOW_DAYS = 365
OUTCOME_FIELDS = (
    "reports_filed",
    "referrals_to_law_enforcement",
    "investigations_opened",
    "prosecutions",
    "victims_identified",
)
LOWER = {Confidence.HIGH: Confidence.MEDIUM, Confidence.MEDIUM: Confidence.LOW}


@dataclass(frozen=True)
class Proposal:
    red_flag: RedFlag
    rule: ReviewRule
    proposed_confidence: str
    evidence: str


def _rules(rows: list[dict[str, Any]], *, jurisdiction: str) -> list[tuple[ReviewRule, str]]:
    """The rules a red flag's reports of the last year meet, each with the evidence in a few words."""
    met: list[tuple[ReviewRule, str]] = []
    tracked = [row for row in rows if row["false_positives"] is not None]
    if len({row["organisation_id"] for row in tracked}) >= MIN_ORGANISATIONS:
        false_positives = sum(row["false_positives"] for row in tracked)
        base = false_positives + sum(row["escalated"] for row in tracked)
        if base and false_positives / base >= FALSE_POSITIVE_SHARE:
            met.append((ReviewRule.FALSE_POSITIVES, f"{round(false_positives / base * 100)} %"))
    outcomes = sum(row[name] for row in rows for name in OUTCOME_FIELDS)
    if outcomes == 0:
        met.append((ReviewRule.NO_OUTCOMES, "0"))
    elif jurisdiction == GLOBAL and outcomes >= MIN_CONCENTRATED_OUTCOMES:
        by_place: dict[str, int] = defaultdict(int)
        for row in rows:
            by_place[row["jurisdiction"]] += sum(row[name] for name in OUTCOME_FIELDS)
        place, most = max(by_place.items(), key=lambda item: item[1])
        if most / outcomes >= CONCENTRATION_SHARE:
            met.append((ReviewRule.CONCENTRATED, f"{place} {round(most / outcomes * 100)} %"))
    return met


def review_queue() -> list[Proposal]:
    """Every proposal, in red-flag order (three queries)."""
    now = timezone.now()
    since = (now - timedelta(days=WINDOW_DAYS)).date()
    rows_by_flag: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in (
        OutcomeReport.objects.filter(period_end__gte=since, red_flag__isnull=False, red_flag__review_state="published")
        .values("red_flag_id", "organisation_id", "jurisdiction", *COUNT_FIELDS)
        .order_by()
    ):
        rows_by_flag[row["red_flag_id"]].append(row)
    candidates = {
        flag_id: rows
        for flag_id, rows in rows_by_flag.items()
        if len({row["organisation_id"] for row in rows}) >= MIN_ORGANISATIONS
    }
    quiet = set(
        ReviewDecision.objects.filter(
            red_flag_id__in=candidates, decided_at__gte=now - timedelta(days=QUIET_DAYS)
        ).values_list("red_flag_id", "rule")
    )
    proposals = []
    for red_flag in RedFlag.objects.filter(pk__in=candidates).select_related("category").order_by("pk"):
        lower = LOWER.get(Confidence(red_flag.confidence))
        if lower is None:
            continue
        for rule, evidence in _rules(candidates[red_flag.pk], jurisdiction=red_flag.jurisdiction):
            if (red_flag.pk, rule.value) not in quiet:
                proposals.append(Proposal(red_flag, rule, lower.value, evidence))
    return proposals
