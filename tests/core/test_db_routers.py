"""The read replica's router against a real second alias: `replica`, a test mirror of the primary's test database
opened through a connection of its own (tests/conftest.py). The data is committed (`transaction=True`) so that the
second connection sees it, as a replica would."""

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from core.csv_io import csv_export
from core.db_routers import PRIMARY, REPLICA, ReplicaRouter, read_alias, reading_from_replica, replica_reads
from personas.csv_io import PERSONA_CSV
from personas.models import Persona
from tests.personas.factories import PersonaFactory

BOTH = ["default", "replica"]


@pytest.fixture
def replica_on(settings):
    settings.KNOBLE_READ_REPLICA = True


def captured(alias: str) -> CaptureQueriesContext:
    return CaptureQueriesContext(connections[alias])


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_reads_in_the_block_use_the_replica_and_writes_still_go_to_the_primary(replica_on):
    PersonaFactory(name="Before")
    with captured(PRIMARY) as primary, captured(REPLICA) as replica, reading_from_replica():
        assert list(Persona.objects.values_list("name", flat=True)) == ["Before"]
        PersonaFactory(name="Written inside")
        assert Persona.objects.count() == 2  # committed on the primary (autocommit), read from the replica
    assert [query["sql"].split()[0] for query in replica.captured_queries] == ["SELECT", "SELECT"]
    # The persona and its history row: written on the primary, and nothing else asked of it.
    assert {query["sql"].split()[0] for query in primary.captured_queries} == {"INSERT"}

    with captured(PRIMARY) as primary, captured(REPLICA) as replica:
        assert Persona.objects.count() == 2
    assert len(primary) == 1
    assert len(replica) == 0


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_a_decorated_function_and_raw_sql_read_from_the_replica(replica_on):
    PersonaFactory.create_batch(2)

    @replica_reads
    def count_by_hand() -> int:
        with connections[read_alias()].cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {Persona._meta.db_table}")  # noqa: S608 (a model's own table name)
            return int(cursor.fetchone()[0])

    with captured(PRIMARY) as primary, captured(REPLICA) as replica:
        assert count_by_hand() == 2
        assert read_alias() == PRIMARY  # the decorator's block is over
    assert len(replica) == 1
    assert len(primary) == 0


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_a_staff_csv_export_reads_from_the_replica(replica_on):
    PersonaFactory(name="Exported")
    with captured(PRIMARY) as primary, captured(REPLICA) as replica:
        assert "Exported" in csv_export(csv_format=PERSONA_CSV)
    assert len(replica) >= 1
    assert len(primary) == 0


@pytest.mark.django_db
def test_without_a_replica_nothing_is_routed():
    """KNOBLE_READ_REPLICA is off without DATABASE_REPLICA_URL: the block changes nothing."""
    PersonaFactory()
    with captured(PRIMARY) as primary, reading_from_replica():
        assert read_alias() == PRIMARY
        assert Persona.objects.count() == 1
    assert len(primary) == 1


def test_writes_and_migrations_belong_to_the_primary(replica_on):
    router = ReplicaRouter()
    with reading_from_replica():
        assert router.db_for_read(Persona) == REPLICA
        assert router.db_for_write(Persona) == PRIMARY
    assert router.db_for_read(Persona) is None
    assert router.allow_migrate(PRIMARY, "personas") is True
    assert router.allow_migrate(REPLICA, "personas") is False
