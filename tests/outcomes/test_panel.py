import pytest

from analytics.panels import PANELS, default_filters
from members.models import Sector
from outcomes.services import referral_feedback_give
from tests.ecosystem.factories import red_flag
from tests.outcomes.factories import report, reporter

pytestmark = pytest.mark.django_db


def test_the_outcomes_panel_shows_sectors_of_three_organisations_and_the_feedback_reach():
    flag = red_flag()
    banks = [reporter() for _ in range(3)]
    for bank in banks:
        report(member=bank, red_flag=flag, reports_filed=7)
    report(member=reporter(sector=Sector.NGO), red_flag=flag, reports_filed=2)
    referral_feedback_give(
        member=reporter(sector=Sector.LAW_ENFORCEMENT), red_flag=flag, referring_organisation=banks[0].organisation
    )
    panel = PANELS["outcomes"](default_filters())
    assert panel.rows == [["Financial institution", 3, "1–4", "1–4", "21"]]
    assert "(reports from 3 or more organisations): 1." in panel.notes[0]
    assert "1–4 referrals marked useful" in panel.notes[1]


def test_the_quarterly_invitation_segment_reads_ratings_and_outcome_reports():
    from campaigns.segments import segment_members
    from ecosystem.services import red_flag_rate

    flag = red_flag()
    rater = reporter()
    red_flag_rate(member=rater, red_flag=flag, usefulness=4)
    reported = reporter()
    red_flag_rate(member=reported, red_flag=flag, usefulness=3)
    report(member=reported, red_flag=flag, escalated=1)
    idle = reporter()
    rules = [
        {"field": "rated_red_flag_within_days", "value": 92},
        {"field": "organisation_not_reported_outcomes_within_days", "value": 92},
    ]
    assert set(segment_members(rules)) == {rater}
    assert idle not in segment_members([{"field": "rated_red_flag_within_days", "value": 92}])


def test_viewing_a_red_flag_page_feeds_the_quarterly_invitation_once_a_day(client):
    from campaigns.segments import segment_members
    from members.models import Activity, Verb
    from tests.members.factories import PASSWORD

    flag = red_flag()
    viewer = reporter()
    idle = reporter()
    client.login(email=viewer.user.email, password=PASSWORD)
    for _ in range(2):
        assert client.get(f"/ecosystem/red-flags/{flag.pk}/").status_code == 200
    assert Activity.objects.filter(member=viewer, verb=Verb.RESOURCE_VIEWED, subject_id=flag.pk).count() == 1
    rules = [{"field": "used_red_flag_within_days", "value": 92}]
    assert set(segment_members(rules)) == {viewer}
    assert idle not in segment_members([{"field": "rated_red_flag_within_days", "value": 92}])
