"""Organisation admins: their colleagues' membership state, inviting colleagues, asking staff to suspend one who
left."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from directory import services
from directory.models import SuspensionRequest
from tests.members.factories import MemberFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def bank():
    organisation = OrganisationFactory(name="Northbridge Bank")
    admin = MemberFactory(organisation=organisation, is_organisation_admin=True)
    colleagues = [
        MemberFactory(organisation=organisation, user__first_name="Gone"),
        MemberFactory(organisation=organisation, status="pending", user__first_name="New"),
    ]
    return admin, colleagues


def test_the_admin_sees_colleagues_and_their_state_and_nobody_else_does(client, bank, django_assert_max_num_queries):
    admin, (gone, _new) = bank
    outsider = MemberFactory(user__first_name="Outsider")
    client.force_login(admin.user)
    with django_assert_max_num_queries(10):
        html = client.get(reverse("directory:organisation")).content.decode()
    assert "Gone" in html
    assert "New" in html
    assert "Pending approval" in html
    assert "Outsider" not in html
    client.force_login(gone.user)
    assert client.get(reverse("directory:organisation")).status_code == 403
    assert outsider.pk


def test_the_admin_asks_staff_to_suspend_a_colleague_who_left(client, bank):
    admin, (gone, _new) = bank
    client.force_login(admin.user)
    client.post(reverse("directory:organisation"), {"member": gone.pk, "reason": "Left the bank in May"})
    request = SuspensionRequest.objects.get()
    assert request.member == gone
    assert request.requested_by == admin
    gone.refresh_from_db()
    assert gone.status == "approved"  # staff decide
    with pytest.raises(ValidationError):
        services.suspension_request(by=admin, member=gone, reason="Again")
    with pytest.raises(ValidationError):
        services.suspension_request(by=gone, member=admin, reason="Not an admin")
    with pytest.raises(ValidationError):
        services.suspension_request(by=admin, member=MemberFactory(), reason="Not a colleague")


def test_the_admin_invites_colleagues_bound_to_the_organisation_with_a_larger_quota(client, bank):
    admin, _colleagues = bank
    assert services.invitation_quota(admin) == services.invitation_quota(MemberFactory()) + 5
    client.force_login(admin.user)
    client.post(reverse("directory:invitations"), {"email": "next@northbridge.example", "bind_organisation": "on"})
    invitation = admin.invitations_sent.get()
    assert invitation.organisation == admin.organisation
