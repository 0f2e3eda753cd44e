"""The unread-notification count every page's navigation shows, kept in the cache per member.

The count is stored under a key that carries a generation; a change to a member's inbox starts a new generation
(`forget`) at once and again when the transaction commits, so a count computed by a request that read the inbox
before the commit is never served after it. Every write to the inbox goes through `members.services`, which
calls `forget`."""

import uuid

from django.core.cache import cache
from django.db import transaction

from members.models import Notification

# A safety net only: every change to the inbox starts a new generation.
TTL_SECONDS = 60 * 60


def _generation_key(member_id: int) -> str:
    return f"members:unread:{member_id}:generation"


def count(*, member_id: int) -> int:
    generation_key = _generation_key(member_id)
    generation = cache.get(generation_key)
    if generation is None:
        cache.add(generation_key, uuid.uuid4().hex, TTL_SECONDS)
        generation = cache.get(generation_key)
    key = f"members:unread:{member_id}:{generation}"
    cached = cache.get(key)
    if cached is not None:
        return int(cached)
    unread = Notification.objects.filter(member_id=member_id, read_at__isnull=True).count()
    cache.set(key, unread, TTL_SECONDS)
    return unread


def _new_generation(member_ids: list[int]) -> None:
    cache.set_many({_generation_key(member_id): uuid.uuid4().hex for member_id in member_ids}, TTL_SECONDS)


def forget(*, member_ids: list[int]) -> None:
    """The inbox of these members changed: their counts are read again, now and once the change is committed."""
    if not member_ids:
        return
    _new_generation(member_ids)
    transaction.on_commit(lambda: _new_generation(member_ids))
