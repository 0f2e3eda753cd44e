"""The load test's capacity reference pages exist only where KNOBLE_BENCH_FLOOR asks for them."""

import importlib
import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.urls import clear_url_caches

import knoble.urls

pytestmark = pytest.mark.django_db

FLOOR = "/bench/floor/"
LAYOUT = "/bench/layout/"


@pytest.fixture
def floor_setting(settings):
    """Sets KNOBLE_BENCH_FLOOR and rebuilds the URLconf from it, as a freshly started server would."""

    def use(value: bool) -> None:
        settings.KNOBLE_BENCH_FLOOR = value
        importlib.reload(knoble.urls)
        clear_url_caches()

    yield use
    settings.KNOBLE_BENCH_FLOOR = False
    importlib.reload(knoble.urls)
    clear_url_caches()


@pytest.mark.parametrize("path", [FLOOR, LAYOUT])
def test_the_references_are_not_mounted_by_default(member_client, floor_setting, path):
    floor_setting(False)
    assert member_client.get(path).status_code == 404


def test_the_floor_answers_a_member_when_the_setting_is_on(member_client, member, floor_setting):
    floor_setting(True)
    response = member_client.get(FLOOR)
    assert response.status_code == 200
    assert response.content == f"floor {member.user.pk}".encode()


def test_the_layout_is_the_portal_layout_around_twenty_visible_titles(
    member_client, floor_setting, django_assert_num_queries
):
    from initiatives.models import InitiativeStatus
    from tests.initiatives.factories import InitiativeFactory

    floor_setting(True)
    InitiativeFactory(title="A draft nobody may see", status=InitiativeStatus.DRAFT)
    shown = InitiativeFactory.create_batch(21)
    member_client.get(LAYOUT)
    with django_assert_num_queries(2):  # the user, the initiatives (the unread count comes from the cache)
        response = member_client.get(LAYOUT)
    content = response.content.decode()
    assert response.status_code == 200
    assert 'class="site-header"' in content  # the layout, navigation and all
    assert sum(f">{initiative.title}<" in content for initiative in shown) == 20
    assert "A draft nobody may see" not in content


@pytest.mark.parametrize("path", [FLOOR, LAYOUT])
def test_the_references_ask_an_anonymous_visitor_to_sign_in(client, floor_setting, path):
    floor_setting(True)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(("value", "mounted"), [(None, False), ("0", False), ("1", True)])
def test_the_environment_decides_whether_a_server_mounts_the_floor(value, mounted):
    """A fresh interpreter, as gunicorn's master is: settings and URLconf read from its environment only."""
    env = {key: val for key, val in os.environ.items() if key != "KNOBLE_BENCH_FLOOR"}
    if value is not None:
        env["KNOBLE_BENCH_FLOOR"] = value
    script = (
        "import django; django.setup(); from django.urls import Resolver404, resolve\n"
        "try:\n    print(resolve('/bench/floor/').url_name, resolve('/bench/layout/').url_name)\n"
        "except Resolver404:\n    print('none')"
    )
    found = subprocess.run(  # noqa: S603 - our own interpreter with a fixed script
        [sys.executable, "-c", script],
        cwd=django_settings.BASE_DIR,
        env={**env, "DJANGO_SETTINGS_MODULE": "knoble.settings"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()[-1]
    assert found == ("bench_floor bench_layout" if mounted else "none")
