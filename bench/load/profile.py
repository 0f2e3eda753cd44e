"""What each member page costs, in one process, without the noise of a load: `python -m bench.load.profile`.

    python -m bench.load.profile                          # every page of the load test's mix, and the references
    python -m bench.load.profile --only space_page,floor --requests 200
    python -m bench.load.profile --only space_thread --cprofile 25     # where one page's time goes

The capacity run (`make loadtest-capacity`) is the verdict; this is the instrument to work with between runs.
It prepares the benchmark data set as the load test does (bench/loadtest.py), starts Django in this process
with the load test's production settings (the floor mounted), signs one of the load test's members in and
asks for each page through Django's test client: the same URL resolution, middleware, session, template
rendering and queries as gunicorn, without the HTTP parsing. Per page it prints the CPU time of this process
per request, its ratio to the floor's, PostgreSQL's CPU per request (the server process of this connection,
read from /proc; 0 on SQLite, whose work is in this process's) and the queries a request runs. The weights are
the load test's (bench/load/locustfile.py), so the last line is the mix's cost against the floor's.
"""

import argparse
import cProfile
import io
import os
import pstats
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import psutil

from bench.environment import use_defaults
from bench.loadtest import choose_database, prepare, server_environment
from bench.report import markdown_table


@dataclass(frozen=True)
class Page:
    name: str
    weight: int  # the locustfile's task weight
    request: Callable[[Any, dict[str, Any]], Any]  # (client, pages) -> response


def _get(path: Callable[[dict[str, Any]], str], **params: str) -> Callable[[Any, dict[str, Any]], Any]:
    return lambda client, pages: client.get(path(pages), params)


def _join_or_leave(client: Any, pages: dict[str, Any]) -> Any:
    slug = pages["initiatives"][0]
    verb = "leave" if getattr(client, "taking_part", False) else "join"
    client.taking_part = verb == "join"
    return client.post(f"/initiatives/{slug}/{verb}/", HTTP_HX_REQUEST="true")


PAGES = [
    Page("home", 3, _get(lambda p: "/")),
    Page("initiative_list", 4, _get(lambda p: "/initiatives/")),
    Page("filtered_list", 3, _get(lambda p: "/initiatives/", kind="working_group", sector="ngo")),
    Page("initiative_detail", 4, _get(lambda p: f"/initiatives/{random.choice(p['initiatives'])}/")),
    Page("join_or_leave", 1, _join_or_leave),
    Page("spaces_list", 1, _get(lambda p: "/spaces/")),
    Page("space_page", 2, _get(lambda p: p["space"])),
    Page("space_thread", 2, _get(lambda p: p["threads"][0])),
    Page("document_download", 1, _get(lambda p: random.choice(p["downloads"]))),
    Page("directory_search", 2, lambda c, p: c.get("/directory/", {"q": random.choice(p["directory_terms"])})),
    Page("library_filtered", 2, lambda c, p: c.get("/ecosystem/red-flags/", {"category": p["library_categories"][0]})),
    Page("ideas_list", 2, _get(lambda p: "/voice/ideas/")),
    Page("idea", 2, _get(lambda p: random.choice(p["ideas"]))),
    Page("vote", 1, lambda c, p: c.post(random.choice(p["ideas"]) + "vote/", {"importance": "important"})),
    Page("floor", 0, _get(lambda p: "/bench/floor/")),
    Page("layout", 0, _get(lambda p: "/bench/layout/")),
]


@dataclass(frozen=True)
class Cost:
    page: Page
    cpu_ms: float
    database_ms: float
    queries: float


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.load.profile", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", help="comma-separated page names (default: all)")
    parser.add_argument("--requests", type=int, default=100, help="measured requests a page (default 100)")
    parser.add_argument("--warm-up", type=int, default=20, help="unmeasured requests a page first (default 20)")
    parser.add_argument("--cprofile", type=int, metavar="LINES", help="print cProfile's costliest functions")
    parser.add_argument("--sort", default="tottime", help="cProfile's sort key (default tottime)")
    parser.add_argument("--tree", action="store_true", help="print pyinstrument's call tree of each page instead")
    parser.add_argument("--all-frames", action="store_true", help="--tree: show Django's and libraries' frames too")
    return parser.parse_args(argv)


def start_django() -> dict[str, Any]:
    database_url, redis_url = use_defaults()
    database_url, which = choose_database(database_url)
    os.environ.update(server_environment(database_url=database_url, redis_url=redis_url, port=8765))
    os.environ["KNOBLE_BENCH_FLOOR"] = "1"
    os.environ["DJANGO_SETTINGS_MODULE"] = "knoble.settings"
    accounts = prepare(which)
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    return accounts


def signed_in_client(accounts: dict[str, Any]) -> Any:
    from django.test import Client

    from members.models import User

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(email=accounts["members"][0][0]))
    return client


def measure(page: Page, client: Any, pages: dict[str, Any], *, requests: int, warm_up: int) -> Cost:
    from django.db import connection

    warm(page, client, pages, requests=warm_up)
    backend = database_server_process()
    queries = 0

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    database_before = cpu_seconds(backend)
    started = time.process_time()
    with connection.execute_wrapper(count):
        for _ in range(requests):
            page.request(client, pages)
    cpu = time.process_time() - started
    database = cpu_seconds(backend) - database_before
    return Cost(page, 1000 * cpu / requests, 1000 * database / requests, queries / requests)


def database_server_process() -> psutil.Process | None:
    """PostgreSQL's server process for this connection (SQLite runs inside this process: None)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    return psutil.Process(pid)


def cpu_seconds(process: psutil.Process | None) -> float:
    return sum(process.cpu_times()[:2]) if process is not None else 0.0


def warm(page: Page, client: Any, pages: dict[str, Any], *, requests: int) -> None:
    """The unmeasured first requests (templates, translations, caches), each checked: a page that fails stops the
    run rather than being measured or profiled as an error page."""
    for _ in range(requests):
        response = page.request(client, pages)
        if response.status_code >= 400:
            raise SystemExit(f"{page.name} answered HTTP {response.status_code}")


def profile(page: Page, client: Any, pages: dict[str, Any], *, requests: int, lines: int, sort: str) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        page.request(client, pages)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats(sort).print_stats(lines)
    return out.getvalue()


def call_tree(page: Page, client: Any, pages: dict[str, Any], *, requests: int, all_frames: bool) -> str:
    """pyinstrument samples the stack rather than timing every call, so the tree's shares are not inflated
    towards the many small calls of the template engine as cProfile's are."""
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.001)
    with profiler:
        for _ in range(requests):
            page.request(client, pages)
    return profiler.output_text(color=False, show_all=all_frames)


def report(costs: Sequence[Cost]) -> str:
    floor = next((cost.cpu_ms for cost in costs if cost.page.name == "floor"), None)
    rows = [
        (
            cost.page.name,
            f"{cost.cpu_ms:.1f} ms",
            f"{cost.cpu_ms / floor:.1f}×" if floor else "—",
            f"{cost.database_ms:.1f} ms",
            f"{cost.queries:g}",
        )
        for cost in costs
    ]
    table = markdown_table(("page", "CPU/request", "× floor", "PostgreSQL CPU", "queries"), rows)
    weighted = [cost for cost in costs if cost.page.weight]
    if floor and weighted:
        mix = sum(cost.cpu_ms * cost.page.weight for cost in weighted) / sum(cost.page.weight for cost in weighted)
        table += f"\nthe mix of these pages, by the load test's weights: {mix:.1f} ms, {mix / floor:.2f}× the floor"
    return table


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    accounts = start_django()
    chosen = [page for page in PAGES if not args.only or page.name in args.only.split(",")]
    client = signed_in_client(accounts)
    random.seed(1)
    pages = accounts["pages"]
    if args.cprofile or args.tree:
        for page in chosen:
            warm(page, client, pages, requests=args.warm_up)
            print(f"## {page.name}\n")
            if args.tree:
                print(call_tree(page, client, pages, requests=args.requests, all_frames=args.all_frames))
            else:
                print(profile(page, client, pages, requests=args.requests, lines=args.cprofile, sort=args.sort))
        return 0
    costs = [measure(page, client, pages, requests=args.requests, warm_up=args.warm_up) for page in chosen]
    print(report(costs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
