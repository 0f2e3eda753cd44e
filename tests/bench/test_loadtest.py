"""The load test's reading and judging of locust's figures, on small hand-written files, and the data its
preparation makes: no load is run here."""

import ast
import json
from pathlib import Path

import pytest
from django.urls import resolve

from analytics.panels import PANELS
from bench.loadtest import (
    DASHBOARD_P95_TARGET,
    MEMBER_P95_TARGET,
    SIGN_IN,
    PageStats,
    cpu_summary,
    figures_for,
    plot_capacity,
    prepare_pages,
    read_sign_ins,
    read_stats,
    render_pages,
    render_steps,
    server_environment,
    sustained,
)
from bench.report import Outcome, exit_code

STATS_CSV = """Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,Min Response Time,\
Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%
GET,home,120,0,40,52.1,4.6,900.0,14000.0,2.0,0.0,40,50,60,70,90,180,300,400,900,900,900
GET,dashboard: funnel panel,30,0,90,110.0,11.0,700.0,9000.0,0.5,0.0,90,100,120,150,300,450,600,700,700,700,700
POST,sign in,3,0,5000,5000.0,4000.0,6000.0,0.0,0.1,0.0,5000,5000,5000,6000,6000,6000,6000,6000,6000,6000,6000
POST,leave,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0
,Aggregated,153,0,45,60.0,4.6,900.0,12000.0,2.5,0.0,45,55,65,75,95,200,320,420,900,900,900
"""


def test_locust_statistics_are_read_per_page_in_seconds(tmp_path):
    path = tmp_path / "locust_stats.csv"
    path.write_text(STATS_CSV)
    pages = read_stats(path)
    # Sign-ins are timed by the locustfile itself; empty rows and the aggregate are left out.
    assert pages == [
        PageStats(name="home", requests=120, failures=0, p50=0.040, p95=0.180),
        PageStats(name="dashboard: funnel panel", requests=30, failures=0, p50=0.090, p95=0.450),
    ]
    assert pages[0].target == MEMBER_P95_TARGET
    assert pages[1].target == DASHBOARD_P95_TARGET


def test_sign_ins_give_their_own_row_without_a_latency_target(tmp_path):
    path = tmp_path / "sign_ins.json"
    path.write_text(json.dumps([[0.8, True], [1.2, True], [3.0, False], [0.9, True]]))
    row = read_sign_ins(path)
    assert (row.name, row.requests, row.failures) == (SIGN_IN, 4, 1)
    assert row.p50 == 1.2
    assert row.p95 == 3.0
    assert row.target is None
    assert read_sign_ins(tmp_path / "missing.json").requests == 0


def test_figures_hold_each_page_to_its_target_and_count_every_error():
    pages = [
        PageStats(name="home", requests=100, failures=0, p50=0.05, p95=0.25),
        PageStats(name="dashboard: funnel", requests=10, failures=0, p50=0.2, p95=0.45),
        PageStats(name=SIGN_IN, requests=50, failures=0, p50=2.0, p95=4.0),
    ]
    figures = figures_for(pages, {"gunicorn worker": 120.0, "celery worker": 110.0})
    by_name = {figure.name: figure for figure in figures}
    assert set(by_name) == {
        "load: error rate",
        "load: home p95",
        "load: dashboard: funnel p95",
        "load: gunicorn worker peak RSS",
        "load: celery worker peak RSS",
    }
    assert by_name["load: error rate"].ours == 0
    assert exit_code([Outcome(module="loadtest", figures=figures)]) == 0

    one_error = [PageStats(name="join", requests=40, failures=1, p50=0.05, p95=0.1), *pages]
    rate = {f.name: f for f in figures_for(one_error, {})}["load: error rate"]
    assert rate.ours == 100 / 200
    assert exit_code([Outcome(module="loadtest", figures=figures_for(one_error, {}))]) == 1

    slow_dashboard = [PageStats(name="dashboard: funnel", requests=10, failures=0, p50=0.2, p95=0.51)]
    assert exit_code([Outcome(module="loadtest", figures=figures_for(slow_dashboard, {}))]) == 1
    heavy_worker = figures_for(pages, {"celery worker": 251.0})
    assert exit_code([Outcome(module="loadtest", figures=heavy_worker)]) == 1


def test_the_page_table_shows_errors_p50_p95_and_the_verdict():
    table = render_pages(
        [
            PageStats(name="home", requests=100, failures=0, p50=0.05, p95=0.25),
            PageStats(name="join", requests=9, failures=2, p50=0.05, p95=0.1),
            PageStats(name=SIGN_IN, requests=50, failures=0, p50=2.0, p95=4.0),
        ]
    ).splitlines()
    rows = {line.split("|")[1].strip(): [cell.strip() for cell in line.strip("|").split("|")] for line in table[2:]}
    assert rows["home"] == ["home", "100", "0", "50 ms", "250 ms", "p95 ≤ 300 ms", "ok"]
    assert rows["join"][-1] == "MISS"
    assert rows[SIGN_IN][-2:] == ["—", "ok"]


def test_servers_run_with_production_settings_on_loopback():
    env = server_environment(database_url="postgres://x@127.0.0.1/knoble_bench", redis_url="redis://r/1", port=9)
    assert env["DJANGO_DEBUG"] == "false"
    assert env["DJANGO_STATIC_MANIFEST"] == "true"
    assert env["DJANGO_ALLOWED_HOSTS"] == "127.0.0.1"
    assert env["SITE_URL"] == "http://127.0.0.1:9"


def test_cpu_is_counted_per_measured_request_without_sign_ins():
    pages = [
        PageStats(name="home", requests=300, failures=0, p50=0.05, p95=0.25),
        PageStats(name="join", requests=100, failures=0, p50=0.05, p95=0.1),
        PageStats(name=SIGN_IN, requests=50, failures=0, p50=2.0, p95=4.0),
    ]
    summary = cpu_summary(pages, {"gunicorn worker": 12.0, "celery worker": 1.5}, seconds=60)
    assert summary == {
        "gunicorn_seconds": 12.0,
        "gunicorn_ms_per_request": 30.0,
        "gunicorn_cores": 0.2,
        "celery_seconds": 1.5,
    }


def test_leadership_loads_the_dashboards_page_and_every_panel():
    # The locustfile reads its environment on import, so its panel list is read from the source.
    source = ast.parse((Path(__file__).parents[2] / "bench/load/locustfile.py").read_text())
    assigned = {
        node.targets[0].id: node.value
        for node in source.body
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
    }
    panels = ast.literal_eval(assigned["DASHBOARD_PANELS"])
    assert panels == list(PANELS)
    assert resolve("/dashboards/").view_name == "dashboards:index"
    assert {resolve(f"/dashboards/panels/{name}.json").view_name for name in panels} == {"dashboards:panel_json"}


def _step(phase: str, users: int, rps: float, p95: float, breach: str | None = None) -> dict:
    pages = {"home": {"requests": int(rps * 30), "failures": 0, "p50": p95 / 2, "p95": p95}}
    return {"phase": phase, "users": users, "rps": rps, "p95": p95, "failures": 0, "cpu_ms_per_request": 9.0,
            "pages": pages, "breach": breach}  # fmt: skip


CLIMB = [
    _step("pages", 10, 18.0, 40),
    _step("pages", 20, 35.0, 90),
    _step("pages", 40, 33.0, 450, breach="p95 over 300 ms: home"),
    _step("floor", 10, 19.0, 10),
    _step("floor", 20, 39.0, 12),
    _step("floor", 40, 76.0, 30),
    _step("layout", 10, 19.0, 20),
    _step("layout", 20, 38.0, 320, breach="p95 320 ms, over 300 ms"),
]


def test_the_sustained_rate_is_the_fastest_step_within_the_targets():
    pages, floor = sustained(CLIMB, "pages"), sustained(CLIMB, "floor")
    assert (pages or {}).get("users") == 20
    assert (floor or {}).get("rps") == 76.0
    assert sustained(CLIMB[2:3], "pages") is None
    assert (sustained(CLIMB, "layout") or {}).get("users") == 10


def test_the_step_table_names_the_slowest_page_and_why_a_step_failed():
    table = render_steps(CLIMB)
    assert "| member pages | 40    | 33.0  | 450 ms   | 450 ms (home)      |" in table
    assert "p95 over 300 ms: home" in table
    assert "| layout       | 20    | 38.0  | 320 ms   |" in table


def test_the_capacity_curve_is_drawn_to_the_file_asked_for(tmp_path):
    path = tmp_path / "img" / "capacity.png"
    plot_capacity(CLIMB, path, title="test")
    assert path.read_bytes().startswith(b"\x89PNG")


def test_the_member_mix_includes_the_newer_pages():
    source = (Path(__file__).parents[2] / "bench/load/locustfile.py").read_text()
    for name in (
        "spaces list",
        "space page (threads, documents)",
        "space thread (with replies)",
        "document download",
        "directory search",
        "red-flag library, filtered",
        "ideas list",
        '"idea"',
        "vote (POST)",
    ):
        assert name in source


@pytest.mark.django_db
def test_the_preparation_makes_pages_every_member_account_may_open(client, settings, tmp_path):
    from tests.members.factories import MemberFactory
    from voice.models import Vote

    settings.MEDIA_ROOT = tmp_path
    members = MemberFactory.create_batch(3)
    pages = prepare_pages(members)
    again = prepare_pages(members)  # a second run reuses what the first made
    assert again == pages
    assert len(pages["threads"]) == 5
    assert len(pages["downloads"]) == 5
    assert len(pages["ideas"]) == 20
    assert "loadtest-working-group" not in pages["initiatives"]  # nobody leaves the space's initiative
    client.force_login(members[-1].user)
    for url in [pages["space"], *pages["threads"], *pages["downloads"][:1], *pages["ideas"][:1]]:
        assert client.get(url).status_code == 200, url
    assert client.get("/directory/", {"q": pages["directory_terms"][0]}).status_code == 200
    assert client.post(pages["ideas"][0] + "vote/", {"importance": "critical"}).status_code == 302
    assert Vote.objects.filter(member=members[-1]).count() == 1
