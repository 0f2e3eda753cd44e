"""Staff actions record who took them: the campaign's admin history names the author."""

import pytest
from django.contrib.admin.models import CHANGE, LogEntry

from campaigns.transitions import campaign_cancel, campaign_launch, campaign_pause, campaign_resume
from tests.campaigns.factories import CampaignFactory, CampaignStepFactory
from tests.members.factories import staff_user

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
