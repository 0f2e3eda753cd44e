"""Shared fixtures. Under CI=true a missing service fails the test; locally it skips with the reason.

The suite runs once per database (README, *Tests*): a test marked `postgresql_only` or `sqlite_only` is
deselected, never skipped, when the suite runs on the other database.
"""

import os
import shutil
import uuid
from collections.abc import Iterator

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import TransactionTestCase, override_settings

from tests import emptying

# The read replica's router (core.db_routers) is tested against a real second alias: the primary's test database
# through a connection of its own (a test mirror). Routing to it stays off (KNOBLE_READ_REPLICA) but in the tests
# that turn it on and name both databases (`django_db(databases=[...])`).
if "replica" not in django_settings.DATABASES:
    django_settings.DATABASES["replica"] = {
        **django_settings.DATABASES["default"],
        "TEST": {"MIRROR": "default", "NAME": None, "CHARSET": None, "COLLATION": None, "MIGRATE": True},
    }

IN_CI = os.environ.get("CI") == "true"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


# The marker that confines a test to one database, and that database's `connection.vendor`.
VENDOR_MARKERS = {"postgresql_only": "postgresql", "sqlite_only": "sqlite"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselects the tests written for the other database: they are not applicable, so they neither run nor
    count as skipped, and the pass on each database reports every test it owes as passed or failed."""
    kept: list[pytest.Item] = []
    foreign: list[pytest.Item] = []
    for item in items:
        vendors = {VENDOR_MARKERS[marker.name] for marker in item.iter_markers() if marker.name in VENDOR_MARKERS}
        (foreign if vendors and connection.vendor not in vendors else kept).append(item)
    if foreign:
        config.hook.pytest_deselected(items=foreign)
        items[:] = kept


def require(available: bool, what: str) -> None:
    """Skip locally, fail under CI: CI must never silently skip a test for want of a service."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required under CI=true but is not available")
    pytest.skip(f"{what} is not available (it is required under CI=true)")


def require_postgres() -> None:
    """For the worker tests: a Celery worker process shares the test database, which needs a server. A test of
    PostgreSQL's own behaviour is marked `postgresql_only` instead."""
    require(django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql"), "PostgreSQL (DATABASE_URL)")


def require_redis() -> None:
    require(bool(django_settings.REDIS_URL), "Redis (REDIS_URL)")


# Tests create users by the dozen; a deliberately slow hash would dominate the run. The production hashers are the
# settings' own; no test measures them.
FAST_PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def isolated_caches() -> dict[str, dict]:
    """The caches under a key space of their own, so rate limits never leak between tests."""
    return {name: {**config, "KEY_PREFIX": uuid.uuid4().hex} for name, config in django_settings.CACHES.items()}


def shared_data_settings() -> override_settings:
    """The settings the two fixtures below give each test, for data that a class or module of tests builds once
    before the function-scoped fixtures apply."""
    return override_settings(CACHES=isolated_caches(), PASSWORD_HASHERS=FAST_PASSWORD_HASHERS)


@pytest.fixture(autouse=True, scope="session")
def quick_emptying_after_transactional_tests() -> Iterator[None]:
    """After a transactional test, the tables holding rows are emptied, not all truncated (tests/emptying.py)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(TransactionTestCase, "_fixture_teardown", emptying.fixture_teardown)
        yield


@pytest.fixture(autouse=True)
def isolated_cache(settings):
    """Each test gets its own cache key space."""
    settings.CACHES = isolated_caches()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = FAST_PASSWORD_HASHERS


@pytest.fixture
def without_mfa_requirement(settings):
    settings.KNOBLE_REQUIRE_MFA = False


@pytest.fixture
def member():
    """An approved member of an organisation; a module that needs a particular one overrides this fixture."""
    from tests.members.factories import MemberFactory

    return MemberFactory()


@pytest.fixture
def member_client(client, member):
    """The test client, signed in as `member`."""
    client.force_login(member.user)
    return client


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """One Chromium per module of browser tests; each test gets a fresh context (cookies, storage) from `page`."""
    require(shutil.which(CHROMIUM) is not None, f"Chromium ({CHROMIUM})")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()
