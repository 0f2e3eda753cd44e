import uuid

import pytest
from django.urls import reverse

from members.models import Notification, Sector
from outcomes.models import OutcomeReport
from sharing.models import AccessLog
from tests.ecosystem.factories import red_flag
from tests.members.factories import PASSWORD, MemberFactory, staff_user
from tests.outcomes.factories import last_quarter, report, reporter

pytestmark = pytest.mark.django_db


def login(client, user):
    client.login(email=user.email, password=PASSWORD)


def test_a_member_files_a_report_from_the_form(client):
    member = reporter()
    flag = red_flag()
    login(client, member.user)
    start, end = last_quarter()
    data = {
        "red_flag": flag.pk,
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "alerts_reviewed": 12,
        "escalated": 3,
        "reports_filed": 1,
        "referrals_to_law_enforcement": 0,
        "investigations_opened": 0,
        "prosecutions": 0,
        "victims_identified": 0,
        "false_positives": "",
        "note": "Worked well with the cash threshold",
    }
    response = client.post(reverse("outcomes:new"), data)
    assert response.status_code == 302
    assert OutcomeReport.objects.get().escalated == 3
    refused = client.post(reverse("outcomes:new"), {**data, "period_start": "2020-01-01", "note": "call 0207 946 0958"})
    assert refused.status_code == 200
    assert "phone, account or case number" in refused.content.decode()
    assert OutcomeReport.objects.count() == 1


def test_another_organisation_never_sees_a_report(client):
    flag = red_flag()
    own = report(member=reporter(), red_flag=flag, escalated=7)
    colleague = MemberFactory(organisation=own.organisation)
    other = reporter()
    login(client, colleague.user)
    assert f"#{flag.pk}" in client.get(reverse("outcomes:mine")).content.decode()
    assert client.get("/api/v1/outcome-reports/").json()["count"] == 1
    client.logout()
    login(client, other.user)
    assert f"#{flag.pk}" not in client.get(reverse("outcomes:mine")).content.decode()
    assert client.get("/api/v1/outcome-reports/").json()["count"] == 0
    assert client.get(f"/api/v1/outcome-reports/{own.pk}/").status_code == 404


def test_my_reports_query_count_is_pinned(client, django_assert_num_queries):
    member = reporter()
    for _ in range(3):
        report(member=member, red_flag=red_flag())
    login(client, member.user)
    client.get(reverse("outcomes:mine"))
    with django_assert_num_queries(3):  # + the access log of the AMBER+STRICT reports, one INSERT
        client.get(reverse("outcomes:mine"))
    for _ in range(3):
        report(member=member, red_flag=red_flag())
    with django_assert_num_queries(3):
        assert client.get(reverse("outcomes:mine")).status_code == 200
    assert AccessLog.objects.filter(user=member.user).count() == 3 + 3 + 6


def test_the_reports_api_list_query_count_is_pinned(client, django_assert_num_queries):
    member = reporter()
    for _ in range(2):
        report(member=member, red_flag=red_flag())
    login(client, member.user)
    client.get("/api/v1/outcome-reports/")
    with django_assert_num_queries(4):
        client.get("/api/v1/outcome-reports/")
    for _ in range(4):
        report(member=member, red_flag=red_flag())
    with django_assert_num_queries(4):
        assert client.get("/api/v1/outcome-reports/").json()["count"] == 6


def test_only_staff_see_the_review_queue(client, without_mfa_requirement):
    login(client, reporter().user)
    assert client.get(reverse("outcomes:review")).status_code == 403
    client.logout()
    login(client, staff_user())
    assert client.get(reverse("outcomes:review")).status_code == 200


def test_only_law_enforcement_may_mark_a_referral_useful(client):
    flag = red_flag()
    bank = reporter()
    url = reverse("outcomes:referral_feedback", args=[flag.pk])
    login(client, reporter().user)
    assert client.post(url, {"referring_organisation": bank.organisation_id}).status_code == 403
    client.logout()
    police = reporter(sector=Sector.PROSECUTOR)
    login(client, police.user)
    assert (
        "Was a referral citing this red flag useful"
        in client.get(reverse("ecosystem:red_flag", args=[flag.pk])).content.decode()
    )
    assert client.post(url, {"referring_organisation": bank.organisation_id}).status_code == 302
    assert Notification.objects.filter(member=bank).count() == 1


def test_the_batch_api_is_idempotent_and_screens_notes(client):
    member = reporter()
    flag = red_flag()
    start, end = last_quarter()
    login(client, member.user)
    body = {
        "reports": [
            {
                "client_id": str(uuid.uuid4()),
                "red_flag": flag.pk,
                "period_start": start.isoformat(),
                "period_end": end.isoformat(),
                "escalated": 4,
            }
        ]
    }
    first = client.post("/api/v1/outcome-reports/batch/", body, content_type="application/json")
    assert first.json() == {"received": 1, "stored": 1}
    again = client.post("/api/v1/outcome-reports/batch/", body, content_type="application/json")
    assert again.json() == {"received": 1, "stored": 0}
    body["reports"][0].update(client_id=str(uuid.uuid4()), red_flag=red_flag().pk, note="mail a@b.example")
    refused = client.post("/api/v1/outcome-reports/batch/", body, content_type="application/json")
    assert refused.status_code == 400
    assert OutcomeReport.objects.count() == 1


def test_the_red_flag_page_and_api_query_counts_are_pinned(client, django_assert_num_queries):
    flag = red_flag()
    for _ in range(3):
        report(member=reporter(), red_flag=flag, escalated=5)
    viewer = reporter()
    login(client, viewer.user)
    client.get(f"/api/v1/outcome-aggregates/{flag.pk}/")
    with django_assert_num_queries(3):
        client.get(f"/api/v1/outcome-aggregates/{flag.pk}/")
    for _ in range(3):
        report(member=reporter(), red_flag=flag, escalated=5)
    with django_assert_num_queries(3):
        assert client.get(f"/api/v1/outcome-aggregates/{flag.pk}/").status_code == 200
