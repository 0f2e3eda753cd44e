"""Dashboard speed at 1M and 5M activities, and the nightly score job and roll-up refresh at 5M.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/knoble_bench python -m bench.dashboards

Runs on the shared data set of bench.generate (100,000 members, 5M activities), as `make bench` leaves it.
Everything happens inside one transaction that is rolled back at the end, so the benchmark leaves the
database as it found it: scores and roll-ups are computed and the dashboard measured at 5M; then four
activity rows in five are deleted (evenly, so the 18 months keep their shape), and the same is done at 1M.

"Dashboard" is the server work of every panel's JSON (`analytics.panels.panel_data`) with the cache
switched off. Its reference is the same aggregates over the roll-up tables run as one SQL statement (each
panel's query captured from the dashboard itself, so the two compute exactly the same numbers).
"""

import os
import statistics
import sys
from collections.abc import Callable
from datetime import date

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "knoble.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only")
django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402

from analytics import panels  # noqa: E402
from analytics.rollups import rollups_refresh  # noqa: E402
from bench import generate  # noqa: E402
from bench.harness import Figure, median_seconds  # noqa: E402
from engagement.scoring import engagement_recompute  # noqa: E402

SMALL_ACTIVITIES = 1_000_000
FILTERS = panels.Filters(start=date(2026, 8, 3), end=date(2026, 10, 31))
# A dashboard takes tens of milliseconds, less than the jitter of a shared machine: more runs cost little.
DASHBOARD_RUNS = 15
NO_CACHE = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}


def dashboard() -> None:
    for name in panels.PANELS:
        panels.panel_data(name, FILTERS)


def one_statement() -> Callable[[], object]:
    """The dashboard's aggregate queries, captured as executed, joined into one SQL statement."""
    with CaptureQueriesContext(connection) as captured:
        for panel in panels.PANELS.values():
            panel(FILTERS)
    parts = [f"(SELECT json_agg(q) FROM ({query['sql']}) q) AS p{i}" for i, query in enumerate(captured)]
    statement = "SELECT " + ", ".join(parts)

    def run() -> object:
        with connection.cursor() as cursor:
            cursor.execute(statement)
            return cursor.fetchone()

    return run


def measure(*, repeats: int, job_repeats: int) -> tuple[float, float, float, float]:
    """(score job, refresh, dashboard, one statement) on the data as it stands, each the median of its runs.

    The jobs run at least once to bring scores and roll-ups up to the data; `job_repeats` times when timed.
    """
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE members_activity")
    score = median_seconds(engagement_recompute, repeats=job_repeats)
    refresh = median_seconds(rollups_refresh, repeats=job_repeats)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    reference_query = one_statement()
    with override_settings(CACHES=NO_CACHE):
        dashboard()  # warm the connection and the plan caches, as a running server would be
        reference_query()
        ours, reference = interleaved(dashboard, reference_query, repeats=max(repeats, DASHBOARD_RUNS))
    return score, refresh, ours, reference


def interleaved(ours: Callable[[], object], raw: Callable[[], object], *, repeats: int) -> tuple[float, float]:
    """Medians of both, run alternately: on a shared machine, load that drifts during the run hits both sides."""
    ours_runs, raw_runs = [], []
    for _ in range(repeats):
        ours_runs.append(median_seconds(ours, repeats=1))
        raw_runs.append(median_seconds(raw, repeats=1))
    return statistics.median(ours_runs), statistics.median(raw_runs)


def shrink_activity(*, keep: int) -> int:
    """Deletes all but about `keep` activity rows, every n-th id kept; returns how many are left.

    The table's trigger refuses every delete; only this transaction, which is always rolled back, steps around
    it as a superuser (as bench/campaign_send.py cleans up), and puts the triggers back straight after.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM members_activity")
        every = max(1, round(cursor.fetchone()[0] / keep))
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("DELETE FROM members_activity WHERE id %% %s <> 0", [every])
        cursor.execute("SET LOCAL session_replication_role = origin")
        cursor.execute("SELECT count(*) FROM members_activity")
        return cursor.fetchone()[0]


def figures(*, repeats: int = 3) -> list[Figure]:
    if connection.vendor != "postgresql":
        raise RuntimeError("The dashboards benchmark needs PostgreSQL: set DATABASE_URL=postgres://…/knoble_bench")
    generate.main([])  # the shared data set, reused when present
    with transaction.atomic():
        score, refresh, large, large_reference = measure(repeats=repeats, job_repeats=repeats)
        left = shrink_activity(keep=SMALL_ACTIVITIES)
        print(f"dashboards: measuring again with {left:,} activities", file=sys.stderr)
        _, _, small, small_reference = measure(repeats=repeats, job_repeats=1)
        transaction.set_rollback(True)
    return [
        Figure("dashboard at 1M activities vs one SQL over the roll-ups", small, 1.5, small_reference),
        Figure("dashboard at 5M activities vs one SQL over the roll-ups", large, 1.5, large_reference),
        Figure("dashboard growth from 1M to 5M activities", large, 1.2, small),
        Figure("nightly score job at 5M activities", score, 60.0),
        Figure("roll-up refresh at 5M activities", refresh, 60.0),
    ]


if __name__ == "__main__":
    for figure in figures():
        ratio = f"{figure.ratio:.2f}× (target {figure.target}×)" if figure.ratio is not None else ""
        limit = "" if figure.ratio is not None else f"(target ≤ {figure.target} {figure.unit})"
        status = "ok" if figure.met else "MISSED"
        print(f"{status:6} {figure.name}: {figure.ours:.4f} {figure.unit} {ratio}{limit}")
