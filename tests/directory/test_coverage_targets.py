"""Leadership set the network's coverage targets on a page of their own; members may not."""

import pytest
from django.urls import reverse

from directory.models import CoverageTarget
from tests.members.factories import MemberFactory, leadership_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("without_mfa_requirement")]
URL = reverse("directory:coverage_targets")


def _rows(*rows: dict, total: int | None = None, initial: int = 0) -> dict:
    data = {
        "form-TOTAL_FORMS": str(total if total is not None else len(rows)),
        "form-INITIAL_FORMS": str(initial),
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data.update({f"form-{index}-{name}": value for name, value in row.items()})
    return data


def test_leadership_add_change_and_remove_a_target(client):
    client.force_login(leadership_user())
    assert client.get(URL).status_code == 200

    response = client.post(
        URL, _rows({"sector": "prosecutor", "country": "MX", "organisations": "5", "active_members": "10"})
    )
    assert response.status_code == 302
    target = CoverageTarget.objects.get()
    assert (target.sector, str(target.country), target.organisations, target.active_members) == (
        "prosecutor",
        "MX",
        5,
        10,
    )

    changed = {"id": str(target.pk), "sector": "prosecutor", "country": "MX", "organisations": "6"}
    client.post(URL, _rows({**changed, "active_members": "10"}, initial=1))
    assert CoverageTarget.objects.get().organisations == 6

    client.post(URL, _rows({**changed, "active_members": "10", "DELETE": "on"}, initial=1))
    assert not CoverageTarget.objects.exists()


def test_a_second_target_for_the_same_sector_and_country_is_refused_and_nothing_changes(client):
    client.force_login(leadership_user())
    CoverageTarget.objects.create(sector="ngo", country="BR", organisations=2, active_members=4)
    existing = CoverageTarget.objects.get()
    response = client.post(
        URL,
        _rows(
            {"id": str(existing.pk), "sector": "ngo", "country": "BR", "organisations": "3", "active_members": "4"},
            {"sector": "ngo", "country": "BR", "organisations": "9", "active_members": "9"},
            initial=1,
        ),
    )
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert list(CoverageTarget.objects.values_list("organisations", flat=True)) == [2]


def test_members_may_not_set_targets(client):
    client.force_login(MemberFactory().user)
    assert client.get(URL).status_code == 403
    assert client.post(URL, _rows({"sector": "ngo", "country": "BR", "organisations": "1"})).status_code == 403
    assert not CoverageTarget.objects.exists()
