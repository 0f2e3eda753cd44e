"""Members may choose their primary persona on their profile, among the active personas."""

import pytest
from django.urls import reverse

from members.models import Activity, Verb
from tests.members.factories import MemberFactory
from tests.personas.factories import PersonaFactory

pytestmark = pytest.mark.django_db


def profile_data(**member):
    return {
        "user-first_name": "Rosa",
        "user-last_name": "Silva",
        "member-job_title": "Analyst",
        "member-timezone": "UTC",
        **{f"member-{key}": value for key, value in member.items()},
    }


def test_a_member_chooses_an_active_persona(client):
    member = MemberFactory()
    persona = PersonaFactory(name="AML investigator at a regional bank")
    client.force_login(member.user)
    page = client.get(reverse("members:profile")).content.decode()
    assert "AML investigator at a regional bank" in page
    assert client.post(reverse("members:profile"), profile_data(persona=persona.pk)).status_code == 302
    member.refresh_from_db()
    assert member.persona == persona
    assert "persona" in Activity.objects.get(member=member, verb=Verb.PROFILE_UPDATED).details["fields"]


def test_inactive_personas_cannot_be_chosen(client):
    member = MemberFactory()
    retired = PersonaFactory(name="Retired persona", is_active=False)
    client.force_login(member.user)
    assert "Retired persona" not in client.get(reverse("members:profile")).content.decode()
    response = client.post(reverse("members:profile"), profile_data(persona=retired.pk))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    member.refresh_from_db()
    assert member.persona is None


def test_a_retired_persona_set_by_staff_does_not_block_saving(client):
    retired = PersonaFactory(is_active=False)
    member = MemberFactory(persona=retired)
    client.force_login(member.user)
    assert client.post(reverse("members:profile"), profile_data(persona=retired.pk)).status_code == 302
