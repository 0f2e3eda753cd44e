"""Upgrading a populated database: campaigns and roll-ups move out of engagement and lose nothing."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType

from analytics.models import CampaignStepTotals, RollupRefresh
from campaigns.models import Bounce, Campaign, Delivery
from tests.migrating import migrate

BEFORE = [("engagement", "0009_bounces_and_undeliverable_addresses")]
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _permission_in_group(old_apps, *, model: str, group_name: str):
    content_types = old_apps.get_model("contenttypes", "ContentType").objects
    content_types.filter(model=model).delete()
    old_type = content_types.create(app_label="engagement", model=model)
    permission = old_apps.get_model("auth", "Permission").objects.create(
        content_type=old_type, codename=f"view_{model}", name=f"Can view {model}"
    )
    old_apps.get_model("auth", "Group").objects.get_or_create(name=group_name)[0].permissions.add(permission)
    return old_type, permission


@pytest.mark.django_db(transaction=True)
def test_campaigns_rollups_and_their_permissions_survive_the_move_out_of_engagement():
    old_apps = migrate(BEFORE)
    try:
        user = old_apps.get_model("members", "User").objects.create(email="m@example.org")
        organisation = old_apps.get_model("members", "Organisation").objects.create(
            name="Bank", sector="financial_institution"
        )
        member = old_apps.get_model("members", "Member").objects.create(user=user, organisation=organisation)
        segment = old_apps.get_model("engagement", "Segment").objects.create(name="Everyone", rules=[])
        campaign = old_apps.get_model("engagement", "Campaign").objects.create(
            name="Welcome", segment=segment, status="running", starts_at=NOW
        )
        step = old_apps.get_model("engagement", "CampaignStep").objects.create(
            campaign=campaign, position=1, delay=timedelta(0), channel="email", subject="Hi", body="Hello"
        )
        delivery = old_apps.get_model("engagement", "Delivery").objects.create(
            step=step, campaign=campaign, member=member, status="bounced", due_at=NOW
        )
        bounce = old_apps.get_model("engagement", "Bounce").objects.create(
            delivery=delivery, kind="hard", email="m@example.org", action="failed", status="5.1.1", message_key="k1"
        )
        old_apps.get_model("engagement", "CampaignStepTotals").objects.create(
            step=step, sent=1, bounced=1, opened=0, clicked=0, converted=0
        )
        refresh = old_apps.get_model("engagement", "RollupRefresh").objects.create(
            finished_at=NOW, as_of=NOW, seconds=1.5
        )
        campaign_type, campaign_permission = _permission_in_group(old_apps, model="campaign", group_name="Staff")
        refresh_type, refresh_permission = _permission_in_group(old_apps, model="rolluprefresh", group_name="Staff")
    finally:
        migrate()

    moved = Delivery.objects.select_related("campaign__segment", "step").get(pk=delivery.pk)
    assert (moved.campaign.name, moved.campaign.segment.name, moved.step.subject, moved.member_id, moved.status) == (
        "Welcome",
        "Everyone",
        "Hi",
        member.pk,
        "bounced",
    )
    assert Campaign.objects.get(pk=campaign.pk).status == "running"
    assert Bounce.objects.get(pk=bounce.pk).delivery_id == delivery.pk
    assert CampaignStepTotals.objects.get(step_id=step.pk).bounced == 1
    assert RollupRefresh.objects.get(pk=refresh.pk).seconds == 1.5

    ContentType.objects.clear_cache()
    assert ContentType.objects.get(pk=campaign_type.pk).app_label == "campaigns"
    assert ContentType.objects.get(pk=refresh_type.pk).app_label == "analytics"
    staff = Group.objects.get(name="Staff")
    assert set(staff.permissions.filter(pk__in=[campaign_permission.pk, refresh_permission.pk])) == {
        Permission.objects.get(content_type__app_label="campaigns", codename="view_campaign"),
        Permission.objects.get(content_type__app_label="analytics", codename="view_rolluprefresh"),
    }
