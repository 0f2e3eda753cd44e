"""The busiest member page's reads: one page of the initiative list, with place counts and my status.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/knoble_bench python -m bench.initiative_list

Ours is the selector and paginator the view uses (count, page of 20, eligible sectors); the reference is
the same three reads written by hand in SQL. Reads only: nothing to clean up.
"""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "knoble.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only")
django.setup()

from django.core.paginator import Paginator  # noqa: E402
from django.db import connection  # noqa: E402

from bench.harness import Figure, median_seconds  # noqa: E402
from initiatives import selectors  # noqa: E402
from members.models import Member  # noqa: E402

PAGE_SIZE = 20  # initiatives.views.PAGE_SIZE
# The ORM builds, then runs, the same queries; twice the hand-written time is the most we accept.
TARGET_RATIO = 2.0

RAW_COUNT = "SELECT count(*) FROM initiatives_initiative WHERE status <> 'draft'"
RAW_PAGE = """
SELECT i.id, i.title, i.slug, i.summary, i.kind, i.status, i.capacity, i.starts_at, i.is_online, i.location,
       count(p.id) FILTER (WHERE p.status = 'active') AS active_count,
       count(p.id) FILTER (WHERE p.status = 'waitlisted') AS waitlist_count,
       (SELECT mine.status FROM initiatives_participation mine
         WHERE mine.initiative_id = i.id AND mine.member_id = %s LIMIT 1) AS my_status
  FROM initiatives_initiative i
  LEFT JOIN initiatives_participation p ON p.initiative_id = i.id
 WHERE i.status <> 'draft'
 GROUP BY i.id
 ORDER BY CASE i.status WHEN 'open' THEN 0 WHEN 'closed' THEN 1 ELSE 2 END, i.starts_at NULLS LAST, i.title, i.id
 LIMIT %s
"""
RAW_SECTORS = (
    "SELECT initiative_id, sector FROM initiatives_eligiblesector WHERE initiative_id = ANY(%s) ORDER BY sector"
)


def orm_page(member: Member) -> None:
    page = Paginator(selectors.initiatives_with_counts(member), PAGE_SIZE).get_page(1)
    for initiative in page:
        list(initiative.eligible_sectors.all())


def raw_page(member_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(RAW_COUNT)
        cursor.fetchone()
        cursor.execute(RAW_PAGE, [member_id, PAGE_SIZE])
        ids = [row[0] for row in cursor.fetchall()]
        cursor.execute(RAW_SECTORS, [ids])
        cursor.fetchall()


def figures(*, repeats: int = 3) -> list[Figure]:
    member = Member.objects.filter(participations__isnull=False).order_by("id").first()
    if member is None:
        raise RuntimeError("no member takes part in anything: run bench/generate.py first")
    orm_page(member)  # warm the connection and PostgreSQL's caches for both
    raw_page(member.pk)
    return [
        Figure(
            name="initiative list: a page of 20 with counts",
            ours=median_seconds(lambda: orm_page(member), repeats=repeats),
            reference=median_seconds(lambda: raw_page(member.pk), repeats=repeats),
            target=TARGET_RATIO,
        )
    ]


if __name__ == "__main__":
    for figure in figures():
        print(figure)
