"""The catalogue's state, owner and coverage columns, and comparing two maps."""

import pytest
from django.urls import reverse

from ecosystem.mapping import map_start
from ecosystem.models import ActorKind, Instrument
from tests.ecosystem.factories import ActorFactory, CategoryFactory, FlowFactory, StageFactory, red_flag
from tests.members.factories import MemberFactory, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def member_client(client):
    client.force_login(MemberFactory().user)
    return client


def _map(name, *, flows=1):
    category = CategoryFactory(name=name)
    stage = StageFactory(category=category)
    for _ in range(flows):
        flow = FlowFactory(
            stage=stage,
            from_actor=ActorFactory(stage=stage, kind=ActorKind.FRONT_BUSINESS),
            to_actor=ActorFactory(stage=stage, kind=ActorKind.BANK),
            instrument=Instrument.CASH,
        )
        red_flag(flow=flow, indicator=f"Cash deposits of {name}")
    return category


def test_the_catalogue_shows_state_owner_and_coverage_in_few_queries(member_client, django_assert_num_queries):
    owner = staff_user(first_name="Olive", last_name="Owner")
    map_start(category=_map("Escorts"), owner=owner, by=owner)
    url = reverse("ecosystem:catalogue")
    member_client.get(url)
    with django_assert_num_queries(6) as queries:
        content = member_client.get(url).content.decode()
    for _ in range(3):
        map_start(category=_map(f"Type {_}"), owner=owner, by=owner)
    with django_assert_num_queries(len(queries)):
        member_client.get(url)
    assert "Scoping" in content and "Olive Owner" in content
    assert "100%" in content  # the one red flag is verified


def test_compare_shows_shared_actors_and_patterns_with_their_red_flags(member_client, django_assert_num_queries):
    first, second = _map("Escorts"), _map("Farm work")
    ActorFactory(stage=first.stages.get(), kind=ActorKind.ADVERTISER, name="Only in escorts")
    url = reverse("ecosystem:compare")
    member_client.get(url, {"a": first.slug, "b": second.slug})
    with django_assert_num_queries(9):
        content = member_client.get(url, {"a": first.slug, "b": second.slug}).content.decode()
    assert "Front business or nominee owner" in content and "Bank" in content
    assert "Only in escorts" not in content
    assert "Cash deposits of Escorts" in content and "Cash deposits of Farm work" in content
    assert "Choose two different" in member_client.get(url, {"a": first.slug, "b": first.slug}).content.decode()
