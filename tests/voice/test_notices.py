"""Voters and followers hear, exactly once, about each change a published revision makes to an item."""

import pytest

from members.models import Notification
from roadmap.models import ItemStatus, RoadmapItem
from roadmap.services import roadmap_item_move, roadmap_publish
from tests.members.factories import MemberFactory
from tests.roadmap.factories import make_roadmap, place
from tests.voice.factories import IdeaFactory
from voice.models import RevisionNotice
from voice.notices import item_changes, revision_notify
from voice.services import follow_set, idea_triage, vote_cast

pytestmark = pytest.mark.django_db


def publish(roadmap, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return roadmap_publish(roadmap=roadmap, by=None)


def test_a_status_change_reaches_every_voter_and_follower_once(django_capture_on_commit_callbacks):
    roadmap = make_roadmap()
    item = place(roadmap, 1, 3)
    quiet = place(roadmap, 4, 6)
    voter, follower, both, via_idea, bystander = MemberFactory.create_batch(5)
    vote_cast(member=voter, opportunity=item.opportunity)
    follow_set(member=follower, opportunity=item.opportunity, follow=True)
    vote_cast(member=both, opportunity=item.opportunity)
    follow_set(member=both, opportunity=item.opportunity, follow=True)
    idea = IdeaFactory()
    vote_cast(member=via_idea, idea=idea)
    idea_triage(idea=idea, by=None, opportunity=item.opportunity)
    vote_cast(member=bystander, opportunity=quiet.opportunity)
    publish(roadmap, django_capture_on_commit_callbacks)
    Notification.objects.all().delete()  # the first publication put both items on the roadmap

    RoadmapItem.objects.filter(pk=item.pk).update(status=ItemStatus.IN_PROGRESS)
    revision = publish(roadmap, django_capture_on_commit_callbacks)

    notices = Notification.objects.order_by("member_id")
    assert sorted(n.member_id for n in notices) == sorted([voter.pk, follower.pk, both.pk, via_idea.pk])
    assert all("in progress" in n.title for n in notices)
    assert all(n.url.endswith(f"#item-{item.opportunity_id}") for n in notices)
    # Running the notice again (a retried task) sends nothing more.
    assert revision_notify(revision_id=revision.pk) == 0
    assert Notification.objects.count() == 4
    assert RevisionNotice.objects.get(revision=revision).notified == 4


def test_a_revision_that_moves_an_item_tells_its_followers(django_capture_on_commit_callbacks):
    roadmap = make_roadmap()
    item = place(roadmap, 1, 3)
    follower = MemberFactory()
    follow_set(member=follower, opportunity=item.opportunity, follow=True)
    publish(roadmap, django_capture_on_commit_callbacks)
    assert Notification.objects.get(member=follower).title.endswith("is on the roadmap")

    roadmap_item_move(item=item, start_month=2, end_month=4)
    publish(roadmap, django_capture_on_commit_callbacks)
    assert Notification.objects.filter(member=follower).count() == 2
    assert Notification.objects.filter(member=follower).first().title.endswith("has moved")


def test_a_revision_without_changes_notifies_nobody(django_capture_on_commit_callbacks):
    roadmap = make_roadmap()
    item = place(roadmap, 1, 3)
    publish(roadmap, django_capture_on_commit_callbacks)
    follow_set(member=MemberFactory(), opportunity=item.opportunity, follow=True)
    publish(roadmap, django_capture_on_commit_callbacks)
    assert not Notification.objects.exists()


def test_item_changes_compares_snapshots():
    row = {
        "opportunity_id": 1,
        "title": "Library",
        "status": "planned",
        "horizon": "Now",
        "start_month": 1,
        "end_month": 3,
    }
    gone = {**row, "opportunity_id": 2, "title": "Old"}
    changes = item_changes({"items": [row, gone]}, {"items": [{**row, "status": "done"}]})
    assert set(changes) == {1, 2}
    assert "done" in changes[1][0]
    assert "off the roadmap" in changes[2][0]
