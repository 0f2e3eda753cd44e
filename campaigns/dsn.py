"""Reading delivery status notifications (RFC 3464) with the standard library's e-mail parser.

A notification is a multipart/report with report-type=delivery-status; its message/delivery-status part holds
one block of per-message fields and one block per recipient (Final-Recipient, Action, Status,
Diagnostic-Code). Anything else that reaches the bounce mailbox (auto-replies, out-of-office notices, spam) is
not a notification and is ignored.
"""

import hashlib
import re
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import Message

from campaigns.models import BounceKind
from campaigns.verp import delivery_id_in

# Where the address a notification was sent to shows: the header the notifying server writes, the ones the
# receiving server adds on delivery, and the envelope sender recorded in the returned message's headers.
ADDRESS_HEADERS = ("To", "Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To")
RETURNED_HEADERS = ("Return-Path",)
STATUS_CODE = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")


@dataclass(frozen=True)
class RecipientReport:
    recipient: str
    action: str
    status: str
    diagnostic: str

    @property
    def kind(self) -> BounceKind:
        """Hard only when the server gave up for good (failed, 5.x.x); delays and 4.x.x are soft."""
        return BounceKind.HARD if self.action == "failed" and self.status.startswith("5") else BounceKind.SOFT


@dataclass(frozen=True)
class Notification:
    key: str
    delivery_id: int | None
    recipients: tuple[RecipientReport, ...]

    @property
    def bounce(self) -> RecipientReport | None:
        """The recipient report that counts: the first that failed, else the first delayed one."""
        for wanted in ("failed", "delayed"):
            for report in self.recipients:
                if report.action == wanted:
                    return report
        return None


def _text(value: object) -> str:
    return " ".join(str(value or "").split())


def _without_type(value: str) -> str:
    """ "rfc822; a@b.org" → "a@b.org"; "smtp; 550 5.1.1 …" → "550 5.1.1 …"."""
    kind, separator, rest = value.partition(";")
    return rest.strip() if separator and " " not in kind.strip() else value


def _status(fields: Message) -> str:
    status = STATUS_CODE.search(_text(fields.get("Status")))
    if status is None:  # a server that left Status out still names the code in its diagnostic
        status = STATUS_CODE.search(_text(fields.get("Diagnostic-Code")))
    return ".".join(status.groups()) if status else ""


def _recipient_blocks(report: Message) -> list[Message]:
    for part in report.walk():
        if part.get_content_type() == "message/delivery-status":
            blocks = part.get_payload()
            if isinstance(blocks, list):
                # The first block is about the message as a whole; the rest are one per recipient.
                return [block for block in blocks[1:] if isinstance(block, Message)]
    return []


def _returned_headers(report: Message) -> list[str]:
    values: list[str] = []
    for part in report.walk():
        if part.get_content_type() not in ("message/rfc822", "text/rfc822-headers"):
            continue
        payload = part.get_payload()
        if isinstance(payload, list) and payload and isinstance(payload[0], Message):
            original = payload[0]  # message/rfc822: already parsed
        else:
            raw = part.get_payload(decode=True)
            original = message_from_bytes(raw if isinstance(raw, bytes) else b"", policy=policy.compat32)
        values += [str(value) for name in RETURNED_HEADERS for value in original.get_all(name, [])]
    return values


def message_key(raw: bytes, message: Message) -> str:
    message_id = _text(message.get("Message-ID"))
    return message_id[:255] if message_id else "sha256:" + hashlib.sha256(raw).hexdigest()


def parse(raw: bytes) -> Notification | None:
    """The notification in these bytes, or None when they are not a delivery status notification."""
    message = message_from_bytes(raw, policy=policy.compat32)
    if message.get_content_type() != "multipart/report":
        return None
    if str(message.get_param("report-type", "")).lower() != "delivery-status":
        return None
    recipients = tuple(
        RecipientReport(
            recipient=_without_type(_text(block.get("Final-Recipient") or block.get("Original-Recipient"))).lower(),
            action=_text(block.get("Action")).lower(),
            status=_status(block),
            diagnostic=_without_type(_text(block.get("Diagnostic-Code")))[:500],
        )
        for block in _recipient_blocks(message)
    )
    addresses = [str(v) for name in ADDRESS_HEADERS for v in message.get_all(name, [])]
    delivery_id = delivery_id_in(addresses) or delivery_id_in(_returned_headers(message))
    return Notification(key=message_key(raw, message), delivery_id=delivery_id, recipients=recipients)
