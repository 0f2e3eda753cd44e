from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from analytics.models import RollupRefresh
from engagement.models import EngagementRun, EngagementSettings, MemberEngagement, StageTransition
from engagement.scoring import engagement_recompute, engagement_settings
from members.models import Verb
from tests.engagement.factories import activity, onboarded_member
from tests.members.factories import staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, without_mfa_requirement):
    client.force_login(staff_user())
    return client


def scored_members(count: int) -> None:
    for _ in range(count):
        member = onboarded_member(approved_at=timezone.now() - timedelta(days=50))
        activity(member, Verb.RESOURCE_VIEWED, timezone.now() - timedelta(days=2), times=3)
    engagement_recompute()


def test_a_members_page_explains_the_score_and_lists_the_stage_history(staff_client):
    scored_members(1)
    engagement = MemberEngagement.objects.get()
    html = staff_client.get(reverse("admin:engagement_memberengagement_change", args=[engagement.pk])).content.decode()
    assert "Resource viewed" in html
    assert "where the score comes from" in html.lower()
    assert "Activated" in html  # the first transition


def test_the_list_makes_the_same_queries_however_many_members(staff_client, django_assert_num_queries):
    url = reverse("admin:engagement_memberengagement_changelist")
    scored_members(2)
    staff_client.get(url)
    with django_assert_num_queries(4):
        assert staff_client.get(url).status_code == 200
    scored_members(6)
    with django_assert_num_queries(4):
        assert staff_client.get(url).status_code == 200


def test_staff_recompute_on_demand(staff_client, django_capture_on_commit_callbacks):
    scored_members(1)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("admin:engagement_memberengagement_recompute"))
    assert response.status_code == 302
    assert RollupRefresh.objects.count() == 1
    assert EngagementRun.objects.latest("id").full  # every member's whole history, not only the night's change


def test_the_settings_page_opens_on_the_single_row(staff_client):
    response = staff_client.get(reverse("admin:engagement_engagementsettings_changelist"))
    assert response.status_code == 302
    assert EngagementSettings.objects.filter(id=1).exists()


def test_the_verb_table_shows_origins_points_cap_flags_and_what_they_mean(staff_client):
    engagement_settings()
    page = staff_client.get(reverse("admin:engagement_verbscore_changelist")).content.decode()
    for column in ("caused by", "points", "daily cap", "meaningful", "contribution"):
        assert f">{column.capitalize()}<" in page or f">{column}<" in page.lower()
    assert "Only the member's own acts earn points" in page
    assert "Member, Staff" in page  # initiative joined: by the member, or staff on their behalf
    assert "Joining and viewing are not contributions." in page


def test_staff_recompute_the_history_from_the_admin(staff_client, django_capture_on_commit_callbacks):
    scored_members(1)
    StageTransition.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("admin:engagement_memberengagement_replay"))
    assert response.status_code == 302
    assert StageTransition.objects.exists()
    assert RollupRefresh.objects.count() == 1


def test_the_admin_names_the_stages_as_every_page_does(staff_client):
    """The stored "pending" reads "Not yet activated", never "pending", which elsewhere means awaiting approval."""
    scored_members(1)
    MemberEngagement.objects.update(stage="pending")
    url = reverse("admin:engagement_memberengagement_changelist")
    page = staff_client.get(url).content.decode()
    assert "Not yet activated" in page
    assert "Pending (not yet activated)" not in page
    assert staff_client.get(url, {"stage__exact": "pending"}).context["cl"].result_count == 1
    assert staff_client.get(url, {"stage__exact": "engaged"}).context["cl"].result_count == 0
