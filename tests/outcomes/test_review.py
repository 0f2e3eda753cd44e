from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ecosystem.models import RedFlagRevision
from outcomes.models import ReviewRule
from outcomes.review import review_queue
from outcomes.services import outcome_review_decide
from tests.ecosystem.factories import red_flag
from tests.members.factories import PASSWORD, staff_user
from tests.outcomes.factories import report, reporter

pytestmark = pytest.mark.django_db


def three_report(flag, countries=("GB", "GB", "GB"), **counts):
    for country in countries:
        report(member=reporter(country=country), red_flag=flag, **counts)


def test_the_queue_proposes_exactly_the_flags_the_rules_say():
    noisy = red_flag(confidence="high")
    three_report(noisy, escalated=2, false_positives=40, reports_filed=1)
    silent = red_flag(confidence="medium")
    three_report(silent, alerts_reviewed=30, escalated=0)
    concentrated = red_flag(confidence="high")  # global by default
    three_report(concentrated, countries=("US", "US", "GB"), reports_filed=0)
    report(member=reporter(country="US"), red_flag=concentrated, reports_filed=40)
    local = red_flag(confidence="high", jurisdiction="United States")
    three_report(local, countries=("US", "US", "US"), reports_filed=20)
    healthy = red_flag(confidence="high")
    three_report(healthy, countries=("US", "GB", "CA"), escalated=10, false_positives=2, reports_filed=5)
    thin = red_flag(confidence="high")  # two organisations only: no evidence enough
    for _ in range(2):
        report(member=reporter(), red_flag=thin, escalated=0, false_positives=50)
    already_low = red_flag(confidence="low")
    three_report(already_low, alerts_reviewed=3)

    proposals = {(p.red_flag.pk, p.rule, p.proposed_confidence) for p in review_queue()}
    assert proposals == {
        (noisy.pk, ReviewRule.FALSE_POSITIVES, "medium"),
        (silent.pk, ReviewRule.NO_OUTCOMES, "low"),
        (concentrated.pk, ReviewRule.CONCENTRATED, "medium"),
    }


def test_reports_older_than_a_year_do_not_count():
    flag = red_flag(confidence="high")
    end = timezone.localdate() - timedelta(days=400)
    for _ in range(3):
        report(member=reporter(), red_flag=flag, period=(end - timedelta(days=30), end), false_positives=9)
    assert review_queue() == []


def test_a_decided_proposal_leaves_the_queue(client, without_mfa_requirement):
    flag = red_flag(confidence="high")
    three_report(flag, countries=("GB", "US", "CA"), escalated=1, false_positives=30, reports_filed=5)
    staff = staff_user()
    client.login(email=staff.email, password=PASSWORD)
    page = client.get(reverse("outcomes:review"))
    assert f"#{flag.pk}" in page.content.decode()
    response = client.post(
        reverse("outcomes:review"),
        {
            "red_flag": flag.pk,
            "rule": ReviewRule.FALSE_POSITIVES,
            "proposed_confidence": "medium",
            "decision": "accept",
            "reason": "Three banks find it noisy",
        },
    )
    assert response.status_code == 302
    flag.refresh_from_db()
    assert flag.confidence == "medium"
    assert RedFlagRevision.objects.filter(red_flag=flag, reason__contains="Three banks find it noisy").exists()
    assert review_queue() == []


def test_a_dismissed_proposal_is_not_proposed_again_soon():
    flag = red_flag(confidence="high")
    three_report(flag, countries=("GB", "US", "CA"), escalated=1, false_positives=30, reports_filed=5)
    outcome_review_decide(
        red_flag=flag,
        rule=ReviewRule.FALSE_POSITIVES,
        proposed_confidence="medium",
        accept=False,
        reason="A known tuning issue",
        by=staff_user(),
    )
    assert review_queue() == []
