"""Indicator sets in the portal: the list, the page, the printable page and the map's stage, each under the
set's label (404 for what one may not see), with pinned query counts."""

import pytest
from django.urls import reverse

from sharing.models import AccessLog, Label
from sharing.services import recipients_set
from tests.ecosystem.factories import StageFactory, indicator_set, red_flag

pytestmark = pytest.mark.django_db


def test_a_member_lists_opens_and_prints_a_set_with_its_red_flags_and_quote(member_client):
    published = indicator_set(name="IMB front business")
    listing = member_client.get(reverse("ecosystem:indicator_sets")).content.decode()
    assert "IMB front business" in listing
    assert "at least 2 of 2 red flags together" in listing
    page = member_client.get(reverse("ecosystem:indicator_set", args=[published.pk])).content.decode()
    assert "Frequent payments for lodging" in page
    assert "A quoted passage of the source." in page
    assert "TLP:GREEN" in page
    printable = member_client.get(reverse("ecosystem:indicator_sets_print")).content.decode()
    assert printable.count("TLP:GREEN · Limited disclosure") == 2


def test_a_set_out_of_sight_is_a_404_and_in_no_list(member_client, member):
    hidden = indicator_set(name="Strict set", publish_label=Label.AMBER_STRICT)
    draft = indicator_set(name="Draft set", publish=False)
    for pk in (hidden.pk, draft.pk):
        assert member_client.get(reverse("ecosystem:indicator_set", args=[pk])).status_code == 404
    assert "Strict set" not in member_client.get(reverse("ecosystem:indicator_sets")).content.decode()
    recipients_set(obj=hidden, organisations=[member.organisation])
    assert member_client.get(reverse("ecosystem:indicator_set", args=[hidden.pk])).status_code == 200
    assert AccessLog.objects.filter(object_id=hidden.pk, channel="page").count() == 1


def test_the_map_shows_a_stages_sets_and_the_library_filters_them_by_stage(member_client):
    stage = StageFactory()
    published = indicator_set(red_flags=[red_flag(stage=stage), red_flag(stage=stage, indicator="Second")])
    other = indicator_set(name="Elsewhere")
    page = member_client.get(reverse("ecosystem:map", args=[stage.category.slug]), {"stage": stage.pk})
    assert "Indicator sets: red flags weighed together" in page.content.decode()
    assert reverse("ecosystem:indicator_set", args=[published.pk]) in page.content.decode()
    listing = member_client.get(reverse("ecosystem:indicator_sets"), {"stage": stage.pk}).content.decode()
    assert "Front business" in listing
    assert "Elsewhere" not in listing
    assert other.pk


@pytest.mark.parametrize("size", [1, 6])
def test_the_indicator_set_list_query_count_is_constant(member_client, django_assert_num_queries, size):
    for index in range(size):
        indicator_set(name=f"Set {index}")
    member_client.get(reverse("ecosystem:indicator_sets"))
    # the user with its member and permissions, count, the sets, their red flags with observers, personas and
    # citations, the sets' citations, and the categories and stages to filter by (the jurisdictions are cached)
    with django_assert_num_queries(10):
        assert member_client.get(reverse("ecosystem:indicator_sets")).status_code == 200
