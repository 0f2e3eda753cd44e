"""`make loadtest`: the portal under fifty simultaneous users, served as in production, on 127.0.0.1 only.

    make loadtest                                  # 3 minutes, 50 users
    python -m bench.loadtest --duration 30         # a shorter run while working on something

It uses the benchmark database (`knoble_bench`, made by `make bench` / bench/generate.py) when its data
set is there, otherwise a small `knoble_loadtest` database loaded with seed_demo, and says which. It then
collects the static files, starts gunicorn (gunicorn.conf.py, as production) and a Celery worker on Redis,
runs bench/load/locustfile.py headless while sampling the memory of both, and prints per page the
requests, errors, p50 and p95, and the peak resident memory of each process. Exits 1 when a target is
missed (any error; p95 over 300 ms on member pages or 500 ms on dashboards; over 250 MB of memory), 2 when
PostgreSQL or Redis is missing. The figures are added to bench/results.json.
"""

import argparse
import csv
import json
import math
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil
import psycopg

from bench.environment import (
    ServiceMissing,
    check_services,
    database_exists,
    database_name,
    ensure_database,
    use_defaults,
    with_database,
)
from bench.harness import Figure
from bench.report import ROOT, Outcome, append_run, exit_code, render_table, run_record

MEMBER_P95_TARGET = 0.300  # seconds
DASHBOARD_P95_TARGET = 0.500
RSS_TARGET_MB = 250.0
# Signing in hashes the password on purpose (PBKDF2, Django's default cost): slow by design, so held to
# no latency target; its failures still count.
SIGN_IN = "sign in (form and post, while users arrive)"
DEMO_DATABASE = "knoble_loadtest"
LEADERSHIP_EMAIL = "loadtest-leader@bench.example"
LOADTEST_PASSWORD = "loadtest-only-password"  # noqa: S105 - a throwaway account on a benchmark database
BENCH_PASSWORD = "benchmark-only"  # noqa: S105 - what bench/generate.py gives its members
WORKDIR = ROOT / "var" / "loadtest"


@dataclass(frozen=True)
class PageStats:
    name: str
    requests: int
    failures: int
    p50: float  # seconds
    p95: float

    @property
    def target(self) -> float | None:
        if self.name == SIGN_IN:
            return None
        return DASHBOARD_P95_TARGET if self.name.startswith("dashboard") else MEMBER_P95_TARGET


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.loadtest", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=180, help="seconds of load (default 180)")
    parser.add_argument("--users", type=int, default=50, help="simultaneous users (default 50)")
    # Signing in costs a deliberately slow password hash; one a second is a busy morning, not a storm.
    parser.add_argument("--spawn-rate", type=float, default=1, help="users started per second (default 1)")
    parser.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 for gunicorn (default 8765)")
    parser.add_argument("--no-save", action="store_true", help="print the tables without adding to results.json")
    return parser.parse_args(argv)


def choose_database(url: str) -> tuple[str, str]:
    """The benchmark database when its data set is complete, else the small demo one; (url, which)."""
    if database_exists(url):
        with psycopg.connect(url) as conn:
            ready = conn.execute("SELECT to_regclass('bench_dataset') IS NOT NULL").fetchone()
            if ready and ready[0] and conn.execute("SELECT count(*) FROM bench_dataset").fetchone() != (0,):
                return url, "bench"
    demo_url = with_database(url, DEMO_DATABASE)
    ensure_database(demo_url)
    return demo_url, "demo"


def prepare(which: str) -> dict[str, list[tuple[str, str]]]:
    """Brings the database up to date and returns the accounts to sign in with.

    Django starts here, once DATABASE_URL names the database chosen.
    """
    import django

    django.setup()
    from allauth.account.models import EmailAddress
    from django.conf import settings
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection

    from members.models import Member, User
    from members.roles import LEADERSHIP_ROLE

    call_command("migrate", verbosity=0)
    if which == "demo":
        call_command("seed_demo", verbosity=0)
    from analytics.models import RollupRefresh
    from analytics.rollups import rollups_refresh
    from engagement.scoring import engagement_recompute

    if not RollupRefresh.objects.exists():
        # The dashboards read what the nightly job writes; a fresh data set has not had a night yet.
        engagement_recompute()
        rollups_refresh()
    approved = Member.objects.filter(status=Member.Status.APPROVED, user__is_active=True, user__is_staff=False)
    if which == "bench":
        approved = approved.filter(user__email__endswith="@bench.example")
    password = BENCH_PASSWORD if which == "bench" else settings.DEMO_PASSWORD
    users = list(User.objects.filter(member__in=approved.order_by("id")[:200]).order_by("id"))
    leader, _ = User.objects.get_or_create(email=LEADERSHIP_EMAIL, defaults={"first_name": "Load", "last_name": "Test"})
    leader.set_password(LOADTEST_PASSWORD)
    leader.save(update_fields=["password"])
    leader.groups.add(Group.objects.get(name=LEADERSHIP_ROLE))
    # allauth signs in only verified addresses (data sets made before the generator wrote them lack them).
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in [*users, leader]],
        ignore_conflicts=True,
    )
    EmailAddress.objects.filter(user__in=[*users, leader], verified=False).update(verified=True)
    members = [(user.email, password) for user in users]
    connection.close()  # the servers are forked next; they must not share this connection
    return {"members": members, "leadership": [(LEADERSHIP_EMAIL, LOADTEST_PASSWORD)]}


def server_environment(*, database_url: str, redis_url: str, port: int) -> dict[str, str]:
    """Production settings, except plain HTTP on loopback, no MFA enrolment for the test accounts and a
    sign-in rate limit per address that fifty users behind one address do not trip."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", "loadtest-only-secret-key"),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_SECURE_COOKIES": "false",
        "DJANGO_HSTS_SECONDS": "0",
        "DJANGO_STATIC_MANIFEST": "true",
        "DJANGO_STATIC_ROOT": str(WORKDIR / "static"),
        "DJANGO_LOG_LEVEL": "WARNING",
        "DATABASE_CONN_MAX_AGE": os.environ.get("DATABASE_CONN_MAX_AGE", "60"),
        "KNOBLE_REQUIRE_MFA": "false",
        "KNOBLE_LOGIN_RATE": "1000/m/ip",  # every simulated user signs in from 127.0.0.1
        "EMAIL_URL": f"filemail://{WORKDIR / 'mail'}",
        "SITE_URL": f"http://127.0.0.1:{port}",
    }


@contextmanager
def process(args: list[str], *, env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Starts a process of ours and always stops it (SIGTERM, then SIGKILL after 20 s)."""
    with log.open("wb") as output:
        started = subprocess.Popen(args, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)  # noqa: S603
        try:
            yield started
        finally:
            started.send_signal(signal.SIGTERM)
            try:
                started.wait(timeout=20)
            except subprocess.TimeoutExpired:
                started.kill()
                started.wait()


def wait_until_healthy(port: int, *, within: float = 60) -> None:
    deadline = time.monotonic() + within
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"gunicorn did not answer /healthz within {within:.0f} s; see {WORKDIR}/gunicorn.log")
        time.sleep(0.5)


class ProcessSampler(threading.Thread):
    """Samples groups of processes twice a second: each group's peak resident memory (MB), and the CPU
    seconds it spent once `measuring` exists (the locustfile creates it when every user has signed in).

    CPU per request does not depend on what else the machine is running, unlike the latencies."""

    def __init__(self, groups: dict[str, Callable[[], list[psutil.Process]]], *, measuring: Path) -> None:
        super().__init__(daemon=True)
        self.groups = groups
        self.measuring = measuring
        self.peaks = dict.fromkeys(groups, 0.0)
        self.counts = dict.fromkeys(groups, 0)
        self.cpu_seen: dict[str, dict[int, float]] = {name: {} for name in groups}
        self.cpu_at_start: dict[str, float] | None = None
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.is_set():
            self.sample()
            self.halt.wait(0.5)
        self.sample()

    def sample(self) -> None:
        for name, find in self.groups.items():
            processes = find()
            self.counts[name] = max(self.counts[name], len(processes))
            for found in processes:
                try:
                    self.peaks[name] = max(self.peaks[name], found.memory_info().rss / 2**20)
                    times = found.cpu_times()
                except psutil.Error:
                    continue  # a worker recycled between listing and sampling
                self.cpu_seen[name][found.pid] = times.user + times.system
        if self.cpu_at_start is None and self.measuring.exists():
            self.cpu_at_start = self.cpu_totals()

    def cpu_totals(self) -> dict[str, float]:
        return {name: sum(seen.values()) for name, seen in self.cpu_seen.items()}

    def cpu_while_measuring(self) -> dict[str, float]:
        start = self.cpu_at_start or dict.fromkeys(self.groups, 0.0)
        return {name: total - start[name] for name, total in self.cpu_totals().items()}

    def stop(self) -> None:
        self.halt.set()
        self.join()


def children_of(pid: int, *, include_self: bool = False) -> Callable[[], list[psutil.Process]]:
    def find() -> list[psutil.Process]:
        try:
            parent = psutil.Process(pid)
            return ([parent] if include_self else []) + parent.children(recursive=True)
        except psutil.Error:
            return []

    return find


def read_stats(stats_csv: Path) -> list[PageStats]:
    """Locust's per-request-name statistics (its *_stats.csv, milliseconds) without the aggregate row."""
    pages = []
    with stats_csv.open(newline="") as handle:
        for row in csv.DictReader(handle):
            # Sign-ins come from read_sign_ins: the last few can end after the statistics restarted.
            if row["Name"] in {"Aggregated", "sign-in form", "sign in"} or int(row["Request Count"]) == 0:
                continue
            pages.append(
                PageStats(
                    name=row["Name"],
                    requests=int(row["Request Count"]),
                    failures=int(row["Failure Count"]),
                    p50=float(row["50%"]) / 1000,
                    p95=float(row["95%"]) / 1000,
                )
            )
    return pages


def read_sign_ins(path: Path) -> PageStats:
    """The sign-ins timed by the locustfile: they happen before locust's statistics are reset."""
    sign_ins = json.loads(path.read_text()) if path.exists() else []
    seconds = sorted(duration for duration, _ in sign_ins)

    def percentile(share: float) -> float:
        return seconds[min(len(seconds) - 1, int(share * len(seconds)))] if seconds else 0.0

    failures = sum(1 for _, signed_in in sign_ins if not signed_in)
    return PageStats(name=SIGN_IN, requests=len(sign_ins), failures=failures, p50=percentile(0.5), p95=percentile(0.95))


def figures_for(pages: Sequence[PageStats], peaks: dict[str, float]) -> list[Figure]:
    requests = sum(page.requests for page in pages)
    failures = sum(page.failures for page in pages)
    error_rate = 100 * failures / requests if requests else 100.0
    found = [Figure(name="load: error rate", ours=error_rate, target=0.0, unit="%")]
    found += [Figure(name=f"load: {page.name} p95", ours=page.p95, target=page.target) for page in pages if page.target]
    found += [
        Figure(name=f"load: {name} peak RSS", ours=peak, target=RSS_TARGET_MB, unit="MB")
        for name, peak in peaks.items()
    ]
    return found


def cpu_summary(pages: Sequence[PageStats], cpu: dict[str, float], *, seconds: int) -> dict[str, float]:
    """What the servers cost, whatever else the machine runs: CPU seconds, per request and in cores."""
    requests = sum(page.requests for page in pages if page.name != SIGN_IN)
    web = cpu.get("gunicorn worker", 0.0)
    return {
        "gunicorn_seconds": round(web, 2),
        "gunicorn_ms_per_request": round(1000 * web / requests, 2) if requests else 0.0,
        "gunicorn_cores": round(web / seconds, 3) if seconds else 0.0,
        "celery_seconds": round(cpu.get("celery worker", 0.0), 2),
    }


def render_pages(pages: Sequence[PageStats]) -> str:
    header = ("page", "requests", "errors", "p50", "p95", "target", "ok?")
    body = [
        (
            page.name,
            str(page.requests),
            str(page.failures),
            f"{page.p50 * 1000:.0f} ms",
            f"{page.p95 * 1000:.0f} ms",
            f"p95 ≤ {page.target * 1000:.0f} ms" if page.target else "—",
            "ok" if not page.failures and (page.target is None or page.p95 <= page.target) else "MISS",
        )
        for page in sorted(pages, key=lambda page: page.name)
    ]
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
    lines = [
        "| " + " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) + " |"
        for row in [header, *body]
    ]
    lines.insert(1, "|" + "|".join("-" * (width + 2) for width in widths) + "|")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    database_url, redis_url = use_defaults()
    try:
        check_services(database_url, redis_url)
    except ServiceMissing as missing:
        print(f"make loadtest needs PostgreSQL and Redis: {missing}", file=sys.stderr)
        return 2
    load_before = os.getloadavg()[0]
    database_url, which = choose_database(database_url)
    os.environ["DATABASE_URL"] = database_url
    described = "the benchmark data set" if which == "bench" else "the demo data (no benchmark data set found)"
    print(f"load test on database {database_name(database_url)!r}: {described}", flush=True)
    accounts = prepare(which)
    if not accounts["members"]:
        print("no approved member accounts to sign in with", file=sys.stderr)
        return 1
    WORKDIR.mkdir(parents=True, exist_ok=True)
    accounts_file = WORKDIR / "accounts.json"
    accounts_file.write_text(json.dumps(accounts))
    sign_ins_file = WORKDIR / "sign_ins.json"
    sign_ins_file.unlink(missing_ok=True)
    measuring_file = WORKDIR / "measuring"
    measuring_file.unlink(missing_ok=True)
    env = server_environment(database_url=database_url, redis_url=redis_url, port=args.port)
    bin_dir = Path(sys.executable).parent
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity=0"], cwd=ROOT, env=env, check=True
    )
    gunicorn = [str(bin_dir / "gunicorn"), "knoble.wsgi", "--config", str(ROOT / "gunicorn.conf.py")]
    celery = [str(bin_dir / "celery"), "-A", "knoble", "worker", "--loglevel=WARNING", "--concurrency=2"]
    ramp_up = math.ceil(args.users / args.spawn_rate)
    locust = [
        str(bin_dir / "locust"),
        "--locustfile", str(ROOT / "bench" / "load" / "locustfile.py"),
        "--headless", "--only-summary",
        "--host", f"http://127.0.0.1:{args.port}",
        "--users", str(args.users), "--spawn-rate", str(args.spawn_rate),
        # The locustfile restarts the statistics once everyone has signed in and stops `duration` s later;
        # this is only the outer bound, for sign-ins that never finish.
        "--run-time", f"{args.duration + 4 * ramp_up + 60}s", "--stop-timeout", "10",
        "--csv", str(WORKDIR / "locust"),
    ]  # fmt: skip
    with (
        process([*gunicorn, "--bind", f"127.0.0.1:{args.port}"], env=env, log=WORKDIR / "gunicorn.log") as web,
        process([*celery, "--without-mingle", "--without-gossip"], env=env, log=WORKDIR / "celery.log") as worker,
    ):
        wait_until_healthy(args.port)
        sampler = ProcessSampler(
            {"gunicorn worker": children_of(web.pid), "celery worker": children_of(worker.pid, include_self=True)},
            measuring=measuring_file,
        )
        sampler.start()
        print(f"{args.users} users arriving over {ramp_up} s, then measured for {args.duration} s …", flush=True)
        locust_env = {
            **os.environ,
            "LOADTEST_ACCOUNTS": str(accounts_file),
            "LOADTEST_SIGN_INS": str(sign_ins_file),
            "LOADTEST_USERS": str(args.users),
            "LOADTEST_SECONDS": str(args.duration),
            "LOADTEST_MEASURING": str(measuring_file),
        }
        with (WORKDIR / "locust.log").open("wb") as log:
            # The locust of our virtualenv, fixed arguments; its verdict is ours, from its statistics.
            subprocess.run(locust, cwd=ROOT, env=locust_env, stdout=log, stderr=subprocess.STDOUT, check=False)  # noqa: S603
        sampler.stop()
    pages = [read_sign_ins(sign_ins_file), *read_stats(WORKDIR / "locust_stats.csv")]
    outcomes = [Outcome(module="loadtest", figures=figures_for(pages, sampler.peaks))]
    cpu = cpu_summary(pages, sampler.cpu_while_measuring(), seconds=args.duration)
    print(f"load average of the machine: {load_before:.1f} before, {os.getloadavg()[0]:.1f} after")
    print(
        f"CPU while measuring: gunicorn workers {cpu['gunicorn_seconds']:.1f} s, "
        f"{cpu['gunicorn_ms_per_request']:.1f} ms a request, {cpu['gunicorn_cores']:.2f} cores on average; "
        f"celery worker {cpu['celery_seconds']:.1f} s"
    )
    print(render_pages(pages))
    print()
    print(render_table(outcomes))
    if not args.no_save:
        append_run(
            run_record(
                "loadtest",
                outcomes,
                database=which,
                users=args.users,
                duration_s=args.duration,
                processes=sampler.counts,
                cpu=cpu,
                # The machine may be shared: its load average before and after says how much.
                load_average=[round(load_before, 2), round(os.getloadavg()[0], 2)],
                pages=[page.__dict__ for page in pages],
            )
        )
    return exit_code(outcomes)


def main(argv: Sequence[str] | None = None) -> int:
    return run(parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
