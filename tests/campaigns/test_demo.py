import pytest
from django.core.management import call_command

from campaigns.models import Campaign, CampaignStatus, Delivery
from campaigns.results import step_results

pytestmark = pytest.mark.django_db


def test_seed_demo_adds_a_welcome_and_an_invitation_campaign_with_history_once():
    call_command("seed_demo")
    counts = (Campaign.objects.count(), Delivery.objects.count())
    call_command("seed_demo")
    assert (Campaign.objects.count(), Delivery.objects.count()) == counts

    welcome = Campaign.objects.get(name="Welcome to The Knoble")
    invitation = Campaign.objects.get(name="Invitation: typology training")
    assert welcome.enrol_late_joiners
    assert welcome.status == CampaignStatus.RUNNING
    assert invitation.goal.slug == "typology-training-imb"
    for campaign in (welcome, invitation):
        for step in campaign.steps.all():
            step.full_clean()  # the demo's messages pass the builder's own checks
        campaign.segment.full_clean()
        first, second = step_results(campaign)
        assert first.sent > 0
        assert first.opened > 0
        assert second.waiting == first.sent
