"""Fills PostgreSQL with a data set a hundred times a Knoble-sized deployment, fast and reproducibly.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/knoble_bench python -m bench.generate

Rows are streamed with COPY (never the ORM); the same --seed always gives the same rows. A data set that
is already there with the same parameters is reused, so benchmark runs can share it; to regenerate,
drop the database first.
"""

import argparse
import hashlib
import io
import json
import os
import random
import sys
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "knoble.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only")
django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from initiatives.models import Initiative  # noqa: E402
from members.models import Verb  # noqa: E402
from members.roles import MEMBER_ROLE  # noqa: E402
from personas.models import Persona, Sector  # noqa: E402

HISTORY_DAYS = 540  # the roadmap's 18 months
VERB_WEIGHTS = {
    Verb.LOGGED_IN: 30,
    Verb.INITIATIVE_VIEWED: 25,
    Verb.RESOURCE_VIEWED: 15,
    Verb.MESSAGE_SENT: 12,
    Verb.MESSAGE_OPENED: 8,
    Verb.LINK_CLICKED: 5,
    Verb.INITIATIVE_JOINED: 3,
    Verb.PROFILE_UPDATED: 1,
    Verb.RED_FLAG_RATED: 1,
}
COUNTRIES = ["US", "CA", "GB", "NL", "AU", "DE", "FR", "MX", "SG", "ZA"]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--organisations", type=int, default=2_000)
    parser.add_argument("--initiatives", type=int, default=200)
    parser.add_argument("--activities", type=int, default=5_000_000)
    parser.add_argument("--seed", type=int, default=20261125)
    return parser.parse_args(argv)


def fingerprint(args: argparse.Namespace) -> str:
    params = {k: getattr(args, k) for k in ("members", "organisations", "initiatives", "activities", "seed")}
    return hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:16]


def copy_rows(table: str, columns: list[str], rows: Iterable[tuple[object, ...]]) -> int:
    """Streams rows into a table with COPY in text format, in chunks of a few megabytes."""
    count = 0
    with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        buffer = io.StringIO()
        for row in rows:
            buffer.write("\t".join("\\N" if value is None else str(value) for value in row))
            buffer.write("\n")
            count += 1
            if count % 50_000 == 0:
                copy.write(buffer.getvalue())
                buffer = io.StringIO()
        copy.write(buffer.getvalue())
    return count


def next_ids(table: str, count: int) -> range:
    """Reserves `count` consecutive ids from the table's sequence, so COPY can write explicit keys."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        sequence = cursor.fetchone()[0]
        cursor.execute("SELECT nextval(%s)", [sequence])
        first = cursor.fetchone()[0]
        cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
    return range(first, first + count)


def generate(args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    now = datetime(2026, 11, 1, tzinfo=UTC)
    started = time.perf_counter()
    sectors = list(Sector.values)

    # Two personas a sector; nine members in ten have chosen one (the engagement stages need it).
    personas = [
        Persona.objects.get_or_create(
            name=f"Bench persona {sector} {n}", defaults={"sector": sector, "summary": "A benchmark persona."}
        )[0]
        for sector in sectors
        for n in range(2)
    ]
    persona_ids = {sector: [p.pk for p in personas if p.sector == sector] for sector in sectors}

    organisation_ids = next_ids("members_organisation", args.organisations)
    organisation_sector = {oid: sectors[i % len(sectors)] for i, oid in enumerate(organisation_ids)}
    copy_rows(
        "members_organisation",
        ["id", "name", "sector", "country", "created_at"],
        (
            (oid, f"Bench organisation {oid}", organisation_sector[oid], rng.choice(COUNTRIES), now)
            for oid in organisation_ids
        ),
    )

    password = make_password("benchmark-only")
    user_ids = next_ids("members_user", args.members)
    copy_rows(
        "members_user",
        ["id", "password", "is_superuser", "first_name", "last_name", "email", "is_staff", "is_active", "date_joined"],
        (
            (uid, password, False, "Bench", f"Member {uid}", f"bench{uid}@bench.example", False, True, now)
            for uid in user_ids
        ),
    )

    # allauth signs in only verified addresses: the load test logs these members in through its form.
    copy_rows(
        "account_emailaddress",
        ["user_id", "email", "verified", '"primary"'],  # a reserved word in SQL
        ((uid, f"bench{uid}@bench.example", True, True) for uid in user_ids),
    )

    member_ids = next_ids("members_member", args.members)
    joined: dict[int, datetime] = {}

    def members() -> Iterator[tuple[object, ...]]:
        for member_id, user_id in zip(member_ids, user_ids, strict=True):
            joined[member_id] = now - timedelta(days=rng.uniform(1, HISTORY_DAYS))
            status = "approved" if rng.random() < 0.93 else rng.choice(["pending", "suspended", "left"])
            organisation_id = rng.choice(organisation_ids)
            persona = rng.choice(persona_ids[organisation_sector[organisation_id]]) if rng.random() < 0.9 else None
            yield (
                member_id,
                user_id,
                organisation_id,
                persona,
                "Analyst",
                status,
                joined[member_id],
                rng.random() < 0.85,
                "UTC",
                joined[member_id],
            )

    copy_rows(
        "members_member",
        [
            "id",
            "user_id",
            "organisation_id",
            "persona_id",
            "job_title",
            "status",
            "status_changed_at",
            "consent_email",
            "timezone",
            "created_at",
        ],
        members(),
    )
    member_group = Group.objects.get(name=MEMBER_ROLE)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO members_user_groups (user_id, group_id) SELECT user_id, %s FROM members_member "
            "WHERE status = 'approved' AND user_id BETWEEN %s AND %s",
            [member_group.pk, user_ids[0], user_ids[-1]],
        )

    initiative_ids = next_ids("initiatives_initiative", args.initiatives)
    kinds = ["working_group", "training", "data_sharing_pilot", "event", "resource"]
    copy_rows(
        "initiatives_initiative",
        [
            "id",
            "title",
            "slug",
            "summary",
            "description",
            "kind",
            "status",
            "capacity",
            "has_waitlist",
            "is_online",
            "location",
            "starts_at",
            "created_at",
            "updated_at",
        ],
        (
            (
                iid,
                f"Bench initiative {iid}",
                f"bench-initiative-{iid}",
                "A benchmark initiative.",
                "",
                kinds[iid % len(kinds)],
                "open" if iid % 4 else "completed",
                rng.choice([None, 25, 50, 100]),
                True,
                True,
                "",
                now - timedelta(days=rng.uniform(0, HISTORY_DAYS)),
                now,
                now,
            )
            for iid in initiative_ids
        ),
    )
    participations = set()
    for iid in initiative_ids:
        for _ in range(rng.randint(10, 120)):
            participations.add((rng.choice(member_ids), iid))
    copy_rows(
        "initiatives_participation",
        ["member_id", "initiative_id", "role", "status", "requested_at", "joined_at"],
        ((mid, iid, "participant", "active", joined[mid], joined[mid]) for mid, iid in sorted(participations)),
    )

    # Some views are of an initiative the member takes part in: that is what makes them collaborating.
    initiatives_of: dict[int, list[int]] = {}
    for mid, iid in participations:
        initiatives_of.setdefault(mid, []).append(iid)
    initiative_type = ContentType.objects.get_for_model(Initiative).pk
    verbs = list(VERB_WEIGHTS)
    weights = list(VERB_WEIGHTS.values())
    # A few members do most things: activity per member follows a long-tailed distribution.
    hot = member_ids[: max(1, len(member_ids) // 5)]

    def activities() -> Iterator[tuple[object, ...]]:
        for verb in rng.choices(verbs, weights, k=args.activities):
            member_id = rng.choice(hot) if rng.random() < 0.6 else rng.choice(member_ids)
            since = (now - joined[member_id]).total_seconds()
            occurred = now - timedelta(seconds=rng.random() * since)
            subject = None
            if verb == Verb.INITIATIVE_VIEWED and member_id in initiatives_of:
                subject = rng.choice(initiatives_of[member_id])
            yield (
                member_id,
                verb,
                occurred.isoformat(),
                "web",
                "{}",
                initiative_type if subject else None,
                subject,
            )

    copy_rows(
        "members_activity",
        ["member_id", "verb", "occurred_at", "source", "details", "subject_type_id", "subject_id"],
        activities(),
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"generated in {time.perf_counter() - started:.1f} s")


def more_activities(*, count: int, seed: int) -> int:
    """Appends `count` activity rows for the members already there, with the generator's mix of verbs.

    Lets a benchmark grow one data set (say from 1M to 5M rows) inside a transaction it then rolls back.
    """
    rng = random.Random(seed)
    now = datetime(2026, 11, 1, tzinfo=UTC)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, created_at FROM members_member ORDER BY id")
        joined = dict(cursor.fetchall())
    member_ids = list(joined)
    hot = member_ids[: max(1, len(member_ids) // 5)]
    verbs = list(VERB_WEIGHTS)
    weights = list(VERB_WEIGHTS.values())

    def activities() -> Iterator[tuple[object, ...]]:
        for verb in rng.choices(verbs, weights, k=count):
            member_id = rng.choice(hot) if rng.random() < 0.6 else rng.choice(member_ids)
            since = max((now - joined[member_id]).total_seconds(), 1)
            yield member_id, verb, (now - timedelta(seconds=rng.random() * since)).isoformat(), "web", "{}"

    return copy_rows("members_activity", ["member_id", "verb", "occurred_at", "source", "details"], activities())


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if connection.vendor != "postgresql":
        sys.exit("The benchmark data set needs PostgreSQL: set DATABASE_URL=postgres://…/knoble_bench")
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_dataset (fingerprint text PRIMARY KEY, created_at timestamptz)"
        )
        cursor.execute("SELECT 1 FROM bench_dataset WHERE fingerprint = %s", [fingerprint(args)])
        if cursor.fetchone():
            print("benchmark data set already present: reusing it")
            return 0
        cursor.execute("SELECT count(*) FROM members_member")
        if cursor.fetchone()[0]:
            sys.exit("This database holds other data: drop it (dropdb knoble_bench) or name an empty one")
    with transaction.atomic():
        generate(args)
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO bench_dataset VALUES (%s, now())", [fingerprint(args)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
