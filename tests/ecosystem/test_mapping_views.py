"""The catalogue's state, owner and coverage columns, and comparing two maps."""

import pytest
from django.urls import reverse

from ecosystem.mapping import map_start
from ecosystem.models import ActorKind, Instrument, MapState
from members.models import Sector
from tests.ecosystem.factories import ActorFactory, CategoryFactory, FlowFactory, StageFactory, red_flag
from tests.members.factories import MemberFactory, OrganisationFactory, staff_user

pytestmark = pytest.mark.django_db


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
    with django_assert_num_queries(2) as queries:
        content = member_client.get(url).content.decode()
    for _ in range(3):
        map_start(category=_map(f"Type {_}"), owner=owner, by=owner)
    with django_assert_num_queries(len(queries)):
        member_client.get(url)
    assert "Scoping" in content
    assert "Olive Owner" in content
    assert "100%" in content  # the one red flag is verified


def test_compare_shows_shared_actors_and_patterns_with_their_red_flags(member_client, django_assert_num_queries):
    first, second = _map("Escorts"), _map("Farm work")
    ActorFactory(stage=first.stages.get(), kind=ActorKind.ADVERTISER, name="Only in escorts")
    url = reverse("ecosystem:compare")
    member_client.get(url, {"a": first.slug, "b": second.slug})
    with django_assert_num_queries(5):
        content = member_client.get(url, {"a": first.slug, "b": second.slug}).content.decode()
    assert "Front business or nominee owner" in content
    assert "Bank" in content
    assert "Only in escorts" not in content
    assert "Cash deposits of Escorts" in content
    assert "Cash deposits of Farm work" in content
    assert "Choose two different" in member_client.get(url, {"a": first.slug, "b": first.slug}).content.decode()


def test_the_map_editor_is_for_staff_and_contributors(client, member_client, without_mfa_requirement):
    owner = staff_user()
    category = _map("Escorts")
    map_start(category=category, owner=owner, by=owner)
    url = reverse("ecosystem:map_editor", args=[category.slug])
    assert member_client.get(url).status_code == 403
    client.force_login(owner)
    assert client.get(url).status_code == 200


def test_the_map_editor_validates_as_the_models_and_undoes(
    client, django_assert_max_num_queries, without_mfa_requirement
):
    owner = staff_user()
    category = CategoryFactory(name="Domestic work")
    map_start(category=category, owner=owner, by=owner)
    client.force_login(owner)
    url = reverse("ecosystem:map_editor", args=[category.slug])
    client.post(url, {"action": "stage_add", "name": "Recruitment"})
    stage = category.stages.get()
    for name in ("Agency", "Worker"):
        client.post(url, {"action": "actor_place", "name": name, "kind": "other", "stage": stage.pk})
    agency, worker = category.actors.order_by("name")
    other = ActorFactory()
    response = client.post(
        url,
        {"action": "flow_draw", "label": "Fee", "from_actor": worker.pk, "to_actor": other.pk,
         "instrument": "cash", "direction": "domestic", "stage": stage.pk},
        follow=True,
    )  # fmt: skip
    assert "Choose one of this map" in response.content.decode()
    client.post(
        url,
        {"action": "flow_draw", "label": "Fee", "from_actor": worker.pk, "to_actor": agency.pk,
         "instrument": "cash", "direction": "domestic", "stage": stage.pk},
    )  # fmt: skip
    assert category.flows.count() == 1
    client.post(url, {"action": "undo"})
    assert category.flows.count() == 0
    with django_assert_max_num_queries(20):
        assert client.get(url).status_code == 200


def test_the_panel_comments_and_signs_off_on_the_review_page(client, without_mfa_requirement):
    owner = staff_user()
    category = _map("Escorts")
    client.force_login(owner)
    map_start(category=category, owner=owner, by=owner)
    editor = reverse("ecosystem:map_editor", args=[category.slug])
    bank = MemberFactory(organisation=OrganisationFactory(sector=Sector.FINANCIAL_INSTITUTION))
    police = MemberFactory(organisation=OrganisationFactory(sector=Sector.LAW_ENFORCEMENT))
    for member in (bank, police):
        client.post(editor, {"action": "panelist_add", "email": member.user.email})
    for state in (MapState.DRAFTING, MapState.EXPERT_REVIEW):
        client.post(editor, {"action": "transition", "to": state})
    review = reverse("ecosystem:map_review", args=[category.slug])
    stage = category.stages.get()
    for member in (bank, police):
        client.force_login(member.user)
        client.post(review, {"action": "comment", "part": f"stage:{stage.pk}", "text": "Add the hotel payments."})
        client.post(review, {"action": "sign_off"})
    assert "Add the hotel payments." in client.get(review).content.decode()
    client.force_login(MemberFactory().user)
    assert client.get(review).status_code == 403
    client.force_login(owner)
    client.post(editor, {"action": "transition", "to": MapState.PUBLISHED})
    category.mapping.refresh_from_db()
    assert category.mapping.state == MapState.PUBLISHED
    assert category.mapping.comments.filter(stage=stage).count() == 2


def test_staff_start_mapping_a_category_from_the_catalogue(client, without_mfa_requirement):
    owner = staff_user()
    category = CategoryFactory(status="not_started")
    client.force_login(owner)
    response = client.post(reverse("ecosystem:map_begin", args=[category.slug]))
    assert response.url == reverse("ecosystem:map_editor", args=[category.slug])
    category.refresh_from_db()
    assert category.mapping.owner == owner
