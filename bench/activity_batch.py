"""The activity batch endpoint beside a raw bulk insert of the same rows, in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/knoble_bench_api python -m bench.activity_batch

Ours: POST /api/v1/activities/batch/ with N events through the whole stack (token authentication,
permission, throttles, validation of every event, the service's single INSERT … ON CONFLICT DO NOTHING,
the response). Reference: the same N rows inserted with one raw `executemany`. Both are timed inside a
transaction that is rolled back, so the benchmark leaves nothing behind (activity is append-only: a
trigger refuses deletes, so rolling back is the only clean way).
"""

import json
import os
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "knoble.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only")
django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Permission  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client, override_settings  # noqa: E402

from bench.harness import Figure, median_seconds  # noqa: E402
from members.models import Member, Organisation, User  # noqa: E402
from members.services import api_token_create  # noqa: E402

EVENTS = 1000
TARGET_RATIO = 3.0
VERBS = ("logged_in", "resource_viewed", "message_opened", "link_clicked")


class Rollback(Exception):
    """Raised to undo everything a timed run wrote."""


def _events(member_ids: list[int]) -> list[dict[str, Any]]:
    start = datetime.now(UTC) - timedelta(days=1)
    return [
        {
            "client_id": str(uuid.uuid4()),
            "member": member_ids[index % len(member_ids)],
            "verb": VERBS[index % len(VERBS)],
            "occurred_at": (start + timedelta(seconds=index)).isoformat(),
            "details": {"n": index},
        }
        for index in range(EVENTS)
    ]


def _in_rollback(work: object) -> None:
    try:
        with transaction.atomic():
            work()  # type: ignore[operator]
            raise Rollback
    except Rollback:
        pass


def _fixture() -> tuple[Client, list[int]]:
    """A service account with the batch permission and a few members; created inside the caller's transaction."""
    organisation = Organisation.objects.create(name=f"Bench {uuid.uuid4().hex[:8]}", sector="ngo", country="GB")
    members = [
        Member.objects.create(
            user=User.objects.create_user(f"bench-{uuid.uuid4().hex[:10]}@example.invalid"),
            organisation=organisation,
            status=Member.Status.APPROVED,
        )
        for _ in range(20)
    ]
    service = User.objects.create_user(f"bench-service-{uuid.uuid4().hex[:10]}@example.invalid")
    service.user_permissions.add(Permission.objects.get(codename="record_activity_batch"))
    _, secret = api_token_create(user=service, name="bench")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}"), [member.pk for member in members]


def _measure(repeats: int) -> tuple[float, float]:
    timings: dict[str, float] = {}

    def run() -> None:
        client, member_ids = _fixture()

        def post() -> None:
            body = json.dumps({"events": _events(member_ids)})
            with transaction.atomic():
                response = client.post("/api/v1/activities/batch/", body, content_type="application/json", secure=True)
                assert response.status_code == 200, response.content  # noqa: S101 - a benchmark of failures is void
                transaction.set_rollback(True)

        def raw_insert() -> None:
            rows = [
                (
                    uuid.UUID(str(e["client_id"])),
                    e["member"],
                    e["verb"],
                    e["occurred_at"],
                    "api",
                    "member",
                    json.dumps(e["details"]),
                )
                for e in _events(member_ids)
            ]
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO members_activity (client_id, member_id, verb, occurred_at, source, origin, details)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s)",
                    rows,
                )
                transaction.set_rollback(True)

        post()  # warm up: the first request imports the URL configuration and every view
        raw_insert()
        timings["ours"] = median_seconds(post, repeats=repeats)
        timings["reference"] = median_seconds(raw_insert, repeats=repeats)

    _in_rollback(run)
    return timings["ours"], timings["reference"]


def figures(*, repeats: int = 3) -> list[Figure]:
    call_command("migrate", verbosity=0)
    # The test client's host; settings are already loaded when `make bench` imports this module.
    with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
        ours, reference = _measure(repeats)
    return [
        Figure(
            name=f"activity batch: {EVENTS} events through the API vs a raw bulk insert (s)",
            ours=ours,
            reference=reference,
            target=TARGET_RATIO,
        )
    ]


if __name__ == "__main__":
    for figure in figures():
        ratio = f" ratio {figure.ratio:.2f} (target ≤ {figure.target:g})" if figure.ratio is not None else ""
        print(f"{figure.name}: {figure.ours:.4f}{figure.unit}{ratio} {'met' if figure.met else 'MISSED'}")
        print(f"  = {EVENTS / figure.ours:,.0f} events/s through the API")
