"""Schemathesis fuzzes every operation of the generated schema, for each role's token, with every check:
no 5xx, responses match the schema, invalid input is rejected, unauthenticated calls are refused."""

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings

from tests.api.conftest import ROLES, authorization_for, user_in_role
from tests.campaigns.factories import DeliveryFactory, SegmentFactory
from tests.initiatives.factories import InitiativeFactory
from tests.personas.factories import JobFactory
from tests.roadmap.factories import CriterionFactory, OpportunityFactory, make_roadmap, place

# A few examples per operation and role keep the run to minutes on two cores; the matrix and the
# resource tests cover behaviour, this covers the contract. Visitors and pending members are refused by every
# operation they may not use, whatever the input, so fewer examples show it.
EXAMPLES = 5
EXAMPLES_REFUSED = 2
REFUSED_ROLES = ("anonymous", "pending")
ADMITTED_ROLES = tuple(role for role in ROLES if role not in REFUSED_ROLES)

# The HTTP contract does not depend on the database: it is fuzzed in the PostgreSQL pass only (README, *Tests*).
pytestmark = pytest.mark.contract


def generated_schema() -> dict:
    """The schema exactly as /api/schema/ serves it, built at collection so each operation is its own test."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document))


schema = schemathesis.openapi.from_dict(generated_schema())
schema.app = get_wsgi_application()
# Data that fits the schema may still break a domain rule (a roadmap starts on the 1st of a month, a closed
# initiative takes no sign-ups): that is a 400 in the one error shape, not a bug.
schema.config.checks.positive_data_acceptance.expected_statuses.append("400")
# The coverage phase enumerates every boundary of every parameter, thousands of calls per operation; the
# examples and fuzzing phases, bounded by EXAMPLES, are what fits two shared cores.
schema.config.phases.coverage.enabled = False


@pytest.fixture
def keep_test_connection():
    """Like Django's test client: the WSGI app must not close the test transaction's connection per request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(db, keep_test_connection):
    JobFactory()
    OpportunityFactory()
    CriterionFactory()
    InitiativeFactory()
    roadmap = make_roadmap()
    place(roadmap, 1, 2)
    SegmentFactory(rules=[{"field": "sector", "value": ["ngo"]}])
    DeliveryFactory()  # with its campaign, step and member


def _call_and_validate(case, role: str) -> None:
    authorization = authorization_for(user_in_role(role)[0])
    case.call_and_validate(headers={"Authorization": authorization} if authorization else None)


@pytest.mark.parametrize("role", ADMITTED_ROLES)
@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_the_api_honours_its_schema(case, role, world):
    _call_and_validate(case, role)


@pytest.mark.parametrize("role", REFUSED_ROLES)
@schema.parametrize()
@settings(max_examples=EXAMPLES_REFUSED, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_the_api_refuses_within_its_schema_who_may_not_use_it(case, role, world):
    _call_and_validate(case, role)
