"""The pieces every endpoint shares: the error shape, throttles, pagination, schema and docs."""

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from tests.api.conftest import client_for, make_caller
from tests.personas.factories import PersonaFactory

pytestmark = pytest.mark.django_db
PERSONAS = "/api/v1/personas/"


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"status", "code", "message", "fields"}
    assert body["error"]["status"] == response.status_code
    return body["error"]


def test_every_kind_of_4xx_has_the_one_shape(callers):
    staff, member = callers["staff"].client, callers["member"].client
    assert error_of(APIClient().get(PERSONAS))["code"] == "not_authenticated"
    assert error_of(callers["pending"].client.get(PERSONAS))["code"] == "permission_denied"
    assert error_of(member.post(PERSONAS, {"name": "x"}))["code"] == "permission_denied"
    assert error_of(staff.get(f"{PERSONAS}999999/"))["code"] == "not_found"
    assert error_of(staff.put("/api/v1/me/", {}))["status"] == 405
    invalid = error_of(staff.post(PERSONAS, {"name": "", "sector": "pirates"}, format="json"))
    assert invalid["code"] == "invalid"
    assert set(invalid["fields"]) == {"name", "sector", "summary"}
    assert invalid["fields"]["sector"] == ['"pirates" is not a valid choice.']


def test_an_unknown_api_path_has_the_one_shape_and_other_pages_stay_html(client, callers):
    assert error_of(callers["member"].client.get("/api/v1/no-such-thing/"))["code"] == "not_found"
    assert client.get("/no-such-page/")["Content-Type"].startswith("text/html")


def test_deleting_a_persona_that_jobs_refer_to_is_a_conflict_and_deletes_nothing(callers):
    from tests.personas.factories import JobFactory

    job = JobFactory()
    response = callers["staff"].client.delete(f"{PERSONAS}{job.persona_id}/")
    assert response.status_code == 409
    assert error_of(response)["code"] == "conflict"
    assert PersonaFactory._meta.model.objects.filter(pk=job.persona_id).exists()


@pytest.fixture
def rates(monkeypatch):
    """DRF reads the rates once, at import; the tests lower them on the class that holds them."""

    def lower(**changes: str) -> None:
        monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, **changes})

    return lower


def test_each_token_has_its_own_budget(rates, db):
    rates(token="2/minute")
    caller = make_caller("member")
    assert [caller.client.get(PERSONAS).status_code for _ in range(3)] == [200, 200, 429]
    throttled = error_of(caller.client.get(PERSONAS))
    assert throttled["code"] == "throttled"
    # A second token of the same user has a budget of its own.
    assert client_for(caller.user).get(PERSONAS).status_code == 200


def test_the_user_budget_spans_all_of_a_users_tokens(rates, db):
    rates(user="2/minute")
    caller = make_caller("member")
    assert caller.client.get(PERSONAS).status_code == 200
    assert client_for(caller.user).get(PERSONAS).status_code == 200
    assert client_for(caller.user).get(PERSONAS).status_code == 429


def test_lists_are_paged_by_number_with_a_bounded_page_size(callers):
    PersonaFactory.create_batch(5)
    page = callers["staff"].client.get(PERSONAS, {"page_size": 2, "page": 2}).json()
    assert page["count"] == 5
    assert len(page["results"]) == 2
    assert page["next"].endswith("page=3&page_size=2")
    assert callers["staff"].client.get(PERSONAS, {"page": 9}).status_code == 404


def test_the_schema_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert "/api/v1/personas/" in (tmp_path / "schema.yaml").read_text()


def test_the_docs_load_their_assets_from_our_static_files(client):
    page = client.get("/api/docs/").text
    assert "swagger-ui" in page
    for host in ("cdn", "unpkg", "jsdelivr"):
        assert host not in page.lower()
    # The site's Content-Security-Policy allows no inline script: the page loads its set-up as a file.
    assert "<script>" not in page
    assert "?script" in page
    assert client.get("/api/docs/?script").status_code == 200


@pytest.mark.parametrize(
    ("path", "query"),
    [
        (PERSONAS, {"sector": ["ngo", "law_enforcement"]}),  # an explicit filter set
        (PERSONAS, {"is_active": ""}),
        ("/api/v1/initiatives/", {"status": ["open", "draft"]}),
        ("/api/v1/opportunities/", {"status": ""}),  # one built from the view's `filterset_fields`
        ("/api/v1/activities/", {"verb": ["logged_in", "approved"]}),  # a view with its own filter backends
    ],
)
def test_a_filter_given_twice_or_empty_is_a_400_on_every_endpoint(callers, path, query):
    response = callers["staff"].client.get(path, query)
    error = error_of(response)
    assert error["status"] == 400
    assert error["fields"] == {name: ["Give this filter once, with a value."] for name in query}


def test_a_filter_given_once_still_filters(callers):
    PersonaFactory(name="Investigator", sector="law_enforcement")
    PersonaFactory(name="Analyst", sector="ngo")
    response = callers["staff"].client.get(PERSONAS, {"sector": "ngo"})
    assert [persona["name"] for persona in response.json()["results"]] == ["Analyst"]
