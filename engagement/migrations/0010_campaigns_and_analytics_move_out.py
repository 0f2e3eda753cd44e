"""Campaigns move out to the `campaigns` app and the roll-ups to `analytics` (docs/adr/0007-three-apps-not-two.md).

Only Django's idea of the owning app changes: the tables keep their `engagement_*` names and their rows, and the
new apps' first migrations take the models over (state only, see campaigns 0001 and analytics 0001).
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("engagement", "0009_bounces_and_undeliverable_addresses"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name="bounce",
                    name="delivery",
                ),
                migrations.RemoveField(
                    model_name="undeliverableaddress",
                    name="bounce",
                ),
                migrations.RemoveField(
                    model_name="campaign",
                    name="goal",
                ),
                migrations.RemoveField(
                    model_name="campaign",
                    name="launched_by",
                ),
                migrations.RemoveField(
                    model_name="campaign",
                    name="segment",
                ),
                migrations.RemoveField(
                    model_name="campaignstep",
                    name="campaign",
                ),
                migrations.RemoveField(
                    model_name="delivery",
                    name="campaign",
                ),
                migrations.RemoveField(
                    model_name="campaignstep",
                    name="red_flags",
                ),
                migrations.RemoveField(
                    model_name="campaignstep",
                    name="stages",
                ),
                migrations.RemoveField(
                    model_name="delivery",
                    name="step",
                ),
                migrations.RemoveField(
                    model_name="campaignsteptotals",
                    name="step",
                ),
                migrations.DeleteModel(
                    name="CohortActivity",
                ),
                migrations.RemoveField(
                    model_name="delivery",
                    name="member",
                ),
                migrations.RemoveField(
                    model_name="initiativesectorcount",
                    name="initiative",
                ),
                migrations.DeleteModel(
                    name="JoinDaily",
                ),
                migrations.RemoveField(
                    model_name="organisationengagement",
                    name="organisation",
                ),
                migrations.DeleteModel(
                    name="PeriodActive",
                ),
                migrations.DeleteModel(
                    name="RollupRefresh",
                ),
                migrations.DeleteModel(
                    name="StageWeekly",
                ),
                migrations.RemoveField(
                    model_name="undeliverableaddress",
                    name="cleared_by",
                ),
                migrations.DeleteModel(
                    name="Bounce",
                ),
                migrations.DeleteModel(
                    name="Segment",
                ),
                migrations.DeleteModel(
                    name="Campaign",
                ),
                migrations.DeleteModel(
                    name="CampaignStep",
                ),
                migrations.DeleteModel(
                    name="CampaignStepTotals",
                ),
                migrations.DeleteModel(
                    name="Delivery",
                ),
                migrations.DeleteModel(
                    name="InitiativeSectorCount",
                ),
                migrations.DeleteModel(
                    name="OrganisationEngagement",
                ),
                migrations.DeleteModel(
                    name="UndeliverableAddress",
                ),
            ],
        ),
    ]
