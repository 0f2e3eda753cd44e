from datetime import timedelta

import pytest
from django.utils import timezone

from knoble.celery import app
from members.models import Notification
from spaces import services, tasks
from spaces.models import Space
from tests.spaces.factories import participant, working_group

pytestmark = pytest.mark.django_db


def test_the_reminder_task_reminds_once_and_is_scheduled():
    initiative = working_group()
    owner = participant(initiative)
    services.action_item_create(
        initiative=initiative,
        by=initiative.lead,
        title="Send the draft",
        owner=owner,
        due_on=timezone.localdate() - timedelta(days=2),
    )
    assert tasks.remind_overdue_action_items() == 1
    assert tasks.remind_overdue_action_items() == 0
    assert Notification.objects.filter(member=owner).count() == 1
    tasks_scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert {"spaces.tasks.remind_overdue_action_items", "spaces.tasks.sync_space_audiences"} <= tasks_scheduled


def test_an_owner_who_left_is_not_reminded():
    initiative = working_group()
    owner = participant(initiative)
    services.action_item_create(
        initiative=initiative,
        by=initiative.lead,
        title="x",
        owner=owner,
        due_on=timezone.localdate() - timedelta(days=1),
    )
    owner.participations.update(status="left", left_at=timezone.now())
    assert tasks.remind_overdue_action_items() == 0
    assert not Notification.objects.filter(member=owner).exists()


def test_audiences_follow_who_takes_part():
    initiative = working_group()
    first = participant(initiative)
    space = services.space_ensure(initiative=initiative)
    assert set(space.audience.organisations.all()) == {first.organisation}
    second = participant(initiative)
    assert tasks.sync_space_audiences() == 1
    space = Space.objects.get(pk=space.pk)
    assert set(space.audience.organisations.all()) == {first.organisation, second.organisation}
    first.participations.update(status="left", left_at=timezone.now())
    tasks.sync_space_audiences()
    assert set(space.audience.organisations.all()) == {second.organisation}
