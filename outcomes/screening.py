"""Refuses free text that looks like personal data: e-mail addresses, phone numbers, IBAN or account-like
numbers and dates (of birth). Deliberately strict: an outcome report never needs any of these."""

import re

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

PATTERNS: list[tuple[str, re.Pattern[str], Promise]] = [
    (
        "email",
        re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"),
        _("It looks like it contains an e-mail address. Remove it: outcome reports hold no personal data."),
    ),
    (
        "iban",
        re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?\b", re.IGNORECASE),
        _("It looks like it contains an IBAN. Remove it: outcome reports hold no account numbers."),
    ),
    (
        "date_of_birth",
        re.compile(
            r"\b(?:\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})|\d{4}[./-]\d{1,2}[./-]\d{1,2})\b"
            r"|\b\d{1,2}(?:st|nd|rd|th)? (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]* \d{4}\b"
            r"|\b(?:born|date of birth|d\.?o\.?b\.?)\b",
            re.IGNORECASE,
        ),
        _(
            "It looks like it contains a date of birth (or a full date). Remove it: give the period in the "
            "period fields only."
        ),
    ),
    (
        "phone",
        re.compile(r"(?:\+|\b)\d(?:[\s().-]*\d){7,}"),
        _("It looks like it contains a phone, account or case number. Remove it: outcome reports hold counts only."),
    ),
]


def personal_data_problems(text: str) -> list[str]:
    """The messages for each kind of personal data `text` seems to hold (empty: it may be kept)."""
    return [str(message) for _kind, pattern, message in PATTERNS if pattern.search(text)]


def personal_data_kinds(text: str) -> list[str]:
    return [kind for kind, pattern, _message in PATTERNS if pattern.search(text)]
