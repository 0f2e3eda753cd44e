import pytest

from analytics.panels import PANELS, Filters
from ecosystem import demo as ecosystem_demo
from ecosystem.models import RedFlag
from members import demo as members_demo
from members.models import Notification
from outcomes import demo
from outcomes.demo import _quarters
from outcomes.models import OutcomeReport
from outcomes.selectors import red_flag_aggregates
from personas import demo as personas_demo

pytestmark = pytest.mark.django_db


def test_demo_reports_from_several_organisations_over_a_year_once():
    personas_demo.seed()
    members_demo.seed()
    ecosystem_demo.seed()
    demo.seed()
    count = OutcomeReport.objects.count()
    demo.seed()
    assert OutcomeReport.objects.count() == count > 0
    assert OutcomeReport.objects.values("organisation").distinct().count() >= 5
    assert OutcomeReport.objects.values("period_start").distinct().count() == 4
    assert all(report.note == "Demo numbers, not real-world statistics." for report in OutcomeReport.objects.all())
    flag = RedFlag.objects.published().order_by("pk").first()
    aggregates = red_flag_aggregates(red_flag_id=flag.pk)
    assert aggregates.shown
    assert len(aggregates.chart["labels"]) == 4
    assert Notification.objects.filter(title__contains="was useful").exists()
    periods = _quarters(4)
    panel = PANELS["outcomes"](Filters(start=periods[0][0], end=periods[-1][1]))
    assert panel.rows
    assert panel.chart is not None
