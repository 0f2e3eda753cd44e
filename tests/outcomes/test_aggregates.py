import csv
import io

import pytest
from django.urls import reverse

from members.models import Sector
from outcomes.selectors import bucket, red_flag_aggregates
from tests.ecosystem.factories import red_flag
from tests.members.factories import PASSWORD
from tests.outcomes.factories import report, reporter

pytestmark = pytest.mark.django_db


def login(client, member):
    client.login(email=member.user.email, password=PASSWORD)


def test_bucket():
    assert [bucket(n) for n in (None, 0, 1, 4, 5, 120)] == ["–", "0", "1–4", "1–4", "5", "120"]


def test_nothing_is_shown_below_three_organisations():
    flag = red_flag()
    for _ in range(2):
        report(member=reporter(), red_flag=flag, reports_filed=10)
    aggregates = red_flag_aggregates(red_flag_id=flag.pk)
    assert aggregates.organisations is None
    assert aggregates.rows() == []


def test_groups_under_the_minimum_are_hidden_and_small_counts_bucketed():
    flag = red_flag()
    for _ in range(3):
        report(member=reporter(country="GB"), red_flag=flag, reports_filed=1, escalated=10, false_positives=10)
    report(member=reporter(sector=Sector.NGO, country="US"), red_flag=flag, reports_filed=51)
    aggregates = red_flag_aggregates(red_flag_id=flag.pk)
    assert aggregates.organisations == 4
    shown = {(group.dimension, group.name) for group in aggregates.groups}
    # Banks (3) and the United Kingdom (3) are shown; the NGO and the United States (1 each) are not.
    assert shown == {("Sector", "Financial institution"), ("Jurisdiction", "United Kingdom")}
    sector_row = next(group for group in aggregates.groups if group.dimension == "Sector")
    assert sector_row.cells()[6] == "1–4"  # reports filed: 3
    assert sector_row.precision == 50
    assert aggregates.chart["datasets"][0]["data"] == [None]  # bucketed in the chart too
    assert "51" not in str(aggregates.as_json())


def _flag_with_small_counts():
    flag = red_flag()
    for index in range(3):
        report(member=reporter(), red_flag=flag, reports_filed=1, prosecutions=index % 2)
    return flag


def test_bucketing_holds_on_the_page(client):
    flag = _flag_with_small_counts()
    viewer = reporter(sector=Sector.NGO)
    login(client, viewer)
    page = client.get(reverse("ecosystem:red_flag", args=[flag.pk])).content.decode()
    assert "Outcomes reported by members" in page
    assert "<td>1–4</td>" in page
    assert "<td>3</td>" in page  # organisations; never the reports filed total


def test_bucketing_holds_in_the_csv(client):
    flag = _flag_with_small_counts()
    login(client, reporter())
    response = client.get(reverse("outcomes:red_flag_csv", args=[flag.pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["Quarter", "By", "Group", "Organisations"]
    assert all(row[6] == "1–4" for row in rows[1:])
    assert len(rows) == 3  # the sector and the jurisdiction of one quarter


def test_bucketing_holds_in_the_api(client):
    flag = _flag_with_small_counts()
    login(client, reporter())
    body = client.get(f"/api/v1/outcome-aggregates/{flag.pk}/").json()
    assert body["organisations_reporting"] == 3
    assert {group["reports_filed"] for group in body["groups"]} == {"1–4"}
    assert {group["prosecutions"] for group in body["groups"]} == {"1–4"}


def test_the_red_flag_page_says_when_too_few_report(client):
    flag = red_flag()
    report(member=reporter(), red_flag=flag, reports_filed=37)
    login(client, reporter())
    page = client.get(reverse("ecosystem:red_flag", args=[flag.pk])).content.decode()
    assert "Fewer than 3 organisations" in page
    panel = page.split("Outcomes reported by members")[1].split("</section>")[0]
    assert "37" not in panel
