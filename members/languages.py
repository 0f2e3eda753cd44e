"""The language a person reads the portal and their e-mail in: the member's profile choice, else (on a page) the
browser's, else English. Every e-mail to a person is rendered inside `in_language_of`, so that its templates,
dates and numbers come out in the recipient's language whoever sent it (a staff member, a Celery task)."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.utils import translation


def supported(code: str | None) -> str | None:
    """The code of settings.LANGUAGES that `code` names (`es-MX` gives `es`), or None."""
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


def chosen_language(user: Any) -> str | None:
    """The language the user chose on their profile, or None (no choice, no member record, no account)."""
    try:
        return supported(user.member.language) if user is not None else None
    except ObjectDoesNotExist:  # staff with no member record
        return None


def language_of(user: Any, *, fallback: str | None = None) -> str:
    """The language of e-mail to this user (a User, or None for an address with no account): the member's choice,
    else `fallback` (the page's language, when the person is the one asking), else the site's language. Reads
    `user.member`, loaded with the user by the authentication backends; a caller sending to many users loads it
    with them (`select_related("member")`)."""
    return chosen_language(user) or supported(fallback) or settings.LANGUAGE_CODE


@contextmanager
def in_language_of(user: Any, *, fallback: str | None = None) -> Iterator[str]:
    """Renders what is inside (an e-mail's subject and bodies) in the user's language."""
    language = language_of(user, fallback=fallback)
    with translation.override(language):
        yield language


@contextmanager
def in_member_language(language: str) -> Iterator[str]:
    """Same, from a member's `language` field (a campaign's stand-in member has no saved record to read)."""
    chosen = supported(language) or settings.LANGUAGE_CODE
    with translation.override(chosen):
        yield chosen
