"""Reading the bounce mailbox over IMAP or POP3 (KNOBLE_BOUNCE_MAILBOX_URL).

Each message is processed in its own transaction, and removed from the mailbox only after that transaction
committed: a crash in between leaves the message to be read again, and its key makes the second reading
record nothing more. Messages that are not notifications about our deliveries are left in the mailbox for a
person to read (over IMAP marked seen, so they are not read again).
"""

import imaplib
import poplib
import re
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from campaigns.bounces import bounce_message_process

TIMEOUT_SECONDS = 60
IMAP_UID = re.compile(rb"\bUID (\d+)")


class Mailbox(Protocol):
    def messages(self) -> Iterator[tuple[str, bytes]]:
        """(key, raw bytes) of each message to read."""
        ...

    def done(self, key: str) -> None:
        """The message was recorded: remove it."""
        ...

    def keep(self, key: str) -> None:
        """The message is not ours to process: leave it for a person."""
        ...


@dataclass(frozen=True)
class MailboxUrl:
    scheme: str
    host: str
    port: int | None
    user: str
    password: str
    folder: str

    @classmethod
    def parse(cls, url: str) -> "MailboxUrl":
        parts = urlsplit(url)
        if parts.scheme not in ("imap", "imaps", "pop3", "pop3s") or not parts.hostname:
            raise ImproperlyConfigured(
                "KNOBLE_BOUNCE_MAILBOX_URL must look like imaps://user:password@host:993/INBOX or "
                "pop3s://user:password@host:995."
            )
        return cls(
            scheme=parts.scheme,
            host=parts.hostname,
            port=parts.port,
            user=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            folder=unquote(parts.path.lstrip("/")) or "INBOX",
        )


@dataclass
class ImapMailbox:
    client: imaplib.IMAP4

    def messages(self) -> Iterator[tuple[str, bytes]]:
        status, data = self.client.uid("SEARCH", None, "UNSEEN", "UNDELETED")  # type: ignore[arg-type]
        if status != "OK":
            raise imaplib.IMAP4.error(f"SEARCH failed: {data!r}")
        for uid in (data[0] or b"").split():
            # PEEK, so that a message is marked seen only once it has been dealt with.
            status, parts = self.client.uid("FETCH", uid.decode(), "(BODY.PEEK[])")
            raw = next((part[1] for part in parts if isinstance(part, tuple)), None)
            if status == "OK" and raw is not None:
                yield uid.decode(), raw

    def done(self, key: str) -> None:
        self.client.uid("STORE", key, "+FLAGS", r"(\Seen \Deleted)")

    def keep(self, key: str) -> None:
        self.client.uid("STORE", key, "+FLAGS", r"(\Seen)")

    def close(self) -> None:
        self.client.expunge()
        self.client.logout()


@dataclass
class Pop3Mailbox:
    client: poplib.POP3
    deleted: set[str] = field(default_factory=set)

    def messages(self) -> Iterator[tuple[str, bytes]]:
        _response, listing, _size = self.client.list()
        for line in listing:
            number = line.split()[0].decode()
            _response, lines, _size = self.client.retr(int(number))
            yield number, b"\r\n".join(lines) + b"\r\n"

    def done(self, key: str) -> None:
        self.client.dele(int(key))

    def keep(self, key: str) -> None:
        """POP3 has no flags: the message stays and is read (and ignored) again next time."""

    def close(self) -> None:
        self.client.quit()  # the server removes the deleted messages only on a clean QUIT


@contextmanager
def open_mailbox(url: str) -> Iterator[Mailbox]:
    config = MailboxUrl.parse(url)
    if config.scheme.startswith("imap"):
        imap_class = imaplib.IMAP4_SSL if config.scheme == "imaps" else imaplib.IMAP4
        imap = imap_class(
            config.host, config.port or (993 if config.scheme == "imaps" else 143), timeout=TIMEOUT_SECONDS
        )
        try:
            imap.login(config.user, config.password)
            status, data = imap.select(config.folder)
            if status != "OK":
                raise imaplib.IMAP4.error(f"Cannot open the folder {config.folder}: {data!r}")
            mailbox = ImapMailbox(imap)
            yield mailbox
            mailbox.close()
        finally:
            if imap.state != "LOGOUT":
                imap.shutdown()
        return
    pop_class = poplib.POP3_SSL if config.scheme == "pop3s" else poplib.POP3
    pop = pop_class(config.host, config.port or (995 if config.scheme == "pop3s" else 110), timeout=TIMEOUT_SECONDS)
    try:
        pop.user(config.user)
        pop.pass_(config.password)
        pop_mailbox = Pop3Mailbox(pop)
        yield pop_mailbox
        pop_mailbox.close()
    except BaseException:
        # Without QUIT the server keeps every message, including those marked for deletion.
        pop.close()
        raise


@dataclass
class PollResult:
    read: int = 0
    recorded: int = 0
    ignored: int = 0


def bounce_mailbox_poll(*, url: str | None = None) -> PollResult:
    """Reads every new message of the bounce mailbox; nothing when no mailbox is configured."""
    url = settings.KNOBLE_BOUNCE_MAILBOX_URL if url is None else url
    result = PollResult()
    if not url:
        return result
    if transaction.get_connection().in_atomic_block:
        raise RuntimeError(
            "The bounce mailbox is read outside any transaction: a message is removed only once its bounce committed."
        )
    mailbox_context: AbstractContextManager[Mailbox] = open_mailbox(url)
    with mailbox_context as mailbox:
        for key, raw in mailbox.messages():
            result.read += 1
            recorded = bounce_message_process(raw=raw)  # its own transaction, committed on return
            if recorded is None:
                mailbox.keep(key)
                result.ignored += 1
            else:
                mailbox.done(key)
                result.recorded += int(recorded.created)
    return result
