"""A campaign launched to 5,000 recipients until every delivery is final, with a real worker and beat, beside a
plain smtplib loop sending the same number of messages to the same loopback server in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/knoble_bench python -m bench.campaign_end_to_end

It creates its own 5,000 members (one organisation, the campaign's segment) and deletes them, their deliveries
and the activity recorded at the end. The worker runs as the Procfile has it (prefork, concurrency 2), beside
beat; the clock starts before `campaign_launch` and stops when the last delivery is final. Target 1.5×.
"""

import argparse
import logging
import os
import smtplib
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "knoble.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only")
django.setup()

from aiosmtpd.controller import Controller  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from bench.campaign_send import BODY, Sink, _free_port  # noqa: E402
from bench.harness import Figure  # noqa: E402
from campaigns.models import FINAL_STATUSES, Campaign, CampaignStep, Delivery, Segment  # noqa: E402
from campaigns.transitions import campaign_launch  # noqa: E402
from knoble.celery import app as celery_app  # noqa: E402
from members.models import Member, MemberStatus, Organisation, User  # noqa: E402

RECIPIENTS = 5_000
UNUSABLE = make_password(None)
NAME = "bench: campaign end to end"
ROOT = Path(__file__).resolve().parents[1]


def _members() -> Organisation:
    organisation = Organisation.objects.create(name=NAME, sector="financial_institution")
    users = User.objects.bulk_create(
        User(email=f"e2e{n}@bench.example", first_name=f"Member{n}", password=UNUSABLE) for n in range(RECIPIENTS)
    )
    Member.objects.bulk_create(
        Member(user=user, organisation=organisation, status=MemberStatus.APPROVED, consent_email=True) for user in users
    )
    return organisation


def _process(*args: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "celery", "-A", "knoble", *args, "--loglevel=WARNING"], cwd=ROOT, env=env
    )


def _wait_for_worker(timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not celery_app.control.ping(timeout=0.5):
        if time.monotonic() > deadline:
            raise RuntimeError("The benchmark's worker did not start.")


def _launch_until_final(organisation: Organisation, run: int) -> float:
    segment = Segment.objects.create(
        name=f"{NAME} {run}", rules=[{"field": "organisation", "value": [organisation.pk]}]
    )
    campaign = Campaign.objects.create(name=f"{NAME} {run}", segment=segment)
    CampaignStep.objects.create(campaign=campaign, position=1, subject="The working group, {name}", body=BODY)
    staff, _ = User.objects.get_or_create(email="bench-staff@bench.example", defaults={"password": UNUSABLE})
    rows = Delivery.objects.filter(campaign=campaign)
    started = time.perf_counter()
    with transaction.atomic():
        campaign_launch(campaign=campaign, actor=staff)
    while rows.count() < RECIPIENTS or rows.exclude(status__in=FINAL_STATUSES).exists():
        time.sleep(0.05)
    return time.perf_counter() - started


def _raw(port: int) -> float:
    text = BODY.format(name="Bench Member", organisation=NAME) + "\n\n--\nUnsubscribe: " + "x" * 120
    html = "<p>" + text + "</p>" + '<a href="http://localhost:8000/campaigns/c/' + "x" * 120 + '/">agenda</a>'
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for n in range(RECIPIENTS):
            message = EmailMessage()
            message["Subject"], message["From"] = "The working group", settings.DEFAULT_FROM_EMAIL
            message["To"] = f"e2e{n}@bench.example"
            message.set_content(text)
            message.add_alternative(html, subtype="html")
            smtp.send_message(message)
    return time.perf_counter() - started


def _cleanup(organisation: Organisation) -> None:
    from bench.campaign_send import _delete_sent_activity

    for campaign in Campaign.objects.filter(name__startswith=NAME):
        _delete_sent_activity(campaign)
        campaign.deliveries.all().delete()
        segment = campaign.segment
        campaign.delete()
        segment.delete()
    users = list(Member.objects.filter(organisation=organisation).values_list("user_id", flat=True))
    with connection.cursor() as cursor:  # notifications, consents and such cascade with the users
        cursor.execute("DELETE FROM members_member WHERE organisation_id = %s", [organisation.pk])
    User.objects.filter(pk__in=users).delete()
    organisation.delete()


def figures(*, repeats: int = 3) -> list[Figure]:
    if connection.vendor != "postgresql":
        raise RuntimeError("This benchmark needs PostgreSQL: set DATABASE_URL=postgres://…/knoble_bench")
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    sink, port = Sink(), _free_port()
    server = Controller(sink, hostname="127.0.0.1", port=port)
    server.start()
    env = {
        **os.environ,
        "EMAIL_URL": f"smtp://127.0.0.1:{port}",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "KNOBLE_CAMPAIGN_CONTACT_BUDGET": str(10**6),  # each run sends every member one more message
    }
    settings.CELERY_TASK_ALWAYS_EAGER = celery_app.conf.task_always_eager = False
    organisation = _members()
    processes = [
        _process("worker", "--concurrency=2", "--without-mingle", "--without-gossip", env=env),
        _process("beat", env=env),
    ]
    try:
        _wait_for_worker()
        ours, raw = [], []
        for run in range(repeats):  # alternately: load that drifts during the run hits both sides
            ours.append(_launch_until_final(organisation, run))
            raw.append(_raw(port))
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=60)
        server.stop()
        _cleanup(organisation)
    ours.sort()
    raw.sort()
    return [
        Figure(
            f"launch to all final, {RECIPIENTS:,} recipients (worker ×2 and beat)",
            ours[len(ours) // 2],
            1.5,
            raw[len(raw) // 2],
        )
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    options = parser.parse_args()
    for figure in figures(repeats=options.repeats):
        verdict = "met" if figure.met else "MISSED"
        print(
            f"{figure.name}: ours {figure.ours:.3f} s, raw {figure.reference:.3f} s, ratio {figure.ratio:.2f} "
            f"(target {figure.target}×) {verdict}"
        )
