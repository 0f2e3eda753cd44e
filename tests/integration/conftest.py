"""A real Celery worker process against the suite's own PostgreSQL test database and Redis."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from django.conf import settings
from django.db import connection

from knoble.celery import app as celery_app
from tests.conftest import require_postgres, require_redis

ROOT = Path(__file__).resolve().parents[2]
WORKER_APPLICATION_NAME = "knoble-test-worker"


class Inbox(Message):
    """Keeps every message the loopback SMTP server receives."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list = []

    def handle_message(self, message) -> None:
        self.messages.append(message)

    def wait_for(self, count: int, timeout: float = 30) -> list:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        return self.messages


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    with socket.socket() as probe:  # aiosmtpd needs a concrete port to check that it started
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def database_url() -> str:
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def start_worker(*, email_url: str, name: str = "worker", extra_env: dict | None = None) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "EMAIL_URL": email_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        # libpq names the worker's sessions, so that the teardown waits for them and for no one else's.
        "PGAPPNAME": WORKER_APPLICATION_NAME,
        **(extra_env or {}),
    }
    return subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "knoble",
            "worker",
            "--pool=solo",
            "--without-mingle",
            "--without-gossip",
            "--loglevel=WARNING",
            f"--hostname={name}@%h",
        ],
        cwd=ROOT,
        env=env,
    )


def wait_until_disconnected(timeout: float = 10) -> None:
    """The server drops a dead worker's session a moment after it exits; the test database waits for it. Only the
    workers' sessions count: the live server's threads of the browser tests keep theirs open until the end."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = %s",
                [WORKER_APPLICATION_NAME],
            )
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.1)


@pytest.fixture
def celery_worker_process(transactional_db, smtp_server) -> Iterator[tuple[subprocess.Popen, object]]:
    """Yields (worker, inbox); tasks enqueued by the test travel through Redis to the worker."""
    require_postgres()
    require_redis()
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    inbox, port = smtp_server
    worker = start_worker(email_url=f"smtp://127.0.0.1:{port}")
    try:
        yield worker, inbox
    finally:
        celery_app.conf.task_always_eager = eager
        worker.terminate()
        worker.wait(timeout=30)
        wait_until_disconnected()
