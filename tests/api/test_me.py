import pytest

from members.models import Activity, Verb
from tests.personas.factories import PersonaFactory

pytestmark = pytest.mark.django_db
ME = "/api/v1/me/"


def test_a_member_reads_and_updates_their_profile_through_the_service(callers):
    member = callers["member"]
    persona = PersonaFactory()
    response = member.client.patch(
        ME, {"first_name": "Ada", "job_title": "Analyst", "persona": persona.pk, "timezone": "Europe/Paris"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["first_name"] == "Ada"
    member.member.refresh_from_db()
    assert (member.member.job_title, member.member.persona_id, member.member.user.first_name) == (
        "Analyst",
        persona.pk,
        "Ada",
    )
    change = Activity.objects.get(member=member.member, verb=Verb.PROFILE_UPDATED)
    assert change.details == {"fields": ["first_name", "job_title", "persona", "timezone"]}


def test_status_and_email_cannot_be_changed_and_bad_values_are_refused(callers):
    member = callers["member"]
    retired = PersonaFactory(is_active=False)
    assert member.client.patch(ME, {"status": "left", "email": "x@example.org"}).json()["status"] == "approved"
    refused = member.client.patch(ME, {"persona": retired.pk, "timezone": "Mars/Olympus"})
    assert refused.status_code == 400
    assert set(refused.json()["error"]["fields"]) == {"persona", "timezone"}
