"""Fifty people on the portal at once: members browse, filter, read and join, work in a space, search the
directory and the red-flag library, and vote for ideas; leadership loads dashboards.

bench/loadtest.py (`make loadtest`) starts the servers and runs this file headless. The accounts come from
the JSON file named by LOADTEST_ACCOUNTS: {"members": [[email, password], …], "leadership": [[…]],
"pages": {…}}, where "pages" holds the addresses its preparation found or made in the data set (a space
every member account takes part in, its threads and document downloads, ideas, library categories,
directory search terms). Every user signs in through the real allauth form (CSRF included), as a browser
would; how long each sign-in took, and whether it worked, is written to the file named by
LOADTEST_SIGN_INS. Once all LOADTEST_USERS have signed in, the statistics restart and run for
LOADTEST_SECONDS. The capacity mode (bench/load/capacity.py) reuses the member's tasks.
"""

import itertools
import json
import os
import random
import re
import time
from pathlib import Path

import gevent
from locust import HttpUser, between, events, task
from locust.clients import HttpSession
from locust.env import Environment

# The leadership pages, each (request name, path), in the order a browser asks for them: the dashboards page,
# then the JSON of each of its panels (analytics/urls.py; the panel names are
# analytics.panels.PANELS, written out because locust runs without Django). Names start with
# "dashboard" so bench/loadtest.py holds them to the dashboard target.
DASHBOARD_PANELS = [
    "headline",
    "funnel",
    "active",
    "stages",
    "cohorts",
    "organisations",
    "collaboration",
    "participation",
    "campaigns",
    "roadmap",
    "outcomes",
    "impact",
    "knowledge",
    "coverage",
    "sponsors",
]
LEADERSHIP_PAGES = [
    ("dashboard: page", "/dashboards/"),
    *((f"dashboard: {name} panel", f"/dashboards/panels/{name}.json") for name in DASHBOARD_PANELS),
]
FILTERS = {
    "kind": ["working_group", "training", "data_sharing_pilot", "event", "resource"],
    "status": ["open", "closed", "completed"],
    "sector": ["financial_institution", "law_enforcement", "prosecutor", "ngo", "other"],
    "open_now": ["on"],
    "q": ["bench", "initiative 1", "training"],
}
DETAIL_LINK = re.compile(r'href="/initiatives/([\w-]+)/"')
STATIC_LINK = re.compile(r'(?:href|src)="(/static/[^"]+)"')
YEAR = 365 * 24 * 60 * 60

# The capacity mode imports this file with sessions made in advance and without these two.
EXPECTED_USERS = int(os.environ.get("LOADTEST_USERS", "0"))
MEASURED_SECONDS = int(os.environ.get("LOADTEST_SECONDS", "0"))
ACCOUNTS = json.loads(Path(os.environ["LOADTEST_ACCOUNTS"]).read_text())
PAGES = ACCOUNTS["pages"]
sign_ins: list[tuple[float, bool]] = []  # (seconds, signed in) per user
member_accounts = itertools.cycle(ACCOUNTS["members"])
leadership_accounts = itertools.cycle(ACCOUNTS["leadership"])


def sign_in(user: HttpUser, email: str, password: str) -> None:
    """The allauth form with its CSRF token. Timed here, because locust's statistics restart once every
    user has signed in."""
    client = user.client
    started = time.perf_counter()
    client.get("/accounts/login/", name="sign-in form")
    token = client.cookies.get("csrftoken") or ""
    with client.post(
        "/accounts/login/",
        data={"login": email, "password": password, "csrfmiddlewaretoken": token},
        allow_redirects=False,
        name="sign in",
        catch_response=True,
    ) as response:
        # allauth answers a refused or unverified sign-in with a page or a redirect into /accounts/.
        signed_in = response.status_code == 302 and not response.headers.get("Location", "").startswith("/accounts/")
        if not signed_in:
            response.failure(f"{email} was not signed in (HTTP {response.status_code})")
    sign_ins.append((time.perf_counter() - started, signed_in))
    if len(sign_ins) == EXPECTED_USERS:
        start_measuring(user.environment)


def start_measuring(environment: Environment) -> None:
    """Everyone is in: forget the arrival (a burst of deliberately slow password hashing) and measure the
    steady state for MEASURED_SECONDS, then stop."""
    environment.stats.reset_all()
    Path(os.environ["LOADTEST_MEASURING"]).touch()  # the runner starts counting CPU time now
    if environment.runner is not None:
        gevent.spawn_later(MEASURED_SECONDS, environment.runner.quit)


@events.quitting.add_listener
def keep_sign_ins(**_: object) -> None:
    Path(os.environ["LOADTEST_SIGN_INS"]).write_text(json.dumps(sign_ins))


def csrf_headers(client: HttpSession) -> dict[str, str]:
    return {"X-CSRFToken": client.cookies.get("csrftoken") or "", "HX-Request": "true"}


class Member(HttpUser):
    wait_time = between(1, 3)

    def on_start(self) -> None:
        sign_in(self, *next(member_accounts))
        self.begin()

    def begin(self) -> None:
        self.slugs: list[str] = list(PAGES["initiatives"])
        self.taking_part: set[str] = set()
        self.assets_checked = False

    def remember_initiatives(self, html: str) -> None:
        found = DETAIL_LINK.findall(html)
        if found:
            self.slugs = found

    @task(3)
    def home(self) -> None:
        response = self.client.get("/", name="home")
        if not self.assets_checked:
            # A browser's first visit: the page's styles and scripts, which must come with a long cache.
            self.assets_checked = True
            for path in sorted(set(STATIC_LINK.findall(response.text))):
                with self.client.get(path, name="static file", catch_response=True) as asset:
                    if f"max-age={10 * YEAR}" not in asset.headers.get("Cache-Control", "") and asset.ok:
                        asset.failure(f"{path} lacks a far-future Cache-Control header")

    @task(4)
    def initiative_list(self) -> None:
        self.remember_initiatives(self.client.get("/initiatives/", name="initiative list").text)

    @task(3)
    def filtered_list(self) -> None:
        params = {name: random.choice(values) for name, values in random.sample(sorted(FILTERS.items()), k=2)}
        if random.random() < 0.3:
            params["page"] = "2"
        response = self.client.get("/initiatives/", params=params, name="initiative list, filtered")
        self.remember_initiatives(response.text)

    @task(4)
    def initiative_detail(self) -> None:
        if not self.slugs:
            return self.initiative_list()
        self.client.get(f"/initiatives/{random.choice(self.slugs)}/", name="initiative detail")
        return None

    @task(1)
    def join_or_leave(self) -> None:
        if self.taking_part and random.random() < 0.5:
            slug = self.taking_part.pop()
            self.client.post(f"/initiatives/{slug}/leave/", headers=csrf_headers(self.client), name="leave")
        elif PAGES["initiatives"]:
            # Only the preparation's list: the initiative pages also link the working group, and a member who
            # left it could no longer open its space, documents and threads.
            slug = random.choice(PAGES["initiatives"])
            self.client.post(f"/initiatives/{slug}/join/", headers=csrf_headers(self.client), name="join")
            self.taking_part.add(slug)

    @task(1)
    def spaces_list(self) -> None:
        self.client.get("/spaces/", name="spaces list")

    @task(2)
    def space_page(self) -> None:
        self.client.get(PAGES["space"], name="space page (threads, documents)")

    @task(2)
    def space_thread(self) -> None:
        self.client.get(random.choice(PAGES["threads"]), name="space thread (with replies)")

    @task(1)
    def document_download(self) -> None:
        self.client.get(random.choice(PAGES["downloads"]), name="document download")

    @task(2)
    def directory_search(self) -> None:
        self.client.get("/directory/", params={"q": random.choice(PAGES["directory_terms"])}, name="directory search")

    @task(2)
    def library_filtered(self) -> None:
        params = {"category": random.choice(PAGES["library_categories"])}
        if random.random() < 0.5:
            params["sector"] = random.choice(FILTERS["sector"])
        self.client.get("/ecosystem/red-flags/", params=params, name="red-flag library, filtered")

    @task(2)
    def ideas_list(self) -> None:
        self.client.get("/voice/ideas/", name="ideas list")

    @task(2)
    def idea(self) -> None:
        self.client.get(random.choice(PAGES["ideas"]), name="idea")

    @task(1)
    def vote(self) -> None:
        # Every page sets the CSRF cookie (the sign-out form); a vote again only changes its importance.
        if not self.client.cookies.get("csrftoken"):
            self.client.get("/voice/ideas/", name="ideas list")
        with self.client.post(
            random.choice(PAGES["ideas"]) + "vote/",
            data={"importance": random.choice(["", "nice", "important", "critical"])},
            headers={"X-CSRFToken": self.client.cookies.get("csrftoken") or ""},
            allow_redirects=False,
            name="vote (POST)",
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"a vote answered HTTP {response.status_code}, not a redirect to the idea")


class Leadership(HttpUser):
    fixed_count = 5  # of the 50: leadership is a handful of people
    wait_time = between(2, 5)

    def on_start(self) -> None:
        sign_in(self, *next(leadership_accounts))

    @task
    def dashboards(self) -> None:
        for name, path in LEADERSHIP_PAGES:
            self.client.get(path, name=name)
