"""Capacity holds when many members press "Join" at once: real threads, each with its own PostgreSQL connection."""

import threading

import pytest
from django.db import connection

from initiatives.models import Participation, ParticipationStatus
from initiatives.services import initiative_join
from members.models import Activity, Verb
from tests.initiatives.factories import InitiativeFactory
from tests.members.factories import MemberFactory

MEMBERS = 50
CAPACITY = 10


@pytest.mark.postgresql_only
def test_fifty_members_joining_ten_places_at_once(transactional_db):
    initiative = InitiativeFactory(capacity=CAPACITY)
    members = MemberFactory.create_batch(MEMBERS)
    start = threading.Barrier(MEMBERS)
    errors: list[BaseException] = []

    def join(member) -> None:
        try:
            start.wait(timeout=30)
            initiative_join(member=member, initiative=initiative)
        except BaseException as error:  # reported by the main thread below
            errors.append(error)
        finally:
            connection.close()  # each thread opened its own connection; leave none behind

    threads = [threading.Thread(target=join, args=(member,)) for member in members]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    rows = list(Participation.objects.filter(initiative=initiative).order_by("requested_at", "id"))
    assert len(rows) == MEMBERS
    assert sum(row.status == ParticipationStatus.ACTIVE for row in rows) == CAPACITY
    # The first ten to get the lock took the places; everyone after them queued in the order they asked.
    assert [row.status for row in rows] == [ParticipationStatus.ACTIVE] * CAPACITY + [
        ParticipationStatus.WAITLISTED
    ] * (MEMBERS - CAPACITY)
    positions = [
        Activity.objects.get(member_id=row.member_id, verb=Verb.INITIATIVE_WAITLISTED).details["position"]
        for row in rows[CAPACITY:]
    ]
    assert positions == list(range(1, MEMBERS - CAPACITY + 1))
    assert Activity.objects.filter(verb=Verb.INITIATIVE_JOINED).count() == CAPACITY
