"""Writing a campaign together with its steps, as the API does: the steps are replaced as a whole, and only
while the campaign is a draft (once launched, the deliveries written follow them)."""

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from campaigns.models import Campaign, CampaignStatus, CampaignStep
from ecosystem.models import RedFlag, Stage

# A step's columns, with the map pages it links to under these names.
STEP_LINKS = ("stages", "red_flags")
StepFields = dict[str, Any]


@transaction.atomic
def campaign_create(*, fields: dict[str, Any], steps: Sequence[StepFields]) -> Campaign:
    campaign = Campaign.objects.create(**fields)
    _steps_create(campaign, steps)
    return campaign


@transaction.atomic
def campaign_update(*, campaign: Campaign, fields: dict[str, Any], steps: Sequence[StepFields] | None) -> Campaign:
    """Changes the campaign's own fields at any time; its steps (when given) only while it is a draft."""
    # Locked, and its status read under the lock: a launch in between would leave deliveries without steps.
    locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if steps is not None:
        if locked.status != CampaignStatus.DRAFT:
            raise ValidationError(_("“%(locked)s” is launched: its steps can no longer change.") % {"locked": locked})
        locked.steps.all().delete()
        _steps_create(locked, steps)
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.save()
    return locked


def _steps_create(campaign: Campaign, steps: Sequence[StepFields]) -> None:
    """Writes the steps, then their links to the map in one insert per kind of link."""
    columns = [{name: value for name, value in step.items() if name not in STEP_LINKS} for step in steps]
    created = CampaignStep.objects.bulk_create(CampaignStep(campaign=campaign, **step) for step in columns)
    stages: list[list[Stage]] = [list(step.get("stages", [])) for step in steps]
    red_flags: list[list[RedFlag]] = [list(step.get("red_flags", [])) for step in steps]
    step_stages, step_red_flags = CampaignStep.stages.through, CampaignStep.red_flags.through
    step_stages.objects.bulk_create(
        step_stages(campaignstep_id=step.pk, stage_id=stage.pk)
        for step, linked in zip(created, stages, strict=True)
        for stage in linked
    )
    step_red_flags.objects.bulk_create(
        step_red_flags(campaignstep_id=step.pk, redflag_id=red_flag.pk)
        for step, linked in zip(created, red_flags, strict=True)
        for red_flag in linked
    )
