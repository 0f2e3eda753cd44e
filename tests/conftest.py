"""Shared fixtures. Under CI=true a missing service fails the test; locally it skips with the reason."""

import os
import shutil
import uuid
from collections.abc import Iterator

import pytest
from django.conf import settings as django_settings

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


def require(available: bool, what: str) -> None:
    """Skip locally, fail under CI: CI must never silently skip a test for want of a service."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required under CI=true but is not available")
    pytest.skip(f"{what} is not available (it is required under CI=true)")


def require_postgres() -> None:
    require(django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql"), "PostgreSQL (DATABASE_URL)")


def require_redis() -> None:
    require(bool(django_settings.REDIS_URL), "Redis (REDIS_URL)")


@pytest.fixture(autouse=True)
def isolated_cache(settings):
    """Each test gets its own cache key space, so rate limits never leak between tests."""
    settings.CACHES = {
        name: {**config, "KEY_PREFIX": uuid.uuid4().hex} for name, config in django_settings.CACHES.items()
    }


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Tests create users by the dozen; a deliberately slow hash would dominate the run. The production
    hashers are the settings' own; no test measures them."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def without_mfa_requirement(settings):
    settings.KNOBLE_REQUIRE_MFA = False


@pytest.fixture
def browser() -> Iterator:
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
