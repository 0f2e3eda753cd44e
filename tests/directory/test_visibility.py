"""Field visibility per viewer, the same in the page, the search, the CSV and the API; leaving the directory
removes a member from every channel at once."""

import csv
import io

import pytest
from django.urls import reverse

from directory.models import ProfileJurisdiction, ProfileLanguage, Visibility
from tests.directory.factories import ExpertiseFactory, ProfileFactory
from tests.members.factories import MemberFactory, OrganisationFactory, staff_user

pytestmark = pytest.mark.django_db

DIRECTORY_SEARCH_QUERIES = 8


@pytest.fixture
def world():
    bank = OrganisationFactory(name="Northbridge Bank", country="GB")
    police = OrganisationFactory(name="Metro Police", sector="law_enforcement", country="US")
    expertise = ExpertiseFactory(name="Financial analysis")
    liaison = ProfileFactory(
        member=MemberFactory(organisation=bank, user__first_name="Lena", user__last_name="Liaison"),
        liaison_role="law_enforcement",
        liaison_role_visibility=Visibility.MEMBERS,
        jurisdictions_visibility=Visibility.ORGANISATION,
        languages_visibility=Visibility.STAFF,
        sector_visibility=Visibility.ORGANISATION,
    )
    liaison.expertise.add(expertise)
    ProfileJurisdiction.objects.create(profile=liaison, country="MX")
    ProfileLanguage.objects.create(profile=liaison, language="es")
    colleague = MemberFactory(organisation=bank)
    detective = MemberFactory(organisation=police, user__first_name="Dee", user__last_name="Detective")
    ProfileFactory(member=detective)
    return {"liaison": liaison, "colleague": colleague, "detective": detective, "expertise": expertise}


def _channels(client, params: str = "") -> dict[str, str]:
    """What each channel shows: the page's HTML, the CSV and the API's JSON, as text."""
    html = client.get(reverse("directory:directory") + params).content.decode()
    # The entries only: the filters' lists name every country and language.
    page = html.split('<ul class="directory-entries">', 1)[1] if "directory-entries" in html else ""
    csv_text = client.get(reverse("directory:csv") + params).content.decode()
    api = client.get("/api/v1/directory/" + params).content.decode()
    return {"page": page, "csv": csv_text, "api": api}


def test_another_organisations_member_sees_the_members_fields_only(client, world):
    client.force_login(world["detective"].user)
    for channel, text in _channels(client).items():
        assert "Lena Liaison" in text, channel
        assert "Northbridge Bank" in text, channel
        assert "Financial analysis" in text, channel
        assert "Law-enforcement liaison" in text, channel
        assert "Mexico" not in text, channel  # jurisdictions: my organisation only
        assert "Spanish" not in text, channel  # languages: staff only
        assert "Financial institution" not in text, channel  # sector: my organisation only
        assert world["liaison"].phone not in text, channel  # contact details: never in the directory
        assert world["liaison"].member.user.email not in text, channel


def test_a_colleague_sees_the_organisation_fields_and_staff_see_all(client, world, without_mfa_requirement):
    client.force_login(world["colleague"].user)
    for channel, text in _channels(client).items():
        assert "Mexico" in text, channel
        assert "Spanish" not in text, channel
    client.force_login(staff_user())
    for channel, text in _channels(client).items():
        assert "Mexico" in text, channel
        assert "Spanish" in text, channel
        assert world["liaison"].phone not in text, channel


def test_search_never_matches_on_a_field_hidden_from_the_viewer(client, world):
    client.force_login(world["detective"].user)
    assert "Lena Liaison" not in _channels(client, "?jurisdiction=MX")["api"]
    assert "Lena Liaison" not in _channels(client, "?language=es")["page"]
    hidden = _channels(client, "?sector=financial_institution")
    assert all("Lena Liaison" not in text for text in hidden.values())
    found = _channels(client, f"?expertise={world['expertise'].pk}&liaison_role=law_enforcement&q=Lena")
    assert all("Lena Liaison" in text for text in found.values())
    assert all("Dee Detective" not in text for text in found.values())
    client.force_login(world["colleague"].user)
    assert "Lena Liaison" in _channels(client, "?jurisdiction=MX")["api"]


def test_a_hidden_name_is_not_shown_nor_searchable(client, world):
    profile = world["liaison"]
    profile.name_visibility = Visibility.STAFF
    profile.save()
    client.force_login(world["detective"].user)
    for channel, text in _channels(client).items():
        assert "Lena" not in text, channel
    assert "Northbridge" not in _channels(client, "?q=Lena")["csv"]
    assert "Northbridge" in _channels(client, "?q=Northbridge")["csv"]


def test_leaving_the_directory_removes_the_member_from_every_channel_at_once(client, world):
    client.force_login(world["detective"].user)
    assert all("Lena Liaison" in text for text in _channels(client).values())
    client.force_login(world["liaison"].member.user)
    response = client.post(
        reverse("directory:profile"),
        {
            **{
                f"{name}_visibility": "members"
                for name in [
                    "name",
                    "organisation",
                    "sector",
                    "expertise",
                    "jurisdictions",
                    "languages",
                    "liaison_role",
                ]
            },
            "liaison_role": "law_enforcement",
        },
    )
    assert response.status_code == 302
    client.force_login(world["detective"].user)
    for channel, text in _channels(client).items():
        assert "Lena Liaison" not in text, channel
    assert "Dee Detective" in _channels(client)["page"]
    assert (
        client.post(
            reverse("directory:introduction_request"), {"member": world["liaison"].member_id, "reason": "Hello"}
        ).status_code
        == 302
    )
    assert not world["liaison"].member.introductions_received.exists()


def test_pending_members_are_not_listed_and_cannot_open_the_directory(client, world):
    pending = MemberFactory(status="pending", user__first_name="Penny")
    ProfileFactory(member=pending)
    client.force_login(world["detective"].user)
    assert "Penny" not in _channels(client)["page"]
    client.force_login(pending.user)
    assert client.get(reverse("directory:directory")).status_code in (302, 403)
    assert client.get("/api/v1/directory/").status_code == 403


def test_the_csv_has_a_row_per_visible_member_and_nulls_for_hidden_fields(client, world):
    client.force_login(world["detective"].user)
    rows = list(csv.DictReader(io.StringIO(client.get(reverse("directory:csv")).content.decode())))
    lena = next(row for row in rows if row["name"] == "Lena Liaison")
    assert lena["jurisdictions"] == ""
    assert lena["expertise"] == "Financial analysis"


def test_the_directory_page_csv_and_api_cost_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    for _ in range(15):
        profile = ProfileFactory()
        profile.expertise.add(world["expertise"])
        ProfileJurisdiction.objects.create(profile=profile, country="FR")
    client.force_login(world["detective"].user)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("directory:directory")).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(reverse("directory:csv")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get("/api/v1/directory/").status_code == 200


@pytest.mark.parametrize("extra", [0, 15])
def test_a_directory_search_has_a_pinned_query_count_whatever_the_matches(
    client, world, django_assert_num_queries, extra
):
    for _ in range(extra):
        profile = ProfileFactory(member=MemberFactory(organisation=world["liaison"].member.organisation))
        profile.expertise.add(world["expertise"])
        ProfileJurisdiction.objects.create(profile=profile, country="FR")
    client.force_login(world["detective"].user)
    url = reverse("directory:directory")
    client.get(url, {"q": "Northbridge"})  # warm the session and permission caches
    with django_assert_num_queries(DIRECTORY_SEARCH_QUERIES):
        response = client.get(url, {"q": "Northbridge"})
    assert response.status_code == 200
    assert b"Lena" in response.content
