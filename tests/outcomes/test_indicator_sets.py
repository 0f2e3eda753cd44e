import uuid

import pytest
from django.db import IntegrityError, transaction

from outcomes.models import OutcomeReport
from outcomes.selectors import indicator_set_aggregates
from outcomes.services import OutcomeInput, outcome_report_batch, outcome_report_submit
from tests.ecosystem.factories import indicator_set, red_flag
from tests.members.factories import PASSWORD
from tests.outcomes.factories import last_quarter, reporter

pytestmark = pytest.mark.django_db


def test_a_report_is_about_a_red_flag_or_an_indicator_set_never_both():
    start, end = last_quarter()
    the_set = indicator_set()
    filed = outcome_report_submit(
        member=reporter(), indicator_set=the_set, period_start=start, period_end=end, counts={"reports_filed": 6}
    )
    assert filed.subject == the_set
    with transaction.atomic(), pytest.raises(IntegrityError):
        OutcomeReport.objects.filter(pk=filed.pk).update(red_flag=red_flag())
    with transaction.atomic(), pytest.raises(IntegrityError):
        OutcomeReport.objects.filter(pk=filed.pk).update(indicator_set=None)


def test_an_unpublished_set_is_refused():
    start, end = last_quarter()
    stored, errors = outcome_report_batch(
        member=reporter(),
        items=[
            OutcomeInput(
                red_flag=None,
                indicator_set=indicator_set(publish=False),
                period_start=start,
                period_end=end,
                client_id=uuid.uuid4(),
            )
        ],
    )
    assert stored == 0
    assert "indicator_set" in errors["0"]


def test_indicator_set_aggregates_are_bucketed_in_the_api(client):
    start, end = last_quarter()
    the_set = indicator_set()
    for _ in range(3):
        outcome_report_submit(
            member=reporter(), indicator_set=the_set, period_start=start, period_end=end, counts={"reports_filed": 1}
        )
    assert indicator_set_aggregates(indicator_set_id=the_set.pk).organisations == 3
    viewer = reporter()
    client.login(email=viewer.user.email, password=PASSWORD)
    body = client.get(f"/api/v1/indicator-set-outcome-aggregates/{the_set.pk}/").json()
    assert {group["reports_filed"] for group in body["groups"]} == {"1–4"}
    csv_body = client.get(f"/outcomes/indicator-sets/{the_set.pk}/export.csv").content.decode()
    assert "1–4" in csv_body


def test_the_indicator_set_page_shows_its_aggregates_bucketed(client, django_assert_max_num_queries):
    start, end = last_quarter()
    the_set = indicator_set()
    viewer = reporter()
    client.login(email=viewer.user.email, password=PASSWORD)
    page = client.get(f"/ecosystem/indicator-sets/{the_set.pk}/").content.decode()
    assert "Fewer than 3 organisations have reported outcomes of this indicator set" in page
    for _ in range(3):
        outcome_report_submit(
            member=reporter(), indicator_set=the_set, period_start=start, period_end=end, counts={"reports_filed": 1}
        )
    with django_assert_max_num_queries(40):
        page = client.get(f"/ecosystem/indicator-sets/{the_set.pk}/").content.decode()
    assert "3 organisations have reported what this indicator set led to." in page
    assert "1–4" in page
    assert f"/outcomes/indicator-sets/{the_set.pk}/export.csv" in page
    assert f"?indicator_set={the_set.pk}" in page
