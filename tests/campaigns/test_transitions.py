"""Staff actions on a campaign: launch, pause, resume, cancel, and the author each one records."""

from datetime import timedelta

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.core import mail
from django.core.exceptions import ValidationError

from campaigns.models import CampaignStatus
from campaigns.transitions import campaign_cancel, campaign_launch, campaign_pause, campaign_resume
from tests.campaigns.factories import (
    CampaignFactory,
    CampaignStepFactory,
    deliveries,
    launched,
)
from tests.members.factories import MemberFactory, staff_user

pytestmark = pytest.mark.django_db


def test_pause_resume_and_cancel_record_their_author_in_the_campaigns_history():
    campaign = CampaignFactory()
    CampaignStepFactory(campaign=campaign)
    launcher, pauser, resumer, canceller = (staff_user() for _ in range(4))
    campaign_launch(campaign=campaign, actor=launcher)
    campaign_pause(campaign=campaign, actor=pauser)
    campaign_resume(campaign=campaign, actor=resumer)
    campaign_cancel(campaign=campaign, actor=canceller)

    history = LogEntry.objects.filter(object_id=str(campaign.pk), content_type__model="campaign").order_by("pk")
    assert [(entry.user_id, entry.action_flag, entry.change_message) for entry in history] == [
        (pauser.pk, CHANGE, "Paused."),
        (resumer.pk, CHANGE, "Resumed."),
        (canceller.pk, CHANGE, "Cancelled."),
    ]


def test_launch_needs_a_draft_with_steps():
    campaign = CampaignFactory()
    with pytest.raises(ValidationError, match="has no steps"):
        campaign_launch(campaign=campaign, actor=staff_user())
    CampaignStepFactory(campaign=campaign, position=1)
    campaign_launch(campaign=campaign, actor=staff_user())
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.RUNNING
    with pytest.raises(ValidationError, match="is running: it cannot be launched"):
        campaign_launch(campaign=campaign, actor=staff_user())


def test_pause_resume_and_cancel(run_engine):
    MemberFactory()
    campaign = launched({}, {"delay": timedelta(0)})
    run_engine()
    campaign_pause(campaign=campaign, actor=staff_user())
    run_engine()
    assert len(mail.outbox) == 1
    assert not deliveries(campaign, 2).exists()  # a paused campaign does not advance
    campaign_resume(campaign=campaign, actor=staff_user())
    run_engine()
    assert len(mail.outbox) == 2

    MemberFactory()
    other = launched({}, {"delay": timedelta(days=1)})
    run_engine()
    run_engine()  # writes step 2, due tomorrow
    campaign_cancel(campaign=other, actor=staff_user())
    assert set(deliveries(other).values_list("status", flat=True)) == {"sent", "skipped"}
    with pytest.raises(ValidationError, match="cannot be resumed"):
        campaign_resume(campaign=other, actor=staff_user())
