"""The admin index opens on what waits for staff: counts with links to the lists that hold them."""

import pytest
from django.urls import reverse

from ecosystem.models import RedFlag, ReviewState, Suggestion, SuggestionKind
from members.models import Member
from tests.ecosystem.factories import StageFactory, red_flag
from tests.members.factories import MemberFactory, UserFactory, staff_user

pytestmark = pytest.mark.django_db


def test_the_admin_index_counts_what_waits_and_links_to_it(client, without_mfa_requirement):
    MemberFactory.create_batch(2, status=Member.Status.PENDING)
    MemberFactory(status=Member.Status.APPROVED)
    Suggestion.objects.create(
        member=MemberFactory(), kind=SuggestionKind.NEW, stage=StageFactory(), text="A new pattern"
    )
    in_review = red_flag(publish=False)
    RedFlag.objects.filter(pk=in_review.pk).update(review_state=ReviewState.IN_REVIEW)
    client.force_login(staff_user())
    response = client.get(reverse("admin:index"))
    queue = {waiting.label: waiting for waiting in response.context["staff_queue"]}
    assert {label: waiting.count for label, waiting in queue.items()} == {
        "Members awaiting approval": 2,
        "Suggestions to review": 1,
        "Red flags to verify": 1,
        "Translations gone stale": 0,
        "Ideas to triage": 0,
        "Reported posts in spaces": 0,
        "Red flags with outcome evidence to review": 0,
        "Suspension requests from organisation admins": 0,
        "Reported introduction requests": 0,
    }
    content = response.content.decode()
    assert "Waiting for staff" in content
    for waiting in queue.values():
        assert waiting.url.replace("&", "&amp;") in content
        assert client.get(waiting.url).status_code == 200
    members = client.get(queue["Members awaiting approval"].url)
    assert members.context["cl"].result_count == 2


def test_a_staff_member_sees_only_the_lists_they_may_view(client, without_mfa_requirement):
    user = UserFactory(is_staff=True)
    client.force_login(user)
    response = client.get(reverse("admin:index"))
    assert response.context["staff_queue"] == []
    assert "Waiting for staff" not in response.content.decode()
