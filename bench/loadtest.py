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

    python -m bench.loadtest --capacity --plot docs/img/capacity.png     # make loadtest-capacity

The capacity mode raises the number of users step by step (bench/load/capacity.py) until the p95 of the
member pages' requests passes 300 ms or a request fails, and reports the highest request rate sustained
below that beside the same climb on a reference measured in the same run: the floor, a minimal page behind
the same middleware, session and authentication, which gunicorn mounts only for this run
(KNOBLE_BENCH_FLOOR=1); and the same climb on the layout reference, the simplest member page there could be
(the portal's layout around twenty titles read in one query), to show how much of the gap any page pays. Then
the CPU time of the gunicorn workers per request, page by page. Exits 1 when the member pages sustain less
than half the floor's rate.
"""

import argparse
import csv
import json
import math
import os
import signal
import socket
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
from typing import Any

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
from bench.load.cpu import CpuLedger
from bench.report import ROOT, Outcome, append_run, exit_code, markdown_table, render_table, run_record

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
# The space the load test's members work in: made once in the data set, with every member account taking part.
SPACE_SLUG = "loadtest-working-group"
LEAD_EMAIL = "loadtest-lead@bench.example"
LONG_THREAD_REPLIES = 40  # the thread the pinned query count says costs the same at any length
SHORT_THREADS = 4
DOCUMENTS = 5
IDEAS = 20
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


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
    parser.add_argument("--capacity", action="store_true", help="find the sustained request rate against the floor")
    parser.add_argument(
        "--steps",
        default="2,5,10,20,30,40,50,60,80,100,130,160,200",
        help="capacity: simultaneous users at each step (default 2,5,10,20,30,…,200)",
    )
    parser.add_argument("--step-seconds", type=int, default=30, help="capacity: seconds measured a step (default 30)")
    parser.add_argument(
        "--think",
        default="0.25,0.75",
        help="capacity: a user's pause between requests, least and most seconds (default 0.25,0.75)",
    )
    parser.add_argument(
        "--warm-up-seconds", type=int, default=20, help="capacity: unmeasured load before the first step (default 20)"
    )
    parser.add_argument(
        "--page-seconds", type=int, default=12, help="capacity: seconds measured for each page alone (default 12)"
    )
    parser.add_argument("--plot", type=Path, help="capacity: draw the curve to this file (.svg or .png)")
    parser.add_argument(
        "--demo-database",
        default=DEMO_DATABASE,
        help=f"the database seeded with the demo data when there is no benchmark data set (default {DEMO_DATABASE})",
    )
    return parser.parse_args(argv)


def choose_database(url: str, demo_database: str = DEMO_DATABASE) -> tuple[str, str]:
    """The benchmark database when its data set is complete, else the small demo one; (url, which)."""
    if database_exists(url):
        with psycopg.connect(url) as conn:
            ready = conn.execute("SELECT to_regclass('bench_dataset') IS NOT NULL").fetchone()
            if ready and ready[0] and conn.execute("SELECT count(*) FROM bench_dataset").fetchone() != (0,):
                return url, "bench"
    demo_url = with_database(url, demo_database)
    ensure_database(demo_url)
    return demo_url, "demo"


def prepare(which: str, *, sessions: int = 0) -> dict[str, Any]:
    """Brings the database up to date and returns the accounts to sign in with (and `sessions` sessions of
    them already signed in, for the capacity mode) and the addresses of the pages to visit.

    Django starts here, once DATABASE_URL names the database chosen.
    """
    import django

    django.setup()
    from allauth.account.models import EmailAddress
    from django.conf import settings
    from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
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
    # Accounts that cannot sign in (the demo's history members have no password) would only fail, and their
    # failures trip allauth's limit on failed sign-ins for everyone on 127.0.0.1.
    approved = Member.objects.filter(status=Member.Status.APPROVED, user__is_active=True, user__is_staff=False).exclude(
        user__password__startswith=UNUSABLE_PASSWORD_PREFIX
    )
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
    pages = prepare_pages(list(Member.objects.filter(user__in=users).select_related("user").order_by("user_id")))
    signed_in = signed_in_sessions([users[n % len(users)] for n in range(sessions)]) if users else []
    connection.close()  # the servers are forked next; they must not share this connection
    return {
        "members": members,
        "leadership": [(LEADERSHIP_EMAIL, LOADTEST_PASSWORD)],
        "pages": pages,
        "sessions": signed_in,
    }


def signed_in_sessions(users: list[Any]) -> list[tuple[str, str]]:
    """A session cookie (name, value) for each user, made as a sign-in makes it (Django's login, the session
    engine of the settings), without the password hash each sign-in costs on purpose."""
    from django.conf import settings
    from django.test import Client

    cookies = []
    for user in users:
        client = Client()
        client.force_login(user)
        cookies.append((settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value))
    return cookies


def prepare_pages(members: list[Any]) -> dict[str, Any]:
    """Makes what the members' newer pages need in the data set, once, through the services, and returns their
    addresses: a working group every member account takes part in, with a long thread, short ones and
    documents in its space; ideas to read and vote for. The threads and documents are written before the
    others join, so that their notifications go to two members, not to two hundred."""
    import io

    from django.urls import reverse

    from ecosystem.models import RedFlag
    from initiatives.models import Initiative, InitiativeKind, InitiativeStatus, Participation, ParticipationStatus
    from initiatives.services import initiative_save, participation_add
    from members.models import Organisation, User
    from spaces import services as spaces
    from spaces.models import DocumentVersion, Thread
    from voice.models import Idea, IdeaStatus
    from voice.services import idea_submit

    lead, _ = User.objects.get_or_create(
        email=LEAD_EMAIL, defaults={"first_name": "Lena", "last_name": "Load", "is_staff": True}
    )
    initiative = Initiative.objects.filter(slug=SPACE_SLUG).first()
    if initiative is None:
        initiative = initiative_save(
            initiative=Initiative(
                title="Load-test working group",
                slug=SPACE_SLUG,
                summary="Where the load test's members work together.",
                kind=InitiativeKind.WORKING_GROUP,
                status=InitiativeStatus.OPEN,
                lead=lead,
            ),
            by=lead,
        )
    taking_part = set(
        Participation.objects.filter(initiative=initiative, status=ParticipationStatus.ACTIVE).values_list(
            "member_id", flat=True
        )
    )
    first, second = members[0], members[1]
    for member in (first, second):
        if member.pk not in taking_part:
            participation_add(initiative=initiative, member=member, by=lead)
    if not Thread.objects.filter(space__initiative=initiative).exists():
        long = spaces.thread_start(
            initiative=initiative, member=first, title="Shared typologies", body="The **opening** post."
        )
        for n in range(LONG_THREAD_REPLIES):
            spaces.post_reply(thread=long, member=(first, second)[n % 2], body=f"Reply {n}: what we saw this week.")
        for i in range(SHORT_THREADS):
            short = spaces.thread_start(initiative=initiative, member=second, title=f"Topic {i}", body="A question.")
            spaces.post_reply(thread=short, member=first, body="An answer.")
        for i in range(DOCUMENTS):
            spaces.document_upload(
                initiative=initiative, member=first, data=io.BytesIO(PDF), filename=f"note-{i}.pdf", size=len(PDF)
            )
    for member in members:
        if member.pk not in taking_part and member not in (first, second):
            participation_add(initiative=initiative, member=member, by=lead)
    spaces.space_audience_sync(space=spaces.space_ensure(initiative=initiative, by=lead))
    open_ideas = Idea.objects.exclude(status__in=[IdeaStatus.MERGED, IdeaStatus.DECLINED])
    for n in range(open_ideas.count(), IDEAS):
        idea_submit(member=members[n % len(members)], title=f"Load-test idea {n}", problem="A problem to solve.")
    threads = Thread.objects.filter(space__initiative=initiative).order_by("id")
    versions = DocumentVersion.objects.filter(document__space__initiative=initiative).order_by("id")
    organisations = Organisation.objects.order_by("id").values_list("name", flat=True)[:5]
    return {
        # Not the working group: a member who left it in the join-or-leave task could no longer open its space.
        "initiatives": list(
            Initiative.objects.filter(status=InitiativeStatus.OPEN)
            .exclude(slug=SPACE_SLUG)
            .values_list("slug", flat=True)[:20]
        ),
        "space": reverse("spaces:space", kwargs={"slug": SPACE_SLUG}),
        "threads": [thread.get_absolute_url() for thread in threads],
        "downloads": [
            reverse(
                "spaces:document_download",
                kwargs={"slug": SPACE_SLUG, "pk": version.document_id, "number": version.number},
            )
            for version in versions
        ],
        "ideas": [
            reverse("voice:idea", kwargs={"pk": pk})
            for pk in open_ideas.order_by("id").values_list("pk", flat=True)[:IDEAS]
        ],
        "library_categories": sorted(set(RedFlag.objects.values_list("category__slug", flat=True))) or [""],
        "directory_terms": sorted({name.split()[0] for name in organisations}) or ["bank"],
    }


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


def port_taken(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


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
        self.cpu = {name: CpuLedger() for name in groups}
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
                except psutil.Error:
                    continue  # a worker recycled between listing and sampling
            self.cpu[name].record(processes)
        if self.cpu_at_start is None and self.measuring.exists():
            self.cpu_at_start = self.cpu_totals()

    def cpu_totals(self) -> dict[str, float]:
        return {name: ledger.total() for name, ledger in self.cpu.items()}

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
    return markdown_table(header, body)


@dataclass(frozen=True)
class Setup:
    which: str
    env: dict[str, str]
    accounts_file: Path
    load_before: float
    gunicorn: list[str]
    celery: list[str]


def set_up(args: argparse.Namespace, *, sessions: int = 0, floor: bool = False) -> Setup | int:
    """Services checked, database chosen and prepared, static files collected; an exit code on failure."""
    database_url, redis_url = use_defaults()
    try:
        check_services(database_url, redis_url)
    except ServiceMissing as missing:
        print(f"make loadtest needs PostgreSQL and Redis: {missing}", file=sys.stderr)
        return 2
    if port_taken(args.port):
        # Its server would answer our health check, and the run would measure it instead of ours.
        print(f"port {args.port} of 127.0.0.1 is taken; choose another with --port", file=sys.stderr)
        return 2
    load_before = os.getloadavg()[0]
    database_url, which = choose_database(database_url, args.demo_database)
    os.environ["DATABASE_URL"] = database_url
    described = "the benchmark data set" if which == "bench" else "the demo data (no benchmark data set found)"
    print(f"load test on database {database_name(database_url)!r}: {described}", flush=True)
    accounts = prepare(which, sessions=sessions)
    if not accounts["members"]:
        print("no approved member accounts to sign in with", file=sys.stderr)
        return 1
    WORKDIR.mkdir(parents=True, exist_ok=True)
    accounts_file = WORKDIR / "accounts.json"
    accounts_file.write_text(json.dumps(accounts))
    env = server_environment(database_url=database_url, redis_url=redis_url, port=args.port)
    if floor:
        env["KNOBLE_BENCH_FLOOR"] = "1"
    bin_dir = Path(sys.executable).parent
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity=0"], cwd=ROOT, env=env, check=True
    )
    return Setup(
        which=which,
        env=env,
        accounts_file=accounts_file,
        load_before=load_before,
        gunicorn=[str(bin_dir / "gunicorn"), "knoble.wsgi", "--config", str(ROOT / "gunicorn.conf.py")],
        celery=[str(bin_dir / "celery"), "-A", "knoble", "worker", "--loglevel=WARNING", "--concurrency=2"],
    )


def run(args: argparse.Namespace) -> int:
    ready = set_up(args)
    if isinstance(ready, int):
        return ready
    which, env, accounts_file, load_before = ready.which, ready.env, ready.accounts_file, ready.load_before
    gunicorn, celery = ready.gunicorn, ready.celery
    bin_dir = Path(sys.executable).parent
    sign_ins_file = WORKDIR / "sign_ins.json"
    sign_ins_file.unlink(missing_ok=True)
    measuring_file = WORKDIR / "measuring"
    measuring_file.unlink(missing_ok=True)
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


CAPACITY_RATIO_TARGET = 2.0  # the floor may sustain at most twice the member pages' request rate


def sustained(steps: Sequence[dict[str, Any]], phase: str) -> dict[str, Any] | None:
    """The phase's step with the highest request rate among those within the targets."""
    within = [step for step in steps if step["phase"] == phase and not step["breach"]]
    return max(within, key=lambda step: step["rps"], default=None)


PHASES = {"pages": "member pages", "floor": "floor", "layout": "layout"}


def render_steps(steps: Sequence[dict[str, Any]]) -> str:
    body = []
    for step in steps:
        worst = max(step["pages"].items(), key=lambda item: item[1]["p95"], default=("—", {"p95": 0.0}))
        body.append(
            (
                PHASES[step["phase"]],
                str(step["users"]),
                f"{step['rps']:.1f}",
                f"{step['p95']:.0f} ms",
                f"{worst[1]['p95']:.0f} ms ({worst[0]})",
                str(step["failures"]),
                f"{step['cpu_ms_per_request']:.1f} ms",
                step["breach"] or "ok",
            )
        )
    return markdown_table(
        ("phase", "users", "req/s", "p95, all", "slowest page's p95", "errors", "CPU/request", "verdict"), body
    )


def render_per_page(per_page: Sequence[dict[str, Any]]) -> str:
    floor = next((row for row in per_page if row["task"] == "Floor"), None)
    floor_cpu = floor["cpu_ms_per_request"] if floor else 0.0
    body = [
        (
            row["task"],
            ", ".join(sorted(row["pages"])),
            str(row["requests"]),
            f"{row['cpu_ms_per_request']:.1f} ms",
            f"{row['cpu_ms_per_request'] / floor_cpu:.1f}×" if floor_cpu else "—",
            f"{max((page['p95'] for page in row['pages'].values()), default=0):.0f} ms",
        )
        for row in per_page
    ]
    return markdown_table(("task", "requests named", "requests", "CPU/request", "× floor", "p95"), body)


def plot_capacity(steps: Sequence[dict[str, Any]], path: Path, *, title: str) -> None:
    """Request rate and p95 against users, member pages beside the floor; SVG or PNG by the suffix."""
    import matplotlib

    matplotlib.use("Agg")  # no display: a file only
    import matplotlib.pyplot as plt

    figure, (rate, latency) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
    for phase, label, colour in (
        ("pages", "member pages", "tab:blue"),
        ("floor", "floor (minimal page)", "tab:grey"),
        ("layout", "layout (simplest member page)", "tab:green"),
    ):
        shown = [step for step in steps if step["phase"] == phase]
        users = [step["users"] for step in shown]
        rate.plot(users, [step["rps"] for step in shown], marker="o", color=colour, label=label)
        worst = [step["p95"] for step in shown]
        latency.plot(users, worst, marker="o", color=colour, label=label)
        for step, p95 in zip(shown, worst, strict=True):
            if step["breach"]:
                rate.plot(step["users"], step["rps"], marker="x", markersize=12, color="tab:red")
                latency.plot(step["users"], p95, marker="x", markersize=12, color="tab:red")
    latency.axhline(MEMBER_P95_TARGET * 1000, color="tab:red", linestyle="--", label="p95 target (300 ms)")
    rate.set(xlabel="simultaneous users", ylabel="requests a second", title="Throughput")
    latency.set(xlabel="simultaneous users", ylabel="p95 of all requests (ms)", title="Latency")
    rate.legend()
    latency.legend()
    figure.suptitle(title)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, metadata={"Date": None} if path.suffix == ".svg" else None)
    plt.close(figure)


def run_capacity(args: argparse.Namespace) -> int:
    steps_planned = [int(users) for users in args.steps.split(",")]
    ready = set_up(args, sessions=max(steps_planned), floor=True)
    if isinstance(ready, int):
        return ready
    think = [float(seconds) for seconds in args.think.split(",")]
    output = WORKDIR / "capacity.json"
    output.unlink(missing_ok=True)
    with (
        process(
            [*ready.gunicorn, "--bind", f"127.0.0.1:{args.port}"], env=ready.env, log=WORKDIR / "gunicorn.log"
        ) as web,
        process([*ready.celery, "--without-mingle", "--without-gossip"], env=ready.env, log=WORKDIR / "celery.log"),
    ):
        wait_until_healthy(args.port)
        plan = {
            "steps": steps_planned,
            "step_seconds": args.step_seconds,
            "warm_up_seconds": args.warm_up_seconds,
            "think": think,
            "page_users": 5,
            "page_seconds": args.page_seconds,
            "host": f"http://127.0.0.1:{args.port}",
            "gunicorn_pid": web.pid,
            "output": str(output),
        }
        print(f"capacity: steps of {args.steps} users, {args.step_seconds} s each, pauses of {args.think} s …")
        with (WORKDIR / "capacity.log").open("wb") as log:
            subprocess.run(
                [sys.executable, "-m", "bench.load.capacity"],
                cwd=ROOT,
                env={
                    **os.environ,
                    "LOADTEST_ACCOUNTS": str(ready.accounts_file),
                    "LOADTEST_CAPACITY": json.dumps(plan),
                },
                stdout=log,
                stderr=subprocess.STDOUT,
                check=False,
                # An outer bound only: three climbs of every step, each page alone, and a minute to spare.
                timeout=args.warm_up_seconds
                + 3 * len(steps_planned) * (args.step_seconds + 15)
                + 18 * (args.page_seconds + 10)
                + 60,
            )
    if not output.exists():
        print(f"the capacity run wrote no result; see {WORKDIR}/capacity.log", file=sys.stderr)
        return 1
    measured = json.loads(output.read_text())
    steps, per_page = measured["steps"], measured["per_page"]
    pages, floor, layout = sustained(steps, "pages"), sustained(steps, "floor"), sustained(steps, "layout")
    pages_rps, floor_rps = (pages["rps"] if pages else 0.0), (floor["rps"] if floor else 0.0)
    layout_rps = layout["rps"] if layout else 0.0
    load_after = os.getloadavg()[0]
    print(f"load average of the machine: {ready.load_before:.1f} before, {load_after:.1f} after")
    print(render_steps(steps))
    print()
    print(render_per_page(per_page))
    print()
    summary = (
        f"member pages sustain {pages_rps:.1f} req/s"
        + (f" ({pages['users']} users)" if pages else "")
        + f"; the floor {floor_rps:.1f} req/s"
        + (f" ({floor['users']} users)" if floor else "")
        + (f": {pages_rps / floor_rps:.2f} of the floor's rate" if floor_rps else "")
        + f"; the layout reference {layout_rps:.1f} req/s"
        + (f" ({layout['users']} users)" if layout else "")
        + (f": {layout_rps / floor_rps:.2f} of the floor's rate" if floor_rps else "")
    )
    print(summary)
    for phase, best in (("floor", floor), ("layout", layout)):
        if best and best is max((s for s in steps if s["phase"] == phase), key=lambda s: s["users"]):
            print(f"the {phase} stayed within its targets up to the last step: its rate is a lower bound (add steps)")
    outcomes = [
        Outcome(
            module="loadtest",
            figures=[
                Figure(
                    name="capacity: floor's sustained req/s over the member pages'",
                    ours=floor_rps,
                    reference=pages_rps,
                    target=CAPACITY_RATIO_TARGET,
                    unit="req/s",
                )
            ],
        )
    ]
    print(render_table(outcomes))
    if args.plot:
        plot_capacity(steps, args.plot, title=f"Capacity on {os.cpu_count()} cores, {run_record('x', [])['date'][:10]}")
        print(f"plot written to {args.plot}")
    if not args.no_save:
        append_run(
            run_record(
                "loadtest-capacity",
                outcomes,
                database=ready.which,
                step_seconds=args.step_seconds,
                think_seconds=think,
                load_average=[round(ready.load_before, 2), round(load_after, 2)],
                sustained_rps={"pages": pages_rps, "floor": floor_rps, "layout": layout_rps},
                steps=steps,
                per_page=per_page,
            )
        )
    return exit_code(outcomes)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    return run_capacity(args) if args.capacity else run(args)


if __name__ == "__main__":
    sys.exit(main())
