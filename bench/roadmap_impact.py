"""The roadmap-impact part of the nightly roll-up (`analytics.impact`) on the shared data set, in ratios.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/knoble_bench python -m bench.roadmap_impact

Inside one transaction that is rolled back: the nightly score job runs first (not timed), so that every member has
the stages and transitions the lift and the reference read; then a roadmap is placed with `FEW_ITEMS` items, the
generated initiatives are launched from them round-robin, and the impact tables are rebuilt; then the same with
`MANY_ITEMS`. Its reference is the roll-up's weekly stage table (`analytics.rollups._stage_weekly`), the statement
it most resembles (every member's stage at each week, from all stage transitions). The impact step must stay within
a small multiple of it, and must not grow with the number of items (the same participants spread over more items).
It runs inside the nightly roll-up refresh, so on its own it must also stay within the nightly jobs' 60 s (issue
27).
"""

import os
import sys
from datetime import date

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "knoble.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only")
django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from analytics.impact import IMPACT_TABLES, impact_refresh  # noqa: E402
from analytics.models import StageWeekly  # noqa: E402
from analytics.rollups import _stage_weekly  # noqa: E402
from bench import generate  # noqa: E402
from bench.harness import Figure, median_seconds  # noqa: E402
from engagement.scoring import engagement_recompute  # noqa: E402
from initiatives.models import Initiative  # noqa: E402
from roadmap.models import Opportunity  # noqa: E402
from roadmap.services import roadmap_create, roadmap_item_place  # noqa: E402

FEW_ITEMS = 10
MANY_ITEMS = 40
NIGHTLY_TARGET = 60.0  # seconds, as for the score job and the roll-up refresh (bench.dashboards)


def launch_from(items: int) -> None:
    """A fresh roadmap of `items` items; every initiative launched from one of them, round-robin."""
    roadmap = roadmap_create(title=f"Bench roadmap {items}", first_month=date(2026, 1, 1), by=None)
    placed = [
        roadmap_item_place(
            roadmap=roadmap,
            opportunity=Opportunity.objects.create(title=f"Bench opportunity {items}-{n}"),
            start_month=1 + n % 12,
            end_month=1 + n % 12,
        )
        for n in range(items)
    ]
    initiatives = list(Initiative.objects.order_by("id"))
    for index, initiative in enumerate(initiatives):
        initiative.roadmap_item = placed[index % items]
    Initiative.objects.bulk_update(initiatives, ["roadmap_item"], batch_size=1000)


def impact_step() -> None:
    with connection.cursor() as cursor:
        for table in IMPACT_TABLES:
            cursor.execute(f"DELETE FROM {table}")
        impact_refresh(cursor, timezone.now())


def stage_weekly_step() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {StageWeekly._meta.db_table}")
        _stage_weekly(cursor, timezone.now())


def figures(*, repeats: int = 3) -> list[Figure]:
    if connection.vendor != "postgresql":
        raise RuntimeError("The impact benchmark needs PostgreSQL: set DATABASE_URL=postgres://…/knoble_bench")
    generate.main([])  # the shared data set at the chosen scale, reused when present
    with transaction.atomic():
        engagement_recompute()
        reference = median_seconds(stage_weekly_step, repeats=repeats)
        launch_from(FEW_ITEMS)
        few = median_seconds(impact_step, repeats=repeats)
        launch_from(MANY_ITEMS)
        many = median_seconds(impact_step, repeats=repeats)
        transaction.set_rollback(True)
    return [
        Figure(f"impact roll-up ({MANY_ITEMS} items) vs the weekly stage roll-up", many, 5.0, reference),
        Figure(f"impact roll-up growth from {FEW_ITEMS} to {MANY_ITEMS} roadmap items", many, 1.5, few),
        Figure(f"impact roll-up ({MANY_ITEMS} items) within the nightly jobs' target", many, NIGHTLY_TARGET),
    ]


if __name__ == "__main__":
    for figure in figures():
        ratio = f"{figure.ratio:.2f}× (target {figure.target}×)" if figure.ratio is not None else ""
        print(f"{figure.name}: {figure.ours:.2f}s {ratio}", file=sys.stdout)
    sys.exit(0)
