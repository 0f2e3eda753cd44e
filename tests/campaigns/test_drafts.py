from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from campaigns.drafts import campaign_create, campaign_update
from campaigns.models import CampaignStatus, CampaignStep, Channel
from tests.campaigns.factories import CampaignFactory, CampaignStepFactory, SegmentFactory
from tests.ecosystem.factories import StageFactory, red_flag

pytestmark = pytest.mark.django_db


def step(position: int, **fields) -> dict:
    return {
        "position": position,
        "delay": timedelta(days=position - 1),
        "channel": Channel.EMAIL,
        "subject": "Hi",
        "body": "Welcome, {name}.",
    } | fields


def test_a_campaign_is_created_with_its_steps_and_their_links():
    stage, flag = StageFactory(), red_flag()
    campaign = campaign_create(
        fields={"name": "Welcome", "segment": SegmentFactory()},
        steps=[step(1, stages=[stage], red_flags=[flag]), step(2)],
    )
    first, second = campaign.steps.order_by("position")
    assert (list(first.stages.all()), list(first.red_flags.all())) == ([stage], [flag])
    assert (second.delay, list(second.stages.all())) == (timedelta(days=1), [])


def test_a_draft_s_steps_are_replaced_as_a_whole():
    campaign = CampaignFactory(name="Welcome")
    old = CampaignStepFactory(campaign=campaign, position=1)
    updated = campaign_update(campaign=campaign, fields={"name": "Welcome back"}, steps=[step(1, subject="New")])
    assert updated.name == "Welcome back"
    assert list(CampaignStep.objects.filter(campaign=campaign).values_list("subject", flat=True)) == ["New"]
    assert not CampaignStep.objects.filter(pk=old.pk).exists()


def test_a_launched_campaign_s_steps_are_refused_and_nothing_changes():
    campaign = CampaignFactory(name="Welcome", status=CampaignStatus.RUNNING)
    kept = CampaignStepFactory(campaign=campaign, position=1, subject="Kept")
    with pytest.raises(ValidationError, match="its steps can no longer change"):
        campaign_update(campaign=campaign, fields={"name": "Renamed"}, steps=[step(1, subject="New")])
    campaign.refresh_from_db()
    assert campaign.name == "Welcome"
    assert list(campaign.steps.values_list("pk", "subject")) == [(kept.pk, "Kept")]


def test_a_launched_campaign_s_own_fields_still_change():
    campaign = CampaignFactory(status=CampaignStatus.RUNNING)
    campaign_update(campaign=campaign, fields={"track_opens": True}, steps=None)
    campaign.refresh_from_db()
    assert campaign.track_opens
    assert campaign.status == CampaignStatus.RUNNING
