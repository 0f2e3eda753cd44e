"""The `make bench` machinery on tiny fake figures: no timing is asserted here, only what is shown and kept."""

import json
import os
import sys
import types

import pytest

from bench import __main__ as bench_main
from bench.environment import (
    SCALE_VARIABLE,
    ServiceMissing,
    check_services,
    current_scale,
    database_name,
    scale_argument,
    scaled_database_url,
    use_scale,
    with_database,
)
from bench.harness import Figure
from bench.report import Outcome, append_run, exit_code, render_table, run_record

FAST = Figure(name="list page", ours=0.012, reference=0.010, target=1.5)
SLOW = Figure(name="funnel", ours=0.9, reference=0.1, target=2.0)
CEILING = Figure(name="peak RSS", ours=180.0, target=250.0, unit="MB")


def test_the_table_shows_ours_reference_ratio_target_and_verdict():
    table = render_table([Outcome(module="pages", figures=[FAST, SLOW, CEILING])]).splitlines()
    assert [cell.strip() for cell in table[0].strip("|").split("|")] == [
        "figure",
        "ours",
        "raw reference",
        "ratio",
        "target",
        "ok?",
    ]
    assert set(table[1]) == {"|", "-"}
    cells = {line.split("|")[1].strip(): [c.strip() for c in line.strip("|").split("|")] for line in table[2:]}
    assert cells["list page"] == ["list page", "12.0 ms", "10.0 ms", "1.20×", "≤ 1.5×", "ok"]
    assert cells["funnel"] == ["funnel", "900.0 ms", "100.0 ms", "9.00×", "≤ 2×", "MISS"]
    assert cells["peak RSS"] == ["peak RSS", "180.0 MB", "—", "—", "≤ 250.0 MB", "ok"]
    # Every row is as wide as the header, so the table lines up in a terminal and reads as Markdown.
    assert len({len(line) for line in table}) == 1


def test_exit_code_is_zero_only_when_every_figure_meets_its_target():
    assert exit_code([Outcome(module="a", figures=[FAST, CEILING])]) == 0
    assert exit_code([Outcome(module="a", figures=[FAST]), Outcome(module="b", figures=[SLOW])]) == 1
    over_ceiling = Figure(name="peak RSS", ours=251.0, target=250.0, unit="MB")
    assert exit_code([Outcome(module="a", figures=[over_ceiling])]) == 1


def test_a_failed_or_empty_benchmark_is_shown_and_fails_the_run():
    outcomes = [Outcome(module="broken", error="Traceback …"), Outcome(module="idle")]
    table = render_table(outcomes)
    assert "broken: failed to run" in table
    assert "ERROR" in table
    assert "idle: measured nothing" in table
    assert exit_code(outcomes) == 1
    assert exit_code([]) == 1


def test_results_json_keeps_each_run_with_date_commit_and_machine(tmp_path):
    path = tmp_path / "results.json"
    append_run(run_record("bench", [Outcome(module="pages", figures=[FAST])], repeats=3), path)
    append_run(run_record("bench", [Outcome(module="pages", figures=[SLOW])], repeats=5), path)
    runs = json.loads(path.read_text())["runs"]
    assert [run["repeats"] for run in runs] == [3, 5]
    first = runs[0]
    assert first["kind"] == "bench"
    assert first["date"].endswith("+00:00")
    assert len(first["commit"].removesuffix("-dirty")) == 40
    assert first["machine"]["cpus"] >= 1
    assert first["ok"] is True
    assert runs[1]["ok"] is False
    assert first["figures"] == [
        {
            "module": "pages",
            "name": "list page",
            "ours": 0.012,
            "reference": 0.010,
            "ratio": pytest.approx(1.2),
            "target": 1.5,
            "unit": "s",
            "met": True,
        }
    ]


def test_results_json_keeps_only_the_latest_runs(tmp_path, monkeypatch):
    monkeypatch.setattr("bench.report.KEPT_RUNS", 2)
    path = tmp_path / "results.json"
    for repeats in (1, 2, 3):
        append_run(run_record("bench", [Outcome(module="pages", figures=[FAST])], repeats=repeats), path)
    assert [run["repeats"] for run in json.loads(path.read_text())["runs"]] == [2, 3]


def _fake_benchmark(monkeypatch, name, figures):
    module = types.ModuleType(f"bench.{name}")
    module.figures = figures
    monkeypatch.setitem(sys.modules, f"bench.{name}", module)


def test_a_benchmark_that_raises_does_not_stop_the_others(monkeypatch):
    def broken(*, repeats):
        raise RuntimeError("no such table")

    _fake_benchmark(monkeypatch, "fake_broken", broken)
    _fake_benchmark(monkeypatch, "fake_fine", lambda *, repeats: [FAST] * repeats)
    outcomes = bench_main.run_benchmarks(["fake_broken", "fake_fine"], repeats=2)
    assert outcomes[0].module == "fake_broken"
    assert "no such table" in (outcomes[0].error or "")
    assert outcomes[1] == Outcome(module="fake_fine", figures=[FAST, FAST])
    assert exit_code(outcomes) == 1


def test_only_must_name_a_benchmark(capsys):
    with pytest.raises(SystemExit) as stopped:
        bench_main.parse_args(["--only", "no_such_benchmark"])
    assert stopped.value.code == 2
    assert "no benchmark called 'no_such_benchmark'" in capsys.readouterr().err


def test_machinery_modules_are_not_taken_for_benchmarks():
    assert not set(bench_main.benchmark_names()) & bench_main.INFRASTRUCTURE


def test_a_missing_service_is_named_clearly():
    with pytest.raises(ServiceMissing, match="PostgreSQL"):
        check_services("sqlite:///var/x.sqlite3", "redis://127.0.0.1:6379/0")
    with pytest.raises(ServiceMissing, match=r"PostgreSQL does not answer at 127\.0\.0\.1:1"):
        check_services("postgres://postgres@127.0.0.1:1/knoble_bench", "redis://127.0.0.1:6379/0")


@pytest.mark.postgresql_only
def test_a_missing_redis_is_named_clearly():
    with pytest.raises(ServiceMissing, match=r"Redis does not answer at redis://127\.0\.0\.1:1/0"):
        check_services(os.environ["DATABASE_URL"], "redis://127.0.0.1:1/0")


def test_database_urls_swap_only_the_name():
    url = "postgres://bench:secret@db.internal:6543/knoble_bench?sslmode=require"
    assert database_name(url) == "knoble_bench"
    assert with_database(url, "postgres") == "postgres://bench:secret@db.internal:6543/postgres?sslmode=require"


def test_each_scale_has_its_own_database():
    url = "postgres://bench@db.internal:5432/knoble_bench"
    assert scaled_database_url(url, 1) == url
    assert scaled_database_url(url, 4) == "postgres://bench@db.internal:5432/knoble_bench_x4"
    assert scale_argument(["--only", "dashboards", "--scale", "4"]) == 4
    assert scale_argument(["--only", "dashboards"]) == 1


def test_choosing_a_scale_points_the_run_at_its_database_once(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://bench@db.internal:5432/knoble_bench")
    monkeypatch.delenv(SCALE_VARIABLE, raising=False)
    use_scale(2)
    use_scale(2)  # the generator, started by the benchmark runner, chooses it again
    assert os.environ["DATABASE_URL"] == "postgres://bench@db.internal:5432/knoble_bench_x2"
    assert current_scale() == 2
