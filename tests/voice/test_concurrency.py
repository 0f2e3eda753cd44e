"""One vote per member and item when the same member votes many times at once (double clicks, tabs, the API)."""

import threading

import pytest
from django.db import connection

from tests.members.factories import MemberFactory
from tests.voice.factories import IdeaFactory
from voice.models import Vote
from voice.services import vote_cast

ATTEMPTS = 12


@pytest.mark.postgresql_only
def test_one_member_voting_twelve_times_at_once_leaves_one_vote(transactional_db):
    member, idea = MemberFactory(), IdeaFactory()
    start = threading.Barrier(ATTEMPTS)
    errors: list[BaseException] = []

    def vote(importance: str) -> None:
        try:
            start.wait(timeout=30)
            vote_cast(member=member, idea=idea, importance=importance)
        except BaseException as error:  # reported by the main thread below
            errors.append(error)
        finally:
            connection.close()

    importances = ["nice", "important", "critical"] * (ATTEMPTS // 3)
    threads = [threading.Thread(target=vote, args=(importance,)) for importance in importances]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert Vote.objects.filter(member=member, idea=idea).count() == 1
