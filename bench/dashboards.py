"""Dashboard speed against the activity log's size, and the nightly score job and roll-up refresh.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/knoble_bench python -m bench.dashboards
    python -m bench --scale 2 --only dashboards    # on twice the data set, in knoble_bench_x2

Runs on the shared data set of bench.generate (100,000 members, 5M activities at scale 1; N times both at
`--scale N`), as `make bench` leaves it. Everything happens inside one transaction that is rolled back at the
end, so the benchmark leaves the database as it found it: scores and roll-ups are computed in full, then
incrementally after each of a few days' new activity (the score job, then the refresh, as at night), and the
dashboard measured on the whole log; then activity rows are deleted evenly (so the 18 months keep
their shape) down to 1M at scale 1, or to the 5M of scale 1 at larger scales, and the dashboard measured
again: the growth figure is the whole log's against that.

"Dashboard" is the server work of every panel's JSON (`analytics.panels.panel_data`) with the cache
switched off. Its reference is the same aggregates over the roll-up tables run as one SQL statement (each
panel's query captured from the dashboard itself, so the two compute exactly the same numbers).
"""

import os
import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "knoble.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only")
django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from analytics import panels  # noqa: E402
from analytics.models import RollupRefresh  # noqa: E402
from analytics.rollups import rollups_refresh  # noqa: E402
from bench import generate  # noqa: E402
from bench.environment import current_scale  # noqa: E402
from bench.harness import Figure, median_seconds  # noqa: E402
from engagement.scoring import ScoreRun, engagement_recompute  # noqa: E402

SMALL_ACTIVITIES = 1_000_000  # what scale 1 is compared with
SCALE_1_ACTIVITIES = 5_000_000  # what a larger scale is compared with: the dashboard's figure at scale 1
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


@dataclass(frozen=True)
class Measured:
    score: float
    refresh: float
    dashboard: float
    reference: float


def measure(*, repeats: int, job_repeats: int) -> Measured:
    """The score job and the refresh in full, the dashboard and its one statement on the data as it stands, each the
    median of its runs. The jobs run at least once to bring scores and roll-ups up to the data; `job_repeats`
    times when timed.
    """
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE members_activity")
    score = median_seconds(lambda: engagement_recompute(full=True), repeats=job_repeats)
    refresh = median_seconds(lambda: rollups_refresh(full=True), repeats=job_repeats)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    reference_query = one_statement()
    with override_settings(CACHES=NO_CACHE):
        dashboard()  # warm the connection and the plan caches, as a running server would be
        reference_query()
        ours, reference = interleaved(dashboard, reference_query, repeats=max(repeats, DASHBOARD_RUNS))
    return Measured(score, refresh, ours, reference)


@dataclass(frozen=True)
class Nightly:
    score: float
    refresh: float


def after_a_day(*, repeats: int, day_of_activity: int) -> Nightly:
    """What runs at night after a day's new activity: the score job, then the roll-up refresh, each timed and
    each required to be incremental; the medians of `repeats` such days. Both are up to date before the first."""
    scores, refreshes = [], []
    for seed in range(repeats):
        moment = timezone.now()
        generate.more_activities(count=day_of_activity, seed=seed, between=(moment - timedelta(days=1), moment))
        scores.append(median_seconds(incremental(engagement_recompute), repeats=1))
        refreshes.append(median_seconds(incremental(rollups_refresh), repeats=1))
    return Nightly(score=statistics.median(scores), refresh=statistics.median(refreshes))


def incremental(job: Callable[[], ScoreRun | RollupRefresh]) -> Callable[[], None]:
    def run() -> None:
        if job().full:
            raise RuntimeError("the nightly jobs after a day's activity were meant to be incremental")

    return run


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
    generate.main([])  # the shared data set at the chosen scale, reused when present
    scale = current_scale()
    activities = SCALE_1_ACTIVITIES * scale
    small_activities = SMALL_ACTIVITIES if scale == 1 else SCALE_1_ACTIVITIES
    size, small_size = millions(activities), millions(small_activities)
    with transaction.atomic():
        large = measure(repeats=repeats, job_repeats=repeats)
        nightly = after_a_day(repeats=repeats, day_of_activity=activities // generate.HISTORY_DAYS)
        left = shrink_activity(keep=small_activities)
        print(f"dashboards: measuring again with {left:,} activities", file=sys.stderr)
        small = measure(repeats=repeats, job_repeats=1)
        transaction.set_rollback(True)
    return [
        Figure(f"dashboard at {small_size} activities vs one SQL over the roll-ups", small.dashboard, 1.5,
               small.reference),
        Figure(f"dashboard at {size} activities vs one SQL over the roll-ups", large.dashboard, 1.5, large.reference),
        Figure(f"dashboard growth from {small_size} to {size} activities", large.dashboard, 1.2, small.dashboard),
        Figure(f"nightly score job (incremental) after a day's activity at {size}", nightly.score, 60.0),
        Figure(f"score job in full at {size} activities", large.score, 60.0),
        Figure(f"roll-up refresh at {size} activities", large.refresh, 60.0),
        Figure(f"incremental roll-up refresh after a day's activity at {size}", nightly.refresh, 60.0),
    ]  # fmt: skip


def millions(count: int) -> str:
    return f"{count / 1_000_000:g}M"


if __name__ == "__main__":
    for figure in figures():
        ratio = f"{figure.ratio:.2f}× (target {figure.target}×)" if figure.ratio is not None else ""
        limit = "" if figure.ratio is not None else f"(target ≤ {figure.target} {figure.unit})"
        status = "ok" if figure.met else "MISSED"
        print(f"{status:6} {figure.name}: {figure.ours:.4f} {figure.unit} {ratio}{limit}")
