"""The bounce reader against a real IMAP server (pymap, started here) and a loopback POP3 server."""

import imaplib
import socket
import socketserver
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.utils import timezone

from campaigns.bounce_mailbox import bounce_mailbox_poll
from campaigns.models import Bounce, Channel, DeliveryStatus, UndeliverableAddress
from campaigns.tasks.bounces import poll_bounce_mailbox
from tests.campaigns.dsn_samples import AUTO_REPLY, HARD, SOFT, sample
from tests.campaigns.factories import DeliveryFactory

pytestmark = pytest.mark.django_db(transaction=True)
USER, PASSWORD = "bounces", "s3cret"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def imap_port():
    port = free_port()
    pymap = Path(sys.executable).with_name("pymap")
    server = subprocess.Popen(  # noqa: S603  (our own test server)
        [
            str(pymap),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-tls",
            "dict",
            "--demo-user",
            USER,
            "--demo-password",
            PASSWORD,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                server.kill()
                raise
            time.sleep(0.1)
    yield port
    server.terminate()
    server.wait(10)


def imap(port: int) -> imaplib.IMAP4:
    client = imaplib.IMAP4("127.0.0.1", port)
    client.login(USER, PASSWORD)
    client.select("INBOX")
    return client


def deliver(port: int, *messages: bytes) -> None:
    client = imap(port)
    for message in messages:
        client.append("INBOX", None, None, message)  # type: ignore[arg-type]
    client.logout()


def left_in(port: int) -> tuple[int, int]:
    """(messages left, of which unseen)."""
    client = imap(port)
    everything = client.uid("SEARCH", None, "UNDELETED")[1][0].split()  # type: ignore[arg-type]
    unseen = client.uid("SEARCH", None, "UNSEEN", "UNDELETED")[1][0].split()  # type: ignore[arg-type]
    client.logout()
    return len(everything), len(unseen)


def sent(**kwargs):
    now = timezone.now()
    return DeliveryFactory(status=DeliveryStatus.SENT, channel=Channel.EMAIL, sent_at=now, finished_at=now, **kwargs)


@pytest.fixture(autouse=True)
def verp(settings):
    settings.KNOBLE_BOUNCE_ADDRESS = "bounces@example.org"


def test_the_task_reads_the_imap_mailbox_and_marks_deliveries(settings, imap_port):
    hard, soft, other = sent(), sent(), sent()
    deliver(imap_port, sample(HARD[0], hard), sample(SOFT, soft), sample(AUTO_REPLY, other))
    settings.KNOBLE_BOUNCE_MAILBOX_URL = f"imap://{USER}:{PASSWORD}@127.0.0.1:{imap_port}/INBOX"

    assert poll_bounce_mailbox.apply().get() == 2

    statuses = {d.pk: d.status for d in type(hard).objects.filter(pk__in=[hard.pk, soft.pk, other.pk])}
    assert statuses == {hard.pk: "bounced", soft.pk: "bounced", other.pk: "sent"}
    assert list(UndeliverableAddress.objects.values_list("email", flat=True)) == [hard.member.user.email.lower()]
    # The two notifications are gone; the auto-reply stays for a person, seen, and is not read again.
    assert left_in(imap_port) == (1, 0)
    assert bounce_mailbox_poll().read == 0


def test_a_notification_read_again_records_nothing_more(settings, imap_port):
    delivery = sent()
    raw = sample(HARD[1], delivery)
    deliver(imap_port, raw, raw)  # as if the removal after the first reading had been lost
    settings.KNOBLE_BOUNCE_MAILBOX_URL = f"imap://{USER}:{PASSWORD}@127.0.0.1:{imap_port}"
    result = bounce_mailbox_poll()
    assert (result.read, result.recorded) == (2, 1)
    assert Bounce.objects.count() == 1


class Pop3Handler(socketserver.StreamRequestHandler):
    """Just enough POP3 (RFC 1939) for the reader: USER, PASS, LIST, RETR, DELE, QUIT."""

    messages: list[bytes]
    deleted: set[int]

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self.reply("+OK loopback POP3")
        marked: set[int] = set()
        while line := self.rfile.readline().decode().strip():
            command, *args = line.split()
            command = command.upper()
            if command in ("USER", "PASS"):
                self.reply("+OK")
            elif command == "LIST":
                self.reply("+OK")
                for number, message in enumerate(self.messages, 1):
                    self.reply(f"{number} {len(message)}")
                self.reply(".")
            elif command == "RETR":
                message = self.messages[int(args[0]) - 1]
                self.reply(f"+OK {len(message)} octets")
                for body_line in message.split(b"\r\n"):
                    self.wfile.write((b"." + body_line if body_line.startswith(b".") else body_line) + b"\r\n")
                self.reply(".")
            elif command == "DELE":
                marked.add(int(args[0]))
                self.reply("+OK")
            elif command == "QUIT":
                type(self).deleted |= marked  # removed only on a clean QUIT, as RFC 1939 says
                self.reply("+OK bye")
                return
            else:
                self.reply("-ERR unknown command")


def test_pop3_mailbox(settings):
    hard, other = sent(), sent()
    Pop3Handler.messages = [sample(AUTO_REPLY, other), sample(HARD[2], hard)]
    Pop3Handler.deleted = set()
    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), Pop3Handler) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        port = server.server_address[1]
        result = bounce_mailbox_poll(url=f"pop3://{USER}:{PASSWORD}@127.0.0.1:{port}")
        server.shutdown()
    assert (result.read, result.recorded, result.ignored) == (2, 1, 1)
    assert Pop3Handler.deleted == {2}
    hard.refresh_from_db()
    assert hard.status == DeliveryStatus.BOUNCED
