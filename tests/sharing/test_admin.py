import pytest
from django.urls import reverse

from tests.members.factories import staff_user
from tests.sharing.factories import Registration314bFactory, SharingGroupFactory

pytestmark = pytest.mark.django_db


def test_staff_manage_groups_and_registrations_and_read_the_logs(client, without_mfa_requirement):
    client.force_login(staff_user())
    group, registration = SharingGroupFactory(), Registration314bFactory()
    for name in ("sharinggroup", "registration314b", "accesslog", "labelchange"):
        assert client.get(reverse(f"admin:sharing_{name}_changelist")).status_code == 200
    assert client.get(reverse("admin:sharing_sharinggroup_change", args=[group.pk])).status_code == 200
    assert client.get(reverse("admin:sharing_registration314b_change", args=[registration.pk])).status_code == 200
    assert client.get(reverse("admin:sharing_accesslog_add")).status_code == 403
