import pytest

from tests.analytics.test_views import QUERY, populate
from tests.api.conftest import make_caller

pytestmark = pytest.mark.django_db

DASHBOARD = "/api/v1/dashboard/"


@pytest.mark.parametrize(("role", "status"), [("anonymous", 401), ("pending", 403), ("member", 403)])
def test_only_leadership_and_staff_read_the_dashboard(role, status):
    assert make_caller(role).client.get(DASHBOARD).status_code == status


@pytest.mark.parametrize("role", ["leadership", "staff"])
def test_the_dashboard_has_headline_funnel_and_trends_with_the_pages_figures(role):
    populate(4)
    client = make_caller(role).client

    data = client.get(DASHBOARD, QUERY).json()

    assert set(data) == {"headline", "funnel", "active", "stages"}
    assert [row[1] for row in data["funnel"]["rows"]][:2] == [4, 4]
    assert data["funnel"]["as_of"] is not None
    ngo = client.get(DASHBOARD, QUERY | {"sector": "ngo"}).json()
    assert ngo["funnel"]["rows"][0][1] == 2


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"start": "2026-06-01", "end": "2026-05-01"}, "non_field_errors"),
        ({"start": "2020-01-01", "end": "2026-05-01"}, "non_field_errors"),
        ({"sector": "pirates"}, "sector"),
        ({"country": "gb"}, "country"),
    ],
)
def test_bad_filters_get_the_one_error_shape(query, field):
    response = make_caller("leadership").client.get(DASHBOARD, query)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


# The token, the two permission sets, the latest refresh, and one aggregate query per panel (the token's last
# use is written at most once a minute: the first call writes it).
def test_the_query_count_does_not_grow_with_members(settings, django_assert_num_queries):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    client = make_caller("leadership").client
    client.get(DASHBOARD)
    populate(2)
    with django_assert_num_queries(8):
        assert client.get(DASHBOARD, QUERY).status_code == 200
    populate(10)
    with django_assert_num_queries(8):
        assert client.get(DASHBOARD, QUERY).status_code == 200
