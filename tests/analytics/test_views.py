import csv
import io
import logging
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse

from analytics.panels import default_filters
from analytics.rollups import rollups_refresh
from analytics.views import PANEL_HEADINGS
from campaigns.models import CampaignStatus, DeliveryStatus
from directory.models import CoverageTarget
from engagement.models import EngagementSettings, VerbScore
from engagement.scoring import engagement_recompute, engagement_settings
from members.models import Verb
from personas.models import Sector
from roadmap.models import ItemStatus
from tests.campaigns.factories import CampaignFactory, CampaignStepFactory, DeliveryFactory
from tests.engagement.factories import activity, onboarded_member
from tests.initiatives.factories import InitiativeFactory, ParticipationFactory
from tests.members.factories import MemberFactory, OrganisationFactory, leadership_user, staff_user
from tests.roadmap.factories import make_roadmap, place

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
QUERY = {"start": "2026-05-01", "end": "2026-05-31"}


@pytest.fixture(autouse=True)
def _no_mfa(without_mfa_requirement):
    return None


@pytest.fixture
def leader_client(client):
    client.force_login(leadership_user())
    return client


def populate(count: int) -> None:
    """`count` members approved in May, each active, in alternating sectors; then the nightly job."""
    initiative = InitiativeFactory.create()
    for index in range(count):
        sector = [Sector.NGO, Sector.FINANCIAL_INSTITUTION][index % 2]
        member = onboarded_member(
            approved_at=datetime(2026, 5, 4 + index % 20, 9, tzinfo=UTC),
            organisation=OrganisationFactory(sector=sector, country=["GB", "NL"][index % 2]),
            initiative=initiative,
        )
        activity(member, Verb.RED_FLAG_RATED, NOW - timedelta(days=1 + index % 9), times=1 + index % 4)
    engagement_recompute(now=NOW)
    rollups_refresh(now=NOW)


def test_members_get_403_and_each_refusal_is_logged(client, caplog):
    member = MemberFactory()
    client.force_login(member.user)
    with caplog.at_level(logging.WARNING, logger="analytics.views"):
        assert client.get(reverse("dashboards:index")).status_code == 403
        assert client.get(reverse("dashboards:panel_json", args=["funnel"])).status_code == 403
        assert client.get(reverse("dashboards:panel_csv", args=["funnel"])).status_code == 403
        assert client.post(reverse("dashboards:digest")).status_code == 403
    refusals = [record for record in caplog.records if "dashboards refused" in record.getMessage()]
    assert len(refusals) == 4
    assert f"user {member.user.pk}" in refusals[0].getMessage()


def test_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("dashboards:index"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("make_user", [leadership_user, staff_user])
def test_leadership_and_staff_see_the_dashboards(client, make_user):
    populate(2)
    client.force_login(make_user())
    response = client.get(reverse("dashboards:index"), QUERY)
    assert response.status_code == 200
    html = response.content.decode()
    for heading in PANEL_HEADINGS.values():
        assert str(heading) in html.replace("&gt;", ">")
    assert "chart.umd.min.js" in html


def test_before_the_first_refresh_the_page_says_so(leader_client):
    response = leader_client.get(reverse("dashboards:index"))
    assert "No figures yet" in response.content.decode()


def test_the_funnel_endpoint_answers_with_chart_and_table(leader_client):
    populate(4)
    data = leader_client.get(reverse("dashboards:panel_json", args=["funnel"]), QUERY).json()
    assert data["columns"] == ["Step", "Members", "% of approved"]
    assert [row[1] for row in data["rows"]][:2] == [4, 4]
    assert data["chart"]["labels"] == ["Approved", "Activated", "Engaged", "Collaborating"]
    ngo = leader_client.get(reverse("dashboards:panel_json", args=["funnel"]), QUERY | {"sector": "ngo"}).json()
    assert ngo["rows"][0][1] == 2


def test_bad_filters_get_a_clear_message_and_no_figures(leader_client):
    populate(1)
    response = leader_client.get(
        reverse("dashboards:panel_json", args=["funnel"]), {"start": "2026-05-31", "end": "2026-05-01"}
    )
    assert response.status_code == 400
    assert "must end on or after" in response.content.decode()
    page = leader_client.get(reverse("dashboards:index"), {"start": "2026-05-31", "end": "2026-05-01"})
    assert page.status_code == 400
    assert "must end on or after" in page.content.decode()
    assert leader_client.get(reverse("dashboards:panel_json", args=["nonsense"])).status_code == 404


def test_csv_export_has_the_table_and_defuses_formulas(leader_client):
    populate(2)
    OrganisationFactory(name="=HYPERLINK(evil)")
    response = leader_client.get(reverse("dashboards:panel_csv", args=["funnel"]), QUERY)
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Step", "Members", "% of approved"]
    assert rows[1] == ["Approved", "2", "100.0"]
    from core.spreadsheets import spreadsheet_cell

    assert spreadsheet_cell("=HYPERLINK(evil)") == "'=HYPERLINK(evil)"
    assert spreadsheet_cell(None) == ""


def test_roadmap_progress_counts_items_by_status_and_late_ones(leader_client):
    populate(1)
    roadmap = make_roadmap(first_month=(date.today().replace(day=1) - timedelta(days=200)).replace(day=1))
    place(roadmap, 1, 2, status=ItemStatus.IN_PROGRESS)  # ended months ago: late
    place(roadmap, 1, 2, status=ItemStatus.DONE)
    place(roadmap, 13, 14)
    data = leader_client.get(reverse("dashboards:panel_json", args=["roadmap"])).json()
    first_horizon = data["rows"][0]
    assert first_horizon[1:] == [0, 1, 1, 0, 0, 1]
    assert data["rows"][2][1:] == [1, 0, 0, 0, 0, 0]


def launched_campaign_with_history() -> None:
    """A two-step campaign: step 1 sent to three (one opened, one clicked and joined the goal
    after), step 2 to the one who had joined."""
    goal = InitiativeFactory()
    campaign = CampaignFactory(goal=goal, status=CampaignStatus.RUNNING)
    first, second = (CampaignStepFactory(campaign=campaign, position=n, subject=f"Step {n}") for n in (1, 2))
    sent_at = NOW - timedelta(days=3)
    converted = MemberFactory()
    DeliveryFactory(step=first, member=converted, status=DeliveryStatus.SENT, sent_at=sent_at, clicked_at=sent_at)
    DeliveryFactory(step=first, status=DeliveryStatus.SENT, sent_at=sent_at, opened_at=sent_at)
    DeliveryFactory(step=first, status=DeliveryStatus.SENT, sent_at=sent_at)
    DeliveryFactory(step=first, status=DeliveryStatus.DEFERRED, next_attempt_at=sent_at, attempts=1)
    DeliveryFactory(step=first, status=DeliveryStatus.BOUNCED, sent_at=sent_at)
    DeliveryFactory(step=first, status=DeliveryStatus.FAILED, last_error="550 5.1.1 No such mailbox")
    DeliveryFactory(step=first, status=DeliveryStatus.SUPPRESSED)
    later = sent_at + timedelta(days=2)  # after the member joined: no credit for step 2
    DeliveryFactory(step=second, member=converted, status=DeliveryStatus.SENT, sent_at=later)
    ParticipationFactory(member=converted, initiative=goal, requested_at=sent_at + timedelta(hours=1))


def test_campaign_results_count_sent_opened_clicked_converted_per_step(leader_client):
    launched_campaign_with_history()
    CampaignStepFactory(campaign__status=CampaignStatus.DRAFT)  # drafts are not results
    rollups_refresh(now=NOW)
    data = leader_client.get(reverse("dashboards:panel_json", args=["campaigns"]), QUERY).json()
    assert data["columns"][:9] == [
        "Campaign",
        "Status",
        "Step",
        "Subject",
        "Sent",
        "Deferred",
        "Bounced",
        "Failed",
        "Opened",
    ]
    name = data["rows"][0][0]
    assert [row[2:] for row in data["rows"]] == [
        [1, "Step 1", 3, 1, 1, 1, 1, 33.3, 1, 33.3, 1],
        [2, "Step 2", 1, 0, 0, 0, 0, 0.0, 0, 0.0, 0],
    ]
    assert data["chart"]["labels"] == [f"{name} · step 1", f"{name} · step 2"]
    assert [dataset["data"] for dataset in data["chart"]["datasets"]] == [[3, 1], [1, 0], [1, 0], [1, 0]]
    response = leader_client.get(reverse("dashboards:panel_csv", args=["campaigns"]), QUERY)
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1] == [name, "running", "1", "Step 1", "3", "1", "1", "1", "1", "33.3", "1", "33.3", "1"]


def test_campaign_results_are_as_of_the_last_refresh(leader_client, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    url = reverse("dashboards:panel_json", args=["campaigns"])
    step = CampaignStepFactory(campaign__status=CampaignStatus.RUNNING)
    DeliveryFactory(step=step, status=DeliveryStatus.SENT, sent_at=NOW)
    rollups_refresh(now=NOW)
    DeliveryFactory(step=step, status=DeliveryStatus.SENT, sent_at=NOW)  # after the refresh
    CampaignStepFactory(campaign__status=CampaignStatus.RUNNING)  # launched after the refresh
    data = leader_client.get(url, QUERY).json()
    assert [row[4] for row in data["rows"]] == [1]
    assert "Figures as of the last roll-up refresh, like the other panels" in " ".join(data["notes"])
    rollups_refresh(now=NOW)
    assert sorted(row[4] for row in leader_client.get(url, QUERY).json()["rows"]) == [0, 2]


def test_campaign_results_cost_one_query_however_many_campaigns(leader_client, settings, django_assert_num_queries):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    url = reverse("dashboards:panel_json", args=["campaigns"])
    for campaigns in (1, 4):
        for _ in range(campaigns):
            launched_campaign_with_history()
        rollups_refresh(now=NOW)
        with django_assert_num_queries(PANEL_QUERIES):
            assert leader_client.get(url, QUERY).status_code == 200


# With the cache off: the session, the user with its permissions, the latest refresh, and the panel's one aggregate
# query.
PANEL_QUERIES = 4
# The outcomes panel reads the reports and, separately, the referral feedback; coverage, the targets and what is
# reached.
PANELS_WITH_TWO_QUERIES = {"outcomes", "coverage"}


@pytest.fixture
def coverage_target() -> None:
    """Without a target the coverage panel counts no members (one query)."""
    CoverageTarget.objects.create(sector="ngo", country="GB", organisations=3, active_members=2)


@pytest.mark.parametrize("name", list(PANEL_HEADINGS))
@pytest.mark.usefixtures("coverage_target")
def test_every_endpoint_makes_the_same_few_queries_however_many_rows(
    leader_client, name, settings, django_assert_num_queries
):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    url = reverse("dashboards:panel_json", args=[name])
    expected = PANEL_QUERIES + (name in PANELS_WITH_TWO_QUERIES)
    populate(2)
    with django_assert_num_queries(expected):
        assert leader_client.get(url, QUERY).status_code == 200
    populate(12)
    with django_assert_num_queries(expected):
        assert leader_client.get(url, QUERY).status_code == 200


def test_a_cached_panel_costs_one_query_less(leader_client, django_assert_num_queries):
    populate(2)
    url = reverse("dashboards:panel_json", args=["cohorts"])
    first = leader_client.get(url, QUERY).json()
    with django_assert_num_queries(2):  # the user (the session is cached too) and the latest refresh
        assert leader_client.get(url, QUERY).json() == first


# The user with its permissions (the session is in the cache), personas, countries, the latest refresh; after a
# refresh, one aggregate query per panel until they are cached.
PAGE_QUERIES = 4


@pytest.mark.usefixtures("coverage_target")
def test_the_page_makes_a_constant_number_of_queries(leader_client, django_assert_num_queries):
    refreshing = PAGE_QUERIES + len(PANEL_HEADINGS) + len(PANELS_WITH_TWO_QUERIES)
    populate(2)
    with django_assert_num_queries(refreshing):
        leader_client.get(reverse("dashboards:index"), QUERY)
    with django_assert_num_queries(PAGE_QUERIES):
        leader_client.get(reverse("dashboards:index"), QUERY)
    populate(10)
    with django_assert_num_queries(refreshing):
        leader_client.get(reverse("dashboards:index"), QUERY)
    with django_assert_num_queries(PAGE_QUERIES):
        leader_client.get(reverse("dashboards:index"), QUERY)


def test_the_period_is_always_filled_in_and_stated(leader_client):
    populate(1)
    html = leader_client.get(reverse("dashboards:index")).content.decode()
    default = default_filters()
    assert f'name="start" value="{default.start.isoformat()}"' in html
    assert f'name="end" value="{default.end.isoformat()}"' in html
    assert "Period shown:" in html
    # The export links carry the period used, not blanks.
    assert f"/dashboards/panels/funnel.csv?start={default.start.isoformat()}&amp;end={default.end.isoformat()}" in html
    blank = leader_client.get(reverse("dashboards:index"), {"start": "", "end": "2026-05-31"}).content.decode()
    assert 'name="start" value="2026-03-03"' in blank  # 90 days, like the default


def test_headline_numbers_are_tiles_with_their_change_against_the_previous_period(leader_client):
    populate(3)
    html = leader_client.get(reverse("dashboards:index"), QUERY).content.decode()
    tiles = re.findall(r'<li class="tile">(.*?)</li>', html, re.DOTALL)
    assert len(tiles) == 10
    new_members = next(tile for tile in tiles if "New members (approved)" in tile)
    assert re.search(r'class="tile-value">3<', new_members)
    assert "up 3" in new_members
    assert "(previous period: 0)" in new_members
    rate = next(tile for tile in tiles if "Activation rate" in tile)
    assert "no earlier figure" in rate


def test_every_panels_figures_are_in_the_page_behind_a_disclosure(leader_client):
    populate(2)
    html = leader_client.get(reverse("dashboards:index"), QUERY).content.decode()
    disclosures = html.count('<details class="figures">')
    assert disclosures >= 6  # no campaigns, initiatives or roadmap here: those panels say so instead
    assert disclosures + html.count("No figures for these filters.") == len(PANEL_HEADINGS)
    assert html.count("Show the figures<") == disclosures
    # Each table scrolls in a region a keyboard can reach (axe: scrollable-region-focusable).
    regions = re.findall(r'<div class="table-box" tabindex="0" role="region" aria-label="Figures: [^"]+">', html)
    assert len(regions) == disclosures
    assert re.search(r'<th scope="row">Approved</th>\s*<td>2</td>', html)
    for slug in ("members", "initiatives", "campaigns", "roadmap"):
        assert f'href="#section-{slug}"' in html
        assert f'id="section-{slug}"' in html
    assert 'id="dashboard-charts" type="application/json"' in html


def test_the_not_yet_activated_stage_is_never_called_pending(leader_client):
    populate(2)
    html = leader_client.get(reverse("dashboards:index"), QUERY).content.decode()
    assert "Members: Not yet activated" in html
    assert "pending" not in html.lower()
    stages = leader_client.get(reverse("dashboards:panel_json", args=["stages"]), QUERY).json()
    assert stages["columns"][1] == "Not yet activated"


def test_campaign_subjects_are_rendered_with_their_goal(leader_client):
    goal = InitiativeFactory(title="Sandbox for bank alerts")
    step = CampaignStepFactory(
        campaign__goal=goal, campaign__status=CampaignStatus.RUNNING, subject="You are invited: {goal}, {name}"
    )
    DeliveryFactory(step=step, status=DeliveryStatus.SENT, sent_at=NOW)
    rollups_refresh(now=NOW)
    data = leader_client.get(reverse("dashboards:panel_json", args=["campaigns"]), QUERY).json()
    assert data["rows"][0][3] == "You are invited: Sandbox for bank alerts, [name]"
    html = leader_client.get(reverse("dashboards:index"), QUERY).content.decode()
    assert "{goal}" not in html


def test_send_me_this_now_mails_the_headline_numbers(client, mailoutbox, django_capture_on_commit_callbacks):
    populate(2)
    leader = leadership_user(email="chair@knoble.example")
    client.force_login(leader)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("dashboards:digest"))
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["chair@knoble.example"]
    assert "Weekly active members" in mailoutbox[0].body
    assert "new members" in mailoutbox[0].subject


# How these numbers are computed


def test_the_dashboards_link_to_how_the_numbers_are_computed_from_the_live_rules(
    leader_client, django_assert_num_queries
):
    engagement_settings()
    EngagementSettings.objects.filter(id=1).update(half_life_days=45, dormant_after_days=120)
    VerbScore.objects.filter(verb=Verb.RESOURCE_VIEWED).update(points=7)
    url = reverse("dashboards:methodology")
    assert url in leader_client.get(reverse("dashboards:index")).content.decode()
    leader_client.get(url)
    # the user with its permissions, settings, verb table
    with django_assert_num_queries(3):
        page = leader_client.get(url).content.decode()
    assert "45 days ago counts half" in page
    assert "last 120 days" in page
    assert re.search(r"Resource viewed</th>\s*<td>Member</td>\s*<td>7</td>", page)
    assert re.search(r"Message sent</th>\s*<td>System</td>\s*<td colspan=\"4\">earns nothing", page)
    assert re.search(r"Attended an initiative session</th>.*?<td>yes</td>\s*<td>yes</td>", page, re.DOTALL)


def test_members_may_not_read_the_methodology(client):
    client.force_login(MemberFactory().user)
    assert client.get(reverse("dashboards:methodology")).status_code == 403
