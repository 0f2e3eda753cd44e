"""Fills PostgreSQL with a data set a hundred times a Knoble-sized deployment, fast and reproducibly.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/knoble_bench python -m bench.generate
    python -m bench.generate --scale 4     # 4× the members, organisations and activities, in knoble_bench_x4

`--scale N` multiplies members, organisations and activities (campaigns reach a share of the members, so their
deliveries grow with them); each scale has its own database (`<name>_xN` beside DATABASE_URL's), created when
missing, so data sets of several scales can coexist. Scale 1 is the data set every benchmark describes.

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
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import django

from bench import environment

if __name__ == "__main__":  # run as a command, its --scale picks the database before Django connects to one
    environment.use_defaults()
    environment.use_scale(environment.scale_argument(sys.argv[1:]))
    environment.ensure_database(os.environ["DATABASE_URL"])
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "knoble.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only")
django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from campaigns.decisions import SUPPRESSION_REASONS  # noqa: E402
from initiatives.models import Initiative  # noqa: E402
from members.models import VERB_ORIGINS, MemberStatus, Verb  # noqa: E402
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
    parser.add_argument("--campaigns", type=int, default=50)
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument(
        "--scale",
        type=int,
        default=environment.current_scale(),
        help="multiply members, organisations and activities by this (default: the scale of `python -m bench`)",
    )
    args = parser.parse_args(argv)
    if args.scale != environment.current_scale():
        parser.error("--scale must be given on the command line, where it also picks the database")
    for name in SCALED:
        setattr(args, name, getattr(args, name) * args.scale)
    return args


SCALED = ("members", "organisations", "activities")


def fingerprint(args: argparse.Namespace) -> str:
    names = ("members", "organisations", "initiatives", "activities", "campaigns", "seed")
    params = {k: getattr(args, k) for k in names}
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
    recipients: dict[int, Recipient] = {}  # what the campaigns need to know of each member

    def members() -> Iterator[tuple[object, ...]]:
        for member_id, user_id in zip(member_ids, user_ids, strict=True):
            joined[member_id] = now - timedelta(days=rng.uniform(1, HISTORY_DAYS))
            status = "approved" if rng.random() < 0.93 else rng.choice(["pending", "suspended", "left"])
            organisation_id = rng.choice(organisation_ids)
            persona = rng.choice(persona_ids[organisation_sector[organisation_id]]) if rng.random() < 0.9 else None
            consent = rng.random() < 0.85
            recipients[member_id] = Recipient(organisation_sector[organisation_id], status, consent, joined[member_id])
            yield (
                member_id,
                user_id,
                organisation_id,
                persona,
                "Analyst",
                status,
                joined[member_id],
                consent,
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
                VERB_ORIGINS[verb][0].value,
                "{}",
                initiative_type if subject else None,
                subject,
            )

    copy_rows(
        "members_activity",
        ["member_id", "verb", "occurred_at", "source", "origin", "details", "subject_type_id", "subject_id"],
        activities(),
    )
    generate_campaigns(
        rng,
        count=args.campaigns,
        now=now,
        recipients=recipients,
        initiative_ids=list(initiative_ids),
        participations=participations,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"generated in {time.perf_counter() - started:.1f} s")


@dataclass(frozen=True)
class Recipient:
    sector: str
    status: str
    consent_email: bool
    joined: datetime


# Each campaign: 2 or 3 steps, each (delay after the previous one, channel, condition).
STEP_PLANS = [
    [(timedelta(0), "email", "always"), (timedelta(days=7), "email", "goal_not_reached")],
    [(timedelta(0), "both", "always"), (timedelta(days=3), "email", "previous_not_opened")],
    [
        (timedelta(0), "email", "always"),
        (timedelta(days=5), "in_app", "always"),
        (timedelta(days=14), "email", "goal_not_reached"),
    ],
    [
        (timedelta(0), "both", "always"),
        (timedelta(days=2), "email", "previous_clicked"),
        (timedelta(days=10), "email", "always"),
    ],
]
SHARE_OF_MEMBERS = (0.002, 0.02)  # a campaign reaches between 0.2 % and 2 % of all members
OPENED, CLICKED, FAILED, CONVERTED = 0.4, 0.1, 0.01, 0.2  # opened of sent; clicked of sent; …; joined of clicked


def generate_campaigns(
    rng: random.Random,
    *,
    count: int,
    now: datetime,
    recipients: dict[int, "Recipient"],
    initiative_ids: list[int],
    participations: set[tuple[int, int]],
) -> None:
    """`count` campaigns over the history, each with its segment (a sector rule and a join date), 2–3 steps
    and one delivery per step and recipient, with the statuses, opens, clicks and goal sign-ups a real run
    leaves behind. A campaign whose next step falls after `now` is paused there, that step's rows pending."""
    segment_ids = next_ids("engagement_segment", count)
    campaign_ids = next_ids("engagement_campaign", count)
    by_sector: dict[str, list[int]] = {}
    for member_id, recipient in recipients.items():
        by_sector.setdefault(recipient.sector, []).append(member_id)
    segments, campaigns, steps, deliveries, sign_ups = [], [], [], [], []
    for segment_id, campaign_id in zip(segment_ids, campaign_ids, strict=True):
        plan = rng.choice(STEP_PLANS)
        starts_at = now - timedelta(days=rng.uniform(1, HISTORY_DAYS - 30))
        chosen = sorted(rng.sample(sorted(by_sector), k=rng.choice([1, 1, 2])))
        rules = [
            {"field": "sector", "value": chosen},
            {"field": "joined_before", "value": starts_at.date().isoformat()},
        ]
        segments.append((segment_id, f"Bench segment {segment_id}", "", json.dumps(rules), now, now))
        day_start = datetime.combine(starts_at.date(), datetime.min.time(), tzinfo=UTC)
        eligible = [m for sector in chosen for m in by_sector[sector] if recipients[m].joined < day_start]
        wanted = max(5, round(len(recipients) * rng.uniform(*SHARE_OF_MEMBERS)))
        audience = sorted(rng.sample(eligible, k=min(wanted, len(eligible))))
        goal = rng.choice(initiative_ids) if initiative_ids and rng.random() < 0.7 else None
        track_opens = rng.random() < 0.5
        last_due = starts_at + sum((delay for delay, _, _ in plan), timedelta(0))
        # In flight at `now`: paused, so an engine run on the data set (bench.campaign_send) leaves it alone.
        status = "paused" if last_due > now else ("cancelled" if rng.random() < 0.1 else "completed")
        campaigns.append(
            (campaign_id, f"Bench campaign {campaign_id}", segment_id, goal, status, starts_at, False, track_opens,
             "", starts_at, starts_at, now, now)
        )  # fmt: skip
        step_ids = next_ids("engagement_campaignstep", len(plan))
        due = starts_at
        reached: dict[int, datetime] = {}  # members who joined the goal, and when
        previous: dict[int, tuple[bool, bool]] = {}  # member: (opened, clicked) the previous message
        for position, (step_id, (delay, channel, condition)) in enumerate(zip(step_ids, plan, strict=True), 1):
            due += delay
            subject = f"Step {position} of campaign {campaign_id}"
            body = "Dear {name}, see [what is new](/initiatives/)."
            steps.append((step_id, campaign_id, position, f"{delay.total_seconds()} seconds", channel, subject, body,
                          condition))  # fmt: skip
            cancelled = status == "cancelled" and position == len(plan)
            current: dict[int, tuple[bool, bool]] = {}
            waiting = False
            for member_id in audience:
                recipient = recipients[member_id]
                sent_at = due + timedelta(minutes=rng.uniform(1, 90))
                row: dict[str, object] = {"status": "sent", "sent_at": sent_at, "finished_at": sent_at}
                opened, clicked = previous.get(member_id, (False, False))
                skip = {
                    "goal_not_reached": member_id in reached,
                    "previous_opened": not opened,
                    "previous_not_opened": opened,
                    "previous_clicked": not clicked,
                    "previous_not_clicked": clicked,
                }.get(condition, False)
                if sent_at > now:
                    waiting = True
                    row = {"status": "pending", "sent_at": None, "finished_at": None}
                elif cancelled:
                    row = {"status": "skipped", "sent_at": None, "finished_at": sent_at, "error": "Campaign cancelled."}
                elif recipient.status in ("suspended", "left"):
                    error = SUPPRESSION_REASONS[MemberStatus(recipient.status)]
                    row = {"status": "suppressed", "sent_at": None, "finished_at": sent_at, "error": error}
                elif skip:
                    error = f"Condition not met: {condition.replace('_', ' ')}."
                    row = {"status": "skipped", "sent_at": None, "finished_at": sent_at, "error": error}
                elif rng.random() < FAILED:
                    row = {"status": "failed", "sent_at": None, "finished_at": sent_at, "error": "550 Mailbox unknown"}
                opened_at = clicked_at = None
                if row["status"] == "sent":
                    clicked = rng.random() < CLICKED
                    opened = clicked or rng.random() < OPENED
                    seen = min(sent_at + timedelta(hours=rng.expovariate(1 / 20)), now)
                    clicked_at = seen if clicked else None
                    opened_at = seen if clicked or (opened and track_opens) else None
                    current[member_id] = (opened_at is not None, clicked)
                    if clicked and goal and (member_id, goal) not in participations and rng.random() < CONVERTED:
                        participations.add((member_id, goal))
                        joined_goal = min(seen + timedelta(hours=1), now)
                        reached[member_id] = joined_goal
                        sign_ups.append((member_id, goal, "participant", "active", joined_goal, joined_goal))
                email = channel != "in_app" and recipient.consent_email
                deliveries.append(
                    (campaign_id, step_id, member_id, row["status"], "" if row["status"] == "pending" else
                     ("email" if email else "in_app"), due, row["sent_at"], row["finished_at"], opened_at,
                     clicked_at, 0 if row["status"] == "pending" else 1, row.get("error", ""), due)
                )  # fmt: skip
            if waiting:
                break  # the engine writes a step only once the previous one is final
            previous = current
    copy_rows("engagement_segment", ["id", "name", "description", "rules", "created_at", "updated_at"], segments)
    copy_rows(
        "engagement_campaign",
        ["id", "name", "segment_id", "goal_id", "status", "starts_at", "enrol_late_joiners", "track_opens",
         "allowed_link_hosts", "enrolled_at", "launched_at", "created_at", "updated_at"],
        campaigns,
    )  # fmt: skip
    copy_rows(
        "engagement_campaignstep",
        ["id", "campaign_id", "position", "delay", "channel", "subject", "body", "condition"],
        steps,
    )
    copy_rows(
        "engagement_delivery",
        ["campaign_id", "step_id", "member_id", "status", "channel", "due_at", "sent_at", "finished_at",
         "opened_at", "clicked_at", "attempts", "last_error", "created_at"],
        deliveries,
    )  # fmt: skip
    copy_rows(
        "initiatives_participation",
        ["member_id", "initiative_id", "role", "status", "requested_at", "joined_at"],
        sign_ups,
    )


def more_activities(*, count: int, seed: int, between: tuple[datetime, datetime] | None = None) -> int:
    """Appends `count` activity rows for the members already there, with the generator's mix of verbs, over each
    member's history or, given `between`, within that span (say the day since the last nightly run).

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
            if between is None:
                since = max((now - joined[member_id]).total_seconds(), 1)
                occurred = (now - timedelta(seconds=rng.random() * since)).isoformat()
            else:
                occurred = (between[0] + rng.random() * (between[1] - between[0])).isoformat()
            yield member_id, verb, occurred, "web", VERB_ORIGINS[verb][0].value, "{}"

    return copy_rows(
        "members_activity", ["member_id", "verb", "occurred_at", "source", "origin", "details"], activities()
    )


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
