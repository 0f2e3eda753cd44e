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


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/initiatives/%00/",  # a lookup by slug: the router takes any segment
        "/api/v1/personas/%00/",
        "/api/v1/initiatives/?search=%00",
        "/api/v1/activities/?verb=logged_in%00",
        "/api/v1/initiatives/?%00=x",
    ],
)
def test_a_nul_anywhere_in_the_address_is_a_400_in_the_one_shape(callers, path):
    for role in ("anonymous", "member", "staff"):
        error = error_of(callers[role].client.get(path))
        assert (error["status"], error["code"]) == (400, "invalid")
        assert error["message"] == "The address may not contain a NUL character."


def test_an_unexpected_error_under_the_api_has_the_one_shape(callers, monkeypatch):
    from core.api_base import api_exception_handler
    from members.api import MeView

    def crash(*args, **kwargs):
        raise RuntimeError("a bug, not the client's fault")

    monkeypatch.setattr(MeView, "get", crash)
    client = callers["member"].client
    client.raise_request_exception = False
    response = client.get("/api/v1/me/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert error_of(response)["code"] == "server_error"
    assert "a bug" not in response.content.decode()
    assert api_exception_handler(RuntimeError(), {}) is None  # DRF re-raises it: Django's handler500 answers


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


def test_the_schema_states_the_bounds_and_nulls_the_api_enforces():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)

    def parameter(path: str, name: str) -> dict:
        listed = schema["paths"][path]["get"]["parameters"]
        return next(item["schema"] for item in listed if item["name"] == name)

    assert parameter(PERSONAS, "page_size") == {"type": "integer", "minimum": 1, "maximum": 200}
    assert parameter(PERSONAS, "page")["minimum"] == 1
    assert parameter("/api/v1/activities/", "page_size") == {"type": "integer", "minimum": 1, "maximum": 500}
    assert schema["components"]["schemas"]["Activity"]["properties"]["subject_type"]["nullable"] is True


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
        # Views without a filter set: the dashboard's query serializer, an action's own parameters, paging.
        ("/api/v1/dashboard/", {"country": ""}),
        ("/api/v1/dashboard/", {"sector": ["ngo", "prosecutor"]}),
        ("/api/v1/roadmaps/1/diff/", {"from": ["1", "2"]}),
        ("/api/v1/prioritisation-models/1/compare/", {"with": ["1", "2"]}),
        ("/api/v1/prioritisation-models/1/ranking/", {"status": ""}),
        (PERSONAS, {"page": ["1", "2"], "search": ""}),
        ("/api/v1/me/", {"anything": ""}),
    ],
)
def test_a_parameter_given_twice_or_empty_is_a_400_on_every_endpoint(callers, path, query):
    response = callers["staff"].client.get(path, query)
    error = error_of(response)
    assert error["status"] == 400
    assert error["fields"] == {name: ["Give this parameter once, with a value."] for name in query}


def test_a_view_that_takes_a_list_names_its_repeatable_parameter(callers):
    from tests.roadmap.factories import CriterionFactory

    model = CriterionFactory().model
    url = f"/api/v1/prioritisation-models/{model.pk}/ranking/"
    assert callers["staff"].client.get(url, {"status": ["planned", "shortlisted"]}).status_code == 200
    assert error_of(callers["staff"].client.get(url, {"status": ["planned", ""]}))["fields"] == {
        "status": ["Give this parameter once, with a value."]
    }


def test_a_filter_given_once_still_filters(callers):
    PersonaFactory(name="Investigator", sector="law_enforcement")
    PersonaFactory(name="Analyst", sector="ngo")
    response = callers["staff"].client.get(PERSONAS, {"sector": "ngo"})
    assert [persona["name"] for persona in response.json()["results"]] == ["Analyst"]


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/api/v1/activities/", "member"),
        ("/api/v1/deliveries/", "campaign"),
        ("/api/v1/deliveries/", "step"),
        ("/api/v1/deliveries/", "member"),
        ("/api/v1/jobs/", "persona"),
        ("/api/v1/opportunities/", "session"),
    ],
)
def test_a_foreign_key_filter_takes_an_integer_id_and_an_unknown_one_is_a_400(callers, path, name):
    staff = callers["staff"].client
    for value in ("999999", "abc", "-1"):
        error = error_of(staff.get(path, {name: value}))
        assert (error["status"], set(error["fields"])) == (400, {name})
