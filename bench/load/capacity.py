"""The capacity run's load generator: `python -m bench.load.capacity`, started by `python -m bench.loadtest
--capacity` against its gunicorn (with KNOBLE_BENCH_FLOOR=1), never on its own.

Locust as a library: a warm-up (the first step's users, not measured), then four phases, each user entering
with a session made in advance (no password hashing between steps):

1. *pages*: the members of bench/load/locustfile.py (the same tasks and weights, shorter pauses), in steps
   of more and more users; each step measured for a fixed time once its users are in. It stops after the
   first step where the p95 of the member pages' requests passes 300 ms or a request fails;
2. *floor*: the same steps, the same pauses, every user asking for the floor page (/bench/floor/);
3. *layout*: the same again on the layout reference (/bench/layout/), the simplest member page there could be;
4. *per page*: each member task alone, then the floor alone and the layout alone, for a few users, to share out
   the gunicorn workers' CPU time per request.

The plan comes as JSON in LOADTEST_CAPACITY (steps, step_seconds, warm_up_seconds, page_users, page_seconds,
think, host, gunicorn_pid, output); what was measured is written as JSON to `output`.
"""

import contextlib
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gevent
import psutil
from locust import HttpUser, between
from locust.env import Environment
from locust.runners import Runner

from bench.load import locustfile
from bench.load.cpu import CpuLedger

PLAN = json.loads(os.environ["LOADTEST_CAPACITY"])
SESSIONS = iter(locustfile.ACCOUNTS["sessions"] * 100)  # more users than sessions share them
P95_TARGET_MS = 300.0
SETTLE_SECONDS = 3  # after the last user of a step is in, before measuring
FLOOR = "floor"
LAYOUT = "layout"


def enter(user: HttpUser) -> None:
    name, value = next(SESSIONS)
    user.client.cookies.set(name, value)


class CapacityMember(locustfile.Member):
    wait_time = between(*PLAN["think"])

    def on_start(self) -> None:
        enter(self)
        self.begin()


class Reference(HttpUser):
    """A user asking for one reference page, over and over."""

    abstract = True
    wait_time = between(*PLAN["think"])

    def on_start(self) -> None:
        enter(self)


def user_doing(task: Callable[..., Any], *, base: type[HttpUser], name: str) -> type[HttpUser]:
    """A user of `base` whose only task is `task`."""
    # The metaclass would add the base's other tasks to a `tasks` given in the class body; set afterwards, it is
    # the user's only one.
    user_class: type[HttpUser] = type(name, (base,), {"abstract": False})
    user_class.tasks = [task]
    return user_class


def reference(name: str, path: str) -> type[HttpUser]:
    def ask(user: HttpUser) -> None:
        user.client.get(path, name=name)

    return user_doing(ask, base=Reference, name=name.capitalize())


Floor = reference(FLOOR, "/bench/floor/")
Layout = reference(LAYOUT, "/bench/layout/")


class OnePage(CapacityMember):
    """A member doing one task only: its static files are left out, as the home task would fetch them."""

    abstract = True

    def begin(self) -> None:
        super().begin()
        self.assets_checked = True


class GunicornCpu:
    """CPU seconds of the gunicorn workers, a recycled worker's time included."""

    def __init__(self, master: int) -> None:
        self.master = master
        self.ledger = CpuLedger()

    def sample(self) -> float:
        with contextlib.suppress(psutil.Error):  # the master has gone: the workers' last samples stand
            self.ledger.record(psutil.Process(self.master).children(recursive=True))
        return self.ledger.total()

    def keep_sampling(self) -> None:
        while True:
            self.sample()
            gevent.sleep(0.5)


def runner_of(environment: Environment) -> Runner:
    if environment.runner is None:
        raise RuntimeError("the environment has no runner")
    return environment.runner


def page_figures(environment: Environment) -> dict[str, dict[str, float]]:
    return {
        entry.name: {
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "p50": entry.get_response_time_percentile(0.5) or 0.0,
            "p95": entry.get_response_time_percentile(0.95) or 0.0,
        }
        for entry in environment.stats.entries.values()
        if entry.num_requests
    }


def measure(
    environment: Environment, cpu: GunicornCpu, *, users: int, user_class: type[HttpUser], seconds: float
) -> dict[str, Any]:
    """Brings the users to `users` (all of `user_class`), waits for them, then measures for `seconds`."""
    runner = runner_of(environment)
    runner.start(users, spawn_rate=max(10, users), user_classes=[user_class])
    while runner.user_count != users:
        gevent.sleep(0.2)
    gevent.sleep(SETTLE_SECONDS)
    environment.stats.reset_all()
    cpu_before, started = cpu.sample(), time.monotonic()
    gevent.sleep(seconds)
    pages = page_figures(environment)
    p95_all = environment.stats.total.get_response_time_percentile(0.95) or 0.0
    elapsed, cpu_spent = time.monotonic() - started, cpu.sample() - cpu_before
    requests = sum(int(page["requests"]) for page in pages.values())
    return {
        "users": users,
        "seconds": round(elapsed, 1),
        "requests": requests,
        "failures": sum(int(page["failures"]) for page in pages.values()),
        "rps": round(requests / elapsed, 1),
        "p95": p95_all,
        "cpu_seconds": round(cpu_spent, 2),
        "cpu_ms_per_request": round(1000 * cpu_spent / requests, 2) if requests else 0.0,
        "pages": pages,
    }


def breach(step: dict[str, Any]) -> str | None:
    """Why a step is past capacity: a failed request, or the p95 of all its requests over the member pages'
    target. All of them, not the slowest page's: a step of a few users asks for each page a handful of times,
    and one request held up by another process would decide a page's p95 on its own."""
    if step["failures"]:
        return f"{step['failures']} failed requests"
    return f"p95 {step['p95']:.0f} ms, over {P95_TARGET_MS:.0f} ms" if step["p95"] > P95_TARGET_MS else None


def climb(environment: Environment, cpu: GunicornCpu, phase: str, user_class: type[HttpUser]) -> list[dict[str, Any]]:
    steps = []
    for users in PLAN["steps"]:
        step = {
            "phase": phase,
            **measure(environment, cpu, users=users, user_class=user_class, seconds=PLAN["step_seconds"]),
        }
        step["breach"] = breach(step)
        steps.append(step)
        print(f"{phase}: {users} users, {step['rps']} req/s, {step['breach'] or 'within targets'}", flush=True)
        if step["breach"]:
            break
    runner_of(environment).stop()
    return steps


def one_task(function: Callable[..., Any]) -> type[HttpUser]:
    return user_doing(function, base=OnePage, name=f"Only_{function.__name__}")


# Each member task alone, then the two references.
ONE_PAGE: list[type[HttpUser]] = [
    *(one_task(function) for function in dict.fromkeys(CapacityMember.tasks) if callable(function)),
    Floor,
    Layout,
]


def warm_up(environment: Environment) -> None:
    """Every worker's first requests load templates, translations and caches: not what a step should measure."""
    runner = runner_of(environment)
    runner.start(PLAN["steps"][0], spawn_rate=PLAN["steps"][0], user_classes=[CapacityMember])
    gevent.sleep(PLAN["warm_up_seconds"])
    runner.stop()


def per_page(environment: Environment, cpu: GunicornCpu) -> list[dict[str, Any]]:
    """Each member task alone, then the references: its requests' names, CPU per request and latencies."""
    found = []
    for user_class in ONE_PAGE:
        step = measure(environment, cpu, users=PLAN["page_users"], user_class=user_class, seconds=PLAN["page_seconds"])
        found.append({"task": user_class.__name__.removeprefix("Only_"), **step})
        runner_of(environment).stop()
    return found


def main() -> int:
    # Locust's dispatcher knows only the classes given here.
    environment = Environment(user_classes=[CapacityMember, *ONE_PAGE], host=PLAN["host"])
    environment.create_local_runner()
    cpu = GunicornCpu(PLAN["gunicorn_pid"])
    sampler = gevent.spawn(cpu.keep_sampling)
    warm_up(environment)
    result = {
        "steps": [
            *climb(environment, cpu, "pages", CapacityMember),
            *climb(environment, cpu, FLOOR, Floor),
            *climb(environment, cpu, LAYOUT, Layout),
        ],
        "per_page": per_page(environment, cpu),
    }
    sampler.kill()
    runner_of(environment).quit()
    Path(PLAN["output"]).write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
