import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from core.logging import redact
from knoble.celery import app as celery_app
from members.models import Organisation

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok"}


def test_healthz_answers_503_naming_the_broker_when_it_is_unreachable(client, monkeypatch):
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "broker": "unreachable"}


def test_deploy_check_passes_with_production_settings():
    env = {
        **os.environ,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "x7#" + "k" * 60 + "production-like-secret",
        "DJANGO_ALLOWED_HOSTS": "portal.example.org",
    }
    env.pop("DJANGO_SECURE_SSL_REDIRECT", None)
    env.pop("DJANGO_SECURE_COOKIES", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for the browser tests only
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr + result.stdout


def test_settings_refuse_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SECRET_KEY"} | {"DJANGO_DEBUG": "false"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        ("login failed password=hunter2 for x", "hunter2"),
        ('payload {"password": "s3cret!", "email": "a@b"}', "s3cret!"),
        ("Authorization: Token abc123def", "abc123def"),
        ("GET /unsubscribe?token=eyJhbGciOi.xyz", "eyJhbGciOi.xyz"),
        ("Not Found: /initiatives/feed/knbcal_Ab-9_xYz.ics", "knbcal_Ab-9_xYz"),
        ("curl -H 'X: knb_q1W-e2_r3'", "knb_q1W-e2_r3"),
        # Preceded by a word character: a word boundary before the marker would let these through.
        ("GET /feed/user_knbcal_Ab-9_xYz.ics", "knbcal_Ab-9_xYz"),
        ("params x9knb_q1W-e2_r3 sent", "knb_q1W-e2_r3"),
        ("header X-Auth-Tokenknb_q1W-e2_r3", "knb_q1W-e2_r3"),
        ("debug access_token=abc123def", "abc123def"),
    ],
)
def test_log_lines_never_carry_secrets(line, secret):
    assert secret not in redact(line)
    assert "[redacted]" in redact(line)


def test_the_configured_log_handler_redacts(caplog):
    handler = logging.getLogger().handlers[0]
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "token=%s", ("tok-999",), None)
    handler.filter(record)
    assert record.getMessage() == "token=[redacted]"


def test_csp_header_forbids_inline_script(client):
    header = client.get("/").headers["Content-Security-Policy"]
    assert "script-src 'self'" in header
    assert "unsafe-inline" not in header


@pytest.mark.sqlite_only
def test_on_sqlite_a_writer_takes_its_lock_at_the_start_and_waits_for_another():
    """The embedded setup's web server and worker write to one file: a transaction that took a read lock first
    could not upgrade it without a "database is locked" error, so each takes the write lock at BEGIN and waits
    its turn."""
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] == 5000
    assert connection.transaction_mode == "IMMEDIATE"


@pytest.mark.postgresql_only
def test_on_postgresql_a_statement_a_connection_repeats_is_prepared_and_planned_once():
    """DATABASE_PREPARED_STATEMENTS (on by default): the server binds the parameters, and after five runs psycopg
    prepares the statement, so PostgreSQL no longer parses and plans it on every request."""
    for pk in range(7):
        list(Organisation.objects.filter(pk=pk))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ['%FROM "members_organisation"%']
        )
        assert cursor.fetchone()[0] == 1


PREPARED = {"server_side_binding": True, "prepare_threshold": 5}


@pytest.mark.parametrize(("setting", "options"), [(None, PREPARED), ("true", PREPARED), ("false", {})])
def test_prepared_statements_can_be_turned_off_for_a_pooler_that_cannot_keep_them(setting, options):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_PREPARED_STATEMENTS"}
    env |= {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/anything"}
    if setting is not None:
        env["DATABASE_PREPARED_STATEMENTS"] = setting
    result = subprocess.run(
        [sys.executable, "-c", "from knoble import settings; print(settings.DATABASES['default']['OPTIONS'])"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == repr(options)
