"""ClientInputMiddleware: a NUL in the address is a 400 on every page, never a database error."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/initiatives/%00/", "/roadmap/?q=%00", "/accounts/login/?next=/%00"])
def test_a_nul_in_a_page_address_is_a_plain_400(client, path):
    response = client.get(path)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")


def test_the_api_docs_keep_their_parameterless_script_address(client):
    assert client.get("/api/docs/?script").status_code == 200
