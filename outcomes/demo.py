"""Outcome reports for `seed_demo`: several organisations report on the demo red flags for each of the last
four quarters, so that the red flags' pages and the outcomes panel show trends; and law enforcement marks
two referrals useful. The figures are demo numbers (`demo/outcomes/reports.json` says so, and each report's
note too), never real-world statistics. Idempotent: a quarter already reported is left as it is."""

import random
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from core.demo_files import demo_json
from ecosystem.models import RedFlag, ReviewState
from members.models import Member, Organisation
from outcomes.models import OutcomeReport, ReferralFeedback
from outcomes.services import outcome_report_submit, referral_feedback_give


def _quarters(count: int) -> list[tuple[date, date]]:
    """The last `count` finished calendar quarters, oldest first."""
    today = timezone.localdate()
    first = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    periods = []
    for _ in range(count):
        end = first - timedelta(days=1)
        first = date(end.year, 3 * ((end.month - 1) // 3) + 1, 1)
        periods.append((first, end))
    return list(reversed(periods))


def _reporter(organisation: Organisation) -> Member | None:
    return Member.objects.approved().filter(organisation=organisation).select_related("user").order_by("pk").first()


def _counts(profile: dict[str, Any], scale: float, quarter: int, rng: random.Random) -> dict[str, int | None]:
    alerts = max(0, round(profile["alerts"] * scale * (1 + profile["growth"] * quarter) * rng.uniform(0.8, 1.2)))
    escalated = round(alerts * profile["escalated"])
    filed = round(escalated * profile["filed"])
    referred = round(filed * profile["referred"])
    return {
        "alerts_reviewed": alerts,
        "escalated": escalated,
        "reports_filed": filed,
        "referrals_to_law_enforcement": referred,
        "investigations_opened": round(referred * 0.5),
        "prosecutions": 0,
        "victims_identified": round(referred * 0.3),
        "false_positives": round(alerts * profile["false_positives"]) if rng.random() > 0.1 else None,
    }


def seed() -> list[tuple[str, str]]:
    data = demo_json("outcomes/reports.json")
    rng = random.Random(20261207)
    flags = list(RedFlag.objects.filter(review_state=ReviewState.PUBLISHED, revises__isnull=True).order_by("pk"))

    def flag_for(prefix: str) -> RedFlag | None:
        return next((flag for flag in flags if flag.indicator.startswith(prefix)), None)

    periods = _quarters(data["quarters"])
    for entry in data["organisations"]:
        organisation = Organisation.objects.filter(name=entry["name"]).first()
        member = _reporter(organisation) if organisation else None
        if organisation is None or member is None:
            continue
        done = set(OutcomeReport.objects.filter(organisation=organisation).values_list("red_flag_id", "period_start"))
        for profile in data["profiles"]:
            red_flag = flag_for(profile["indicator_starts"])
            if red_flag is None:
                continue
            for quarter, (start, end) in enumerate(periods):
                counts = _counts(profile, entry["scale"], quarter, rng)
                if (red_flag.pk, start) in done:
                    continue
                outcome_report_submit(
                    member=member,
                    red_flag=red_flag,
                    period_start=start,
                    period_end=end,
                    counts=counts,
                    note=data["note"],
                )
    for entry in data["feedback"]:
        giver = Organisation.objects.filter(name=entry["from"]).first()
        referring = Organisation.objects.filter(name=entry["referring"]).first()
        red_flag = flag_for(entry["indicator_starts"])
        member = _reporter(giver) if giver else None
        if member is None or referring is None or red_flag is None:
            continue
        if not ReferralFeedback.objects.filter(red_flag=red_flag, referring_organisation=referring).exists():
            referral_feedback_give(member=member, red_flag=red_flag, referring_organisation=referring)
    return []
