"""iCalendar (RFC 5545) files for initiatives, written by hand: a handful of properties, CRLF lines, folding."""

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings

from initiatives.models import Initiative, InitiativeStatus

PRODID = "-//The Knoble//Knoble Portal//EN"


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n").replace("\n", "\\n")
    )


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space (RFC 5545 §3.1)."""
    encoded = line.encode()
    if len(encoded) <= 75:
        return line
    parts, start, limit = [], 0, 75
    while start < len(encoded):
        end = min(start + limit, len(encoded))
        while end < len(encoded) and (encoded[end] & 0xC0) == 0x80:  # never split a UTF-8 character
            end -= 1
        parts.append(encoded[start:end].decode())
        start, limit = end, 74  # continuation lines start with a space
    return "\r\n ".join(parts)


def _event(initiative: Initiative, *, stamp: datetime) -> list[str]:
    assert initiative.starts_at is not None  # noqa: S101  (callers pass dated initiatives only)
    url = f"{settings.SITE_URL}{initiative.get_absolute_url()}"
    ends_at = initiative.ends_at or initiative.starts_at + timedelta(hours=1)
    description = f"{initiative.summary}\n\n{url}"
    where = "Online" if initiative.is_online else initiative.location
    lines = [
        "BEGIN:VEVENT",
        f"UID:initiative-{initiative.pk}@{urlsplit(settings.SITE_URL).hostname or 'knoble'}",
        f"DTSTAMP:{_utc(stamp)}",
        f"DTSTART:{_utc(initiative.starts_at)}",
        f"DTEND:{_utc(ends_at)}",
        f"SUMMARY:{_escape(initiative.title)}",
        f"DESCRIPTION:{_escape(description)}",
        f"URL:{url}",
        f"STATUS:{'CANCELLED' if initiative.status == InitiativeStatus.CANCELLED else 'CONFIRMED'}",
    ]
    if where:
        lines.append(f"LOCATION:{_escape(where)}")
    return [*lines, "END:VEVENT"]


def calendar_for(initiatives: Iterable[Initiative], *, name: str, stamp: datetime) -> str:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN", "METHOD:PUBLISH"]
    lines.append(f"X-WR-CALNAME:{_escape(name)}")
    for initiative in initiatives:
        lines += _event(initiative, stamp=stamp)
    lines.append("END:VCALENDAR")
    return "".join(f"{_fold(line)}\r\n" for line in lines)
