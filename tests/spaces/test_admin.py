import pytest
from django.urls import reverse

from tests.members.factories import UserFactory
from tests.spaces.factories import first_post, participant, thread, working_group

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("without_mfa_requirement")]


@pytest.mark.parametrize(
    "model", ["space", "thread", "post", "postreport", "moderationaction", "document", "actionitem"]
)
def test_admin_lists_and_pages_render(client, model):
    initiative = working_group()
    started = thread(initiative, participant(initiative))
    assert first_post(started) is not None
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get(reverse(f"admin:spaces_{model}_changelist")).status_code == 200
