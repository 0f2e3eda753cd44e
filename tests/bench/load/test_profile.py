"""The in-process page profiler (python -m bench.load.profile): what it measures and how it reports it."""

import pytest

from bench.load.profile import PAGES, Cost, Page, measure, report

pytestmark = pytest.mark.django_db


def test_a_page_is_measured_through_the_whole_stack_with_its_queries(member_client):
    home = next(page for page in PAGES if page.name == "home")
    cost = measure(home, member_client, {}, requests=3, warm_up=1)
    assert cost.page is home
    assert cost.cpu_ms > 0
    assert cost.queries >= 1  # at least the user, read by the authentication middleware


def test_a_page_that_fails_stops_the_run_rather_than_measuring_an_error_page(client):
    with pytest.raises(SystemExit, match="missing answered HTTP 404"):
        measure(Page("missing", 1, lambda c, p: c.get("/no-such-page/")), client, {}, requests=1, warm_up=1)


def test_the_report_gives_each_page_against_the_floor_and_the_weighted_mix():
    floor, light, heavy = Page("floor", 0, print), Page("light", 3, print), Page("heavy", 1, print)
    table = report([Cost(light, 20.0, 1.0, 2), Cost(heavy, 60.0, 3.0, 5), Cost(floor, 10.0, 0.2, 1)])
    assert "| light | 20.0 ms     | 2.0×" in table
    assert "| heavy | 60.0 ms     | 6.0×" in table
    # (3 × 20 + 1 × 60) / 4 = 30 ms: three times the floor; the floor's weight of 0 keeps it out of the mix.
    assert table.endswith("30.0 ms, 3.00× the floor")
