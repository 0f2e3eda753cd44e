"""The map and the library over the API: read-only for members under the labels (404 out of sight), the TLP
header on every response, `?updated_since=` for syncing, ratings and suggestions through the services, and
query counts pinned on every list."""

import datetime

import pytest
from django.utils import timezone

from ecosystem.models import RedFlag, RedFlagRating, Suggestion
from ecosystem.selectors import RED_FLAG_SHARING
from members.models import Member
from sharing.models import AccessLog, Label
from sharing.services import label_change, recipients_set
from tests.api.conftest import client_for
from tests.ecosystem.factories import (
    ActorFactory,
    CategoryFactory,
    FlowFactory,
    SourceFactory,
    StageFactory,
    citation,
    indicator_set,
    red_flag,
)
from tests.members.factories import MemberFactory, staff_user

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def member():
    return MemberFactory()


@pytest.fixture
def api(member):
    return client_for(member.user)


def test_a_member_reads_published_red_flags_with_their_quotes_and_the_tlp_header(api):
    flag = red_flag(indicator="Payments for lodging", jurisdiction="United States", threshold="USD 10,000")
    red_flag(publish=False, indicator="A draft")
    response = api.get(f"{API}/red-flags/")
    assert response["TLP"] == "GREEN"
    [row] = response.json()["results"]
    assert (row["id"], row["indicator"], row["label"]) == (flag.pk, "Payments for lodging", "green")
    assert row["citations"] == [
        {"source": flag.citations.get().source.key, "locator": "Section 2", "quote": "A quoted passage of the source."}
    ]
    assert row["stage"] == flag.stage_id
    detail = api.get(f"{API}/red-flags/{flag.pk}/")
    assert (detail.status_code, detail["TLP"]) == (200, "GREEN")


def test_what_a_member_may_not_see_is_a_404_and_absent_from_lists(api, member):
    strict = red_flag(indicator="Strict")
    label_change(
        obj=strict, spec=RED_FLAG_SHARING, by=staff_user(), label=Label.AMBER_STRICT, reason="Only for the named"
    )
    hidden_set = indicator_set(name="Hidden", publish_label=Label.RED)
    assert api.get(f"{API}/red-flags/{strict.pk}/").status_code == 404
    assert api.get(f"{API}/indicator-sets/{hidden_set.pk}/").status_code == 404
    assert "Strict" not in str(api.get(f"{API}/red-flags/").json())
    recipients_set(obj=strict, organisations=[member.organisation])
    response = api.get(f"{API}/red-flags/{strict.pk}/")
    assert (response.status_code, response["TLP"]) == (200, "AMBER+STRICT")
    assert api.get(f"{API}/red-flags/")["TLP"] == "AMBER+STRICT"
    assert AccessLog.objects.filter(object_id=strict.pk, channel="api").count() == 2


def test_pending_and_anonymous_callers_read_nothing():
    pending = MemberFactory(status=Member.Status.PENDING)
    red_flag()
    for client in (client_for(None), client_for(pending.user)):
        assert client.get(f"{API}/red-flags/").status_code in (401, 403)
        assert client.get(f"{API}/ecosystem/categories/").status_code in (401, 403)


def test_the_library_filters_apply_to_the_api(api):
    stage = StageFactory()
    us = red_flag(stage=stage, jurisdiction="United States", threshold="USD 10,000")
    uk = red_flag(stage=StageFactory(), jurisdiction="United Kingdom")
    world = red_flag(stage=stage)

    def ids(**params):
        return {row["id"] for row in api.get(f"{API}/red-flags/", params).json()["results"]}

    assert ids(jurisdiction="United States") == {us.pk, world.pk}
    assert ids(stage=stage.pk) == {us.pk, world.pk}
    assert ids(category=uk.category.slug) == {uk.pk}
    assert ids(threshold="10,000") == {us.pk}
    assert ids(state="published") == {us.pk, uk.pk, world.pk}


def test_updated_since_lists_what_changed_for_a_syncing_system(api):
    old = red_flag(indicator="Old")
    RedFlag.objects.filter(pk=old.pk).update(updated_at=timezone.now() - datetime.timedelta(days=3))
    new = red_flag(indicator="New")
    since = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    rows = api.get(f"{API}/red-flags/", {"updated_since": since}).json()["results"]
    assert [row["id"] for row in rows] == [new.pk]
    label_change(obj=old, spec=RED_FLAG_SHARING, by=staff_user(), label=Label.AMBER, reason="Tightened")
    rows = api.get(f"{API}/red-flags/", {"updated_since": since}).json()["results"]
    assert {row["id"] for row in rows} == {new.pk}  # tightened out of the member's sight
    stages = api.get(f"{API}/ecosystem/stages/", {"updated_since": since}).json()["results"]
    assert {row["id"] for row in stages} == {old.stage_id, new.stage_id}
    assert api.get(f"{API}/red-flags/", {"updated_since": "yesterday"}).status_code == 400


def test_the_map_reads_by_category(api):
    flow = FlowFactory()
    SourceFactory(key="fincen")
    slug = flow.category.slug
    assert api.get(f"{API}/ecosystem/categories/{slug}/").json()["slug"] == slug
    assert len(api.get(f"{API}/ecosystem/stages/", {"category": slug}).json()["results"]) == 1
    assert len(api.get(f"{API}/ecosystem/actors/", {"category": slug}).json()["results"]) == 2
    assert api.get(f"{API}/ecosystem/flows/", {"category": slug}).json()["results"][0]["label"] == flow.label
    assert api.get(f"{API}/ecosystem/sources/").json()["results"][0]["key"] == "fincen"
    assert api.get(f"{API}/ecosystem/flows/")["TLP"] == "GREEN"


def test_a_member_reads_indicator_sets_with_only_the_red_flags_in_sight(api):
    stage = StageFactory()
    flags = [red_flag(stage=stage), red_flag(stage=stage, indicator="Second")]
    published = indicator_set(red_flags=flags)
    label_change(obj=flags[1], spec=RED_FLAG_SHARING, by=staff_user(), label=Label.RED, reason="Named people only")
    row = api.get(f"{API}/indicator-sets/{published.pk}/").json()
    assert (row["name"], row["minimum"], row["red_flags"]) == ("Front business", 2, [flags[0].pk])
    assert row["citations"][0]["quote"] == "A quoted passage of the source."
    assert [r["id"] for r in api.get(f"{API}/indicator-sets/", {"stage": stage.pk}).json()["results"]] == [published.pk]


def test_members_rate_and_suggest_through_the_services(api, member):
    flag = red_flag()
    assert api.post(f"{API}/red-flags/{flag.pk}/rate/", {"usefulness": 4}, format="json").status_code == 200
    assert RedFlagRating.objects.get(member=member).usefulness == 4
    assert api.post(f"{API}/red-flags/{flag.pk}/rate/", {"usefulness": 9}, format="json").status_code == 400
    created = api.post(
        f"{API}/red-flag-suggestions/",
        {"kind": "new", "stage": flag.stage_id, "text": "Cash deposits at closing time"},
        format="json",
    )
    assert (created.status_code, created.json()["label"], created["TLP"]) == (201, "amber_strict", "AMBER+STRICT")
    assert Suggestion.objects.get().member == member
    assert api.get(f"{API}/red-flag-suggestions/{created.json()['id']}/").status_code == 200
    other = client_for(MemberFactory().user)
    assert other.get(f"{API}/red-flag-suggestions/{created.json()['id']}/").status_code == 404
    no_stage = api.post(f"{API}/red-flag-suggestions/", {"kind": "new", "text": "x"}, format="json")
    assert no_stage.status_code == 400
    staff = client_for(staff_user())
    assert (
        staff.post(
            f"{API}/red-flag-suggestions/", {"kind": "new", "stage": flag.stage_id, "text": "x"}, format="json"
        ).status_code
        == 403
    )
    assert staff.post(f"{API}/red-flags/{flag.pk}/", {}, format="json").status_code == 405


def grow_map():
    category = CategoryFactory()
    stage = StageFactory(category=category)
    ActorFactory(stage=stage)
    FlowFactory(stage=stage)
    SourceFactory()
    flags = [red_flag(stage=stage, sectors=["bank"]), red_flag(stage=stage, citations=[citation(), citation()])]
    indicator_set(red_flags=flags, name=f"Set {stage.pk}")


@pytest.mark.parametrize(
    ("path", "queries"),
    [
        # the token with its user, the permissions (2), the count and the page
        ("ecosystem/categories", 5),
        ("ecosystem/stages", 5),
        ("ecosystem/actors", 5),
        ("ecosystem/flows", 5),
        ("ecosystem/sources", 5),
        # + the red flags' observers, personas and citations
        ("red-flags", 8),
        # + the sets' red flags with their observers, personas and citations, and the sets' citations
        ("indicator-sets", 10),
    ],
)
def test_every_list_has_a_constant_number_of_queries(api, django_assert_num_queries, path, queries):
    grow_map()
    url = f"{API}/{path}/"
    api.get(url)
    with django_assert_num_queries(queries):
        before = api.get(url).json()
    grow_map()
    with django_assert_num_queries(queries):
        after = api.get(url).json()
    assert after["count"] > before["count"]


def test_the_suggestion_list_has_a_constant_number_of_queries(api, member, django_assert_num_queries):
    stage = StageFactory()
    url = f"{API}/red-flag-suggestions/"

    def suggest():
        api.post(url, {"kind": "new", "stage": stage.pk, "text": "A suggestion"}, format="json")

    suggest()
    api.get(url)
    with django_assert_num_queries(6):
        api.get(url)
    suggest()
    suggest()
    with django_assert_num_queries(6):
        assert api.get(url).json()["count"] == 3
