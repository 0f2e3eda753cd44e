"""The ecosystem map, readable (issue 17): the server's drawing as the no-JavaScript fallback, what the browser
layout needs from it, the catalogue grouped by state, and ratings that start unselected."""

import re

import pytest
from django.urls import reverse

from ecosystem.models import CategoryStatus, RedFlagRating
from tests.ecosystem.factories import CategoryFactory, red_flag
from tests.ecosystem.test_views import imb  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


def test_the_drawing_carries_what_the_browser_layout_needs_and_scrolls_in_a_keyboard_region(member_client, imb):  # noqa: F811
    content = member_client.get(reverse("ecosystem:map", args=["imb"])).content.decode()
    assert re.search(
        r'<div class="eco-map-scroll" tabindex="0" role="region" aria-label="Map of Illicit massage', content
    )
    # The flows table below scrolls sideways in a region a keyboard reaches too (axe: scrollable-region-focusable).
    flows = 'class="eco-table-scroll" tabindex="0" role="region" aria-label="Financial flows of Illicit massage'
    assert flows in content
    bank, deposits = imb["bank"], imb["deposits"]
    assert f'data-actor="{bank.pk}" data-stage="{bank.stage_id}"' in content
    assert f'data-flow="{deposits.pk}" data-from="{deposits.from_actor_id}" data-to="{deposits.to_actor_id}"' in content
    assert f'data-flow-label="{deposits.pk}"' in content
    assert "vendor/dagre/dagre.min.js" in content
    assert "js/ecosystem-map.js" in content
    # Pan and zoom buttons are in the page but hidden until the script has laid the map out.
    assert re.search(r'<div class="eco-map-controls" data-map-controls hidden>', content)


def test_an_actors_accessible_name_starts_with_the_text_in_its_box(member_client, imb):  # noqa: F811
    content = member_client.get(reverse("ecosystem:map", args=["imb"])).content.decode()
    for link in re.findall(r'<a href="\?actor=\d+#red-flags" class="eco-actor.*?</a>', content, re.DOTALL):
        label = re.search(r'aria-label="([^"]+)"', link)[1]
        name = "".join(re.findall(r"<tspan[^>]*>([^<]*)</tspan>", link))
        count = re.search(r'class="eco-count"[^>]*>([^<]*)</text>', link)[1]
        assert label.startswith(f"{name.strip()}, {count.strip()}")


def test_the_catalogue_groups_categories_by_state_mapped_first_and_explains_not_started_once(member_client, imb):  # noqa: F811
    CategoryFactory(name="Domestic work", status=CategoryStatus.NOT_STARTED, summary="Type 9 of 25.")
    CategoryFactory(name="Agriculture", status=CategoryStatus.NOT_STARTED, summary="Type 10 of 25.")
    CategoryFactory(name="Escort services", status=CategoryStatus.IN_PROGRESS)
    imb["category"].status = CategoryStatus.MAPPED
    imb["category"].save()
    content = member_client.get(reverse("ecosystem:catalogue")).content.decode()
    headings = re.findall(r'<h2 id="group-(\w+)">', content)
    assert headings == ["mapped", "in_progress", "not_started"]
    assert content.count("These categories are not mapped yet.") == 1
    not_started = content[content.index('id="group-not_started"') :]
    assert "Domestic work" in not_started
    assert "Type 9 of 25." not in content  # no repeated paragraph on every row


def test_ratings_start_unselected_and_a_choice_is_required(member_client, member, imb):  # noqa: F811
    content = member_client.get(
        reverse("ecosystem:map", args=["imb"]), {"stage": imb["laundering"].pk}
    ).content.decode()
    select = re.search(r'<select name="usefulness"[^>]*>(.*?)</select>', content, re.DOTALL)
    assert select is not None
    assert "required" in select[0].split(">")[0]
    assert re.search(r'<option value="" selected>', select[1])
    assert not re.search(r'<option value="\d" selected>', select[1])
    member_client.post(reverse("ecosystem:rate", args=[imb["late"].pk]), {"usefulness": ""})
    assert not RedFlagRating.objects.filter(member=member).exists()  # no choice, no rating


def test_a_members_own_rating_stays_selected(member_client, member, imb):  # noqa: F811
    flag = red_flag(stage=imb["laundering"], indicator="Rated by me")
    member_client.post(reverse("ecosystem:rate", args=[flag.pk]), {"usefulness": "4"})
    content = member_client.get(
        reverse("ecosystem:map", args=["imb"]), {"stage": imb["laundering"].pk}
    ).content.decode()
    assert '<option value="4" selected>' in content
