"""The "Roadmap impact" page, an item's evidence, the board pack, the CSV and the API: leadership only, read from the
roll-up, with a query count that does not grow with items or members."""

import csv
import io
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from analytics.rollups import rollups_refresh
from directory.models import CoverageTarget
from engagement.models import LifecycleStage, StageTransition
from personas.models import Sector
from roadmap.models import RoadmapItem
from tests.initiatives.factories import InitiativeFactory, ParticipationFactory
from tests.members.factories import MemberFactory, OrganisationFactory, leadership_user
from tests.personas.factories import JobFactory, PersonaFactory
from tests.roadmap.factories import make_roadmap, place

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 15, 12, tzinfo=UTC)
JOINED = datetime(2026, 3, 4, 10, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _no_mfa(without_mfa_requirement):
    return None


@pytest.fixture
def leader_client(client, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    client.force_login(leadership_user())
    return client


def grow(roadmap, *, items: int, members: int) -> list[RoadmapItem]:
    """`items` more items, each with an initiative, a job and `members` participants in fresh personas."""
    placed = []
    for _ in range(items):
        item = place(roadmap, 1, 3)
        persona = PersonaFactory()
        item.opportunity.jobs.add(JobFactory(persona=persona))
        initiative = InitiativeFactory(roadmap_item=item)
        organisation = OrganisationFactory(sector=Sector.NGO, country="NL")
        for _ in range(members):
            someone = MemberFactory.create(organisation=organisation, persona=persona)
            StageTransition.objects.create(member=someone, from_stage="", to_stage=LifecycleStage.ACTIVATED, at=JOINED)
            ParticipationFactory(member=someone, initiative=initiative, requested_at=JOINED, joined_at=JOINED)
        placed.append(item)
    rollups_refresh(now=NOW)
    return placed


def queries(client, url: str) -> int:
    client.get(url)  # warm the per-process caches (content types, the site's settings)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_every_page_costs_the_same_queries_however_many_items_and_members(leader_client):
    roadmap = make_roadmap()
    first = grow(roadmap, items=1, members=1)[0]
    urls = [
        reverse("dashboards:impact"),
        reverse("dashboards:impact_item", args=[first.pk]),
        reverse("dashboards:impact_horizon", args=[first.horizon_id]),
        reverse("dashboards:impact_roadmap", args=[roadmap.pk]),
        reverse("dashboards:board_pack"),
        reverse("dashboards:panel_csv", args=["impact"]),
        reverse("dashboard_impact"),
    ]
    before = {url: queries(leader_client, url) for url in urls}
    grow(roadmap, items=3, members=4)
    ParticipationFactory.create_batch(3, initiative=first.initiatives.get(), requested_at=JOINED, joined_at=JOINED)
    rollups_refresh(now=NOW)
    assert {url: queries(leader_client, url) for url in urls} == before


def test_leadership_reads_the_table_follows_an_item_and_exports_it(leader_client):
    roadmap = make_roadmap()
    item = grow(roadmap, items=1, members=2)[0]
    page = leader_client.get(reverse("dashboards:impact")).content.decode()
    evidence = reverse("dashboards:impact_item", args=[item.pk])
    assert f'href="{evidence}#initiatives"' in page
    assert f'href="{evidence}#lift"' in page
    assert "not enough data" in page
    detail = leader_client.get(evidence).content.decode()
    assert item.initiatives.get().title in detail
    assert "Jobs its opportunity serves" in detail
    horizon = leader_client.get(reverse("dashboards:impact_horizon", args=[item.horizon_id])).content.decode()
    assert f'href="{reverse("dashboards:impact_horizon", args=[item.horizon_id])}#lift"' in page
    assert item.initiatives.get().title in horizon
    assert str(item.opportunity) in horizon  # its jobs name their item
    rows = list(
        csv.reader(io.StringIO(leader_client.get(reverse("dashboards:panel_csv", args=["impact"])).content.decode()))
    )
    assert rows[0][0] == "Roadmap item"
    assert rows[1][0] == str(item.opportunity)
    assert rows[1][3] == "2"
    assert rows[1][9] == "not enough data"
    api = leader_client.get(reverse("dashboard_impact")).json()
    assert api["rows"][0][0] == str(item.opportunity)


def test_the_board_pack_shows_each_section_and_no_coverage_targets_yet(leader_client):
    grow(make_roadmap(), items=1, members=1)
    page = leader_client.get(reverse("dashboards:board_pack"), {"quarter": "2026-Q2"}).content.decode()
    for heading in ("Headline numbers", "Roadmap progress per horizon", "Roadmap impact", "Red-flag outcomes"):
        assert heading in page
    assert 'id="coverage-against-targets"' in page
    assert "No targets set." in page
    assert "1 Apr 2026 – 30 Jun 2026" in page


def test_the_board_pack_shows_coverage_against_the_targets_leadership_set(leader_client):
    grow(make_roadmap(), items=1, members=1)
    CoverageTarget.objects.create(sector="prosecutor", country="MX", organisations=5, active_members=10)
    page = leader_client.get(reverse("dashboards:board_pack"), {"quarter": "2026-Q2"}).content.decode()
    section = page[page.index('id="coverage-against-targets"') :]
    assert "No targets set." not in section
    assert "Mexico" in section


def test_members_may_not_see_impact(client):
    member = MemberFactory()
    client.force_login(member.user)
    for name in ("dashboards:impact", "dashboards:board_pack"):
        assert client.get(reverse(name)).status_code == 403
    assert client.get(reverse("dashboard_impact")).status_code == 403
