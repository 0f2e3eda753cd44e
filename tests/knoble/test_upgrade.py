"""Upgrading a populated database from an old release loses nothing.

One upgrade for the whole module: the test database's schema is dropped and migrated forward, as a new database, to
an old release, filled the way that release left it, carried forward through each step whose data migration is
under test, filling what that step found, and migrated to today. Each test then reads what came out, in a
transaction of its own. Migrating the whole project is the slowest thing a test can do, so it is done once here
rather than once per checked migration, and forward only (unapplying the migrations since the old release took
three times as long: tests/migrating.py).

What is checked:
- the inbox moved from initiatives to members, with its permissions (members 0006);
- existing activity got the origin its verb and channel tell, and stays append-only (members 0007);
- existing members kept their e-mail consent, marked unrecorded (members 0008);
- campaigns and roll-ups moved out of engagement, with their permissions (engagement 0010);
- free-text sources became Source records their red flags cite, without a passage (ecosystem 0003–0005)."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.apps.registry import Apps
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management.sql import emit_post_migrate_signal
from django.db import DatabaseError, transaction
from django.utils import timezone

from analytics.models import CampaignStepTotals, RollupRefresh
from campaigns.models import Bounce, Campaign, Delivery
from ecosystem.models import Citation, RedFlag, Source, SourceKind
from members.consent import consent_unrecorded
from members.models import Activity, ConsentMethod, EmailConsent, Member, Notification
from tests.emptying import empty_database
from tests.migrating import empty_schema, migrate

# The old release: before the inbox moved to members, campaigns left engagement and sources became records.
OLD_RELEASE = [
    ("members", "0005_redundant_foreign_key_indexes"),
    ("initiatives", "0005_history_of_personas_stages_and_red_flags"),
    ("engagement", "0009_bounces_and_undeliverable_addresses"),
    ("ecosystem", "0002_same_category_foreign_keys"),
]
# The release that had the inbox in members, before activity had an origin and consent a history.
INBOX_IN_MEMBERS = [("members", "0006_notification_moves_to_members")]
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
FINCEN = "FinCEN Advisory FIN-2014-A008, Financial Red Flags (11 September 2014)"
ACTIVITY_ORIGINS = {
    ("message_sent", "system"): "system",
    ("initiative_promoted", "system"): "system",
    ("initiative_promoted", "admin"): "staff",
    ("initiative_joined", "admin"): "staff",
    ("initiative_joined", "web"): "member",
    ("approved", "admin"): "staff",
    ("logged_in", "web"): "member",
    ("link_clicked", "email"): "member",
}


@dataclass
class Before:
    """The primary keys of what the old releases held, by what each test checks."""

    ids: dict[str, Any] = field(default_factory=dict)


def _moved_content_type(old_apps: Apps, *, app_label: str, model: str, group_name: str | None = None) -> tuple:
    """A content type and its view permission as the old release registered them, in a group if named."""
    content_types = old_apps.get_model("contenttypes", "ContentType").objects
    content_types.filter(model=model).delete()
    old_type = content_types.create(app_label=app_label, model=model)
    permission = old_apps.get_model("auth", "Permission").objects.create(
        content_type=old_type, codename=f"view_{model}", name=f"Can view {model}"
    )
    if group_name:
        old_apps.get_model("auth", "Group").objects.get_or_create(name=group_name)[0].permissions.add(permission)
    return old_type.pk, permission.pk


def _old_member(old_apps: Apps, email: str, **fields) -> Any:
    user = old_apps.get_model("members", "User").objects.create(email=email)
    return old_apps.get_model("members", "Member").objects.create(user=user, **fields)


def _fill_old_release(old_apps: Apps, before: Before) -> None:
    organisation = old_apps.get_model("members", "Organisation").objects.create(
        name="Bank", sector="financial_institution"
    )
    reader = _old_member(old_apps, "reader@example.org", organisation=organisation)
    notification = old_apps.get_model("initiatives", "Notification").objects.create(
        member=reader, kind="promoted", title="You are in", url="/initiatives/"
    )
    before.ids["notification"] = (notification.pk, reader.pk)
    before.ids["notification_type"] = _moved_content_type(old_apps, app_label="initiatives", model="notification")

    recipient = _old_member(old_apps, "m@example.org", organisation=organisation)
    segment = old_apps.get_model("engagement", "Segment").objects.create(name="Everyone", rules=[])
    campaign = old_apps.get_model("engagement", "Campaign").objects.create(
        name="Welcome", segment=segment, status="running", starts_at=NOW
    )
    step = old_apps.get_model("engagement", "CampaignStep").objects.create(
        campaign=campaign, position=1, delay=timedelta(0), channel="email", subject="Hi", body="Hello"
    )
    delivery = old_apps.get_model("engagement", "Delivery").objects.create(
        step=step, campaign=campaign, member=recipient, status="bounced", due_at=NOW
    )
    bounce = old_apps.get_model("engagement", "Bounce").objects.create(
        delivery=delivery, kind="hard", email="m@example.org", action="failed", status="5.1.1", message_key="k1"
    )
    old_apps.get_model("engagement", "CampaignStepTotals").objects.create(
        step=step, sent=1, bounced=1, opened=0, clicked=0, converted=0
    )
    refresh = old_apps.get_model("engagement", "RollupRefresh").objects.create(finished_at=NOW, as_of=NOW, seconds=1.5)
    before.ids["campaign"] = {
        "campaign": campaign.pk,
        "step": step.pk,
        "delivery": delivery.pk,
        "bounce": bounce.pk,
        "refresh": refresh.pk,
        "member": recipient.pk,
        "campaign_type": _moved_content_type(old_apps, app_label="engagement", model="campaign", group_name="Staff"),
        "refresh_type": _moved_content_type(
            old_apps, app_label="engagement", model="rolluprefresh", group_name="Staff"
        ),
    }

    category = old_apps.get_model("ecosystem", "TraffickingCategory").objects.create(
        name="IMB", slug="imb", status="mapped", order=1
    )
    stage = old_apps.get_model("ecosystem", "Stage").objects.create(category=category, name="Revenue", order=1)
    old_flags = old_apps.get_model("ecosystem", "RedFlag").objects
    before.ids["red_flags"] = {
        "first": old_flags.create(category=category, stage=stage, indicator="One", source=FINCEN).pk,
        "published": old_flags.create(
            category=category,
            stage=stage,
            indicator="Two",
            source=FINCEN,
            review_state="published",
            version=1,
            published_at="2026-01-01T00:00:00Z",
        ).pk,
        "polaris": old_flags.create(
            category=category,
            stage=stage,
            indicator="Three",
            source="Polaris Project, a report",
            source_url="https://x.example",
        ).pk,
    }


def _fill_inbox_in_members_release(old_apps: Apps, before: Before) -> None:
    actor = _old_member(old_apps, "o@example.org")
    activity = old_apps.get_model("members", "Activity")
    activity.objects.bulk_create(
        activity(member=actor, verb=verb, source=source, occurred_at=timezone.now())
        for verb, source in ACTIVITY_ORIGINS
    )
    before.ids["activity_member"] = actor.pk
    before.ids["consent"] = {
        "agreed": _old_member(old_apps, "yes@example.org", consent_email=True).pk,
        "declined": _old_member(old_apps, "no@example.org", consent_email=False).pk,
    }


@pytest.fixture(scope="module")
def before(django_db_setup, django_db_blocker) -> Iterator[Before]:
    """Runs the upgrade once for the module, then empties the database as a transactional test would."""
    before = Before()
    with django_db_blocker.unblock():
        try:
            empty_schema()
            old_apps = migrate(OLD_RELEASE)
            # What the old release's `migrate` left besides: its models' content types and permissions, the roles.
            emit_post_migrate_signal(verbosity=0, interactive=False, db="default", apps=old_apps)
            _fill_old_release(old_apps, before)
            _fill_inbox_in_members_release(migrate(INBOX_IN_MEMBERS), before)
        finally:
            migrate()
        ContentType.objects.clear_cache()
        yield before
        empty_database()
        ContentType.objects.clear_cache()


@pytest.mark.django_db
def test_notifications_and_their_permissions_survive_the_move_to_members(before):
    notification_pk, member_pk = before.ids["notification"]
    moved = Notification.objects.get(pk=notification_pk)
    assert (moved.member_id, moved.kind, moved.title, moved.url) == (
        member_pk,
        "promoted",
        "You are in",
        "/initiatives/",
    )
    type_pk, permission_pk = before.ids["notification_type"]
    assert ContentType.objects.get(pk=type_pk).app_label == "members"
    assert Permission.objects.get(pk=permission_pk).content_type.app_label == "members"


@pytest.mark.django_db
def test_existing_activity_gets_the_origin_its_verb_and_channel_tell_and_stays_append_only(before):
    rows = Activity.objects.filter(member_id=before.ids["activity_member"])
    assert {(row.verb, row.source): row.origin for row in rows} == ACTIVITY_ORIGINS
    with pytest.raises(DatabaseError), transaction.atomic():
        rows.update(origin="member")


@pytest.mark.django_db
def test_existing_members_keep_their_consent_marked_unrecorded(before):
    agreed, declined = before.ids["consent"]["agreed"], before.ids["consent"]["declined"]
    assert Member.objects.get(pk=agreed).consent_email is True
    assert Member.objects.get(pk=declined).consent_email is False
    assert set(
        EmailConsent.objects.filter(member_id__in=[agreed, declined]).values_list("member_id", "given", "how")
    ) == {(agreed, True, ConsentMethod.UNRECORDED), (declined, False, ConsentMethod.UNRECORDED)}
    unrecorded = Member.objects.filter(consent_unrecorded(), pk__in=[agreed, declined])
    assert set(unrecorded.values_list("pk", flat=True)) == {agreed, declined}


@pytest.mark.django_db
def test_campaigns_rollups_and_their_permissions_survive_the_move_out_of_engagement(before):
    ids = before.ids["campaign"]
    moved = Delivery.objects.select_related("campaign__segment", "step").get(pk=ids["delivery"])
    assert (moved.campaign.name, moved.campaign.segment.name, moved.step.subject, moved.member_id, moved.status) == (
        "Welcome",
        "Everyone",
        "Hi",
        ids["member"],
        "bounced",
    )
    assert Campaign.objects.get(pk=ids["campaign"]).status == "running"
    assert Bounce.objects.get(pk=ids["bounce"]).delivery_id == ids["delivery"]
    assert CampaignStepTotals.objects.get(step_id=ids["step"]).bounced == 1
    assert RollupRefresh.objects.get(pk=ids["refresh"]).seconds == 1.5

    (campaign_type, campaign_permission), (refresh_type, refresh_permission) = ids["campaign_type"], ids["refresh_type"]
    assert ContentType.objects.get(pk=campaign_type).app_label == "campaigns"
    assert ContentType.objects.get(pk=refresh_type).app_label == "analytics"
    staff = Group.objects.get(name="Staff")
    assert set(staff.permissions.filter(pk__in=[campaign_permission, refresh_permission])) == {
        Permission.objects.get(content_type__app_label="campaigns", codename="view_campaign"),
        Permission.objects.get(content_type__app_label="analytics", codename="view_rolluprefresh"),
    }


@pytest.mark.django_db
def test_free_text_sources_become_records_cited_without_a_passage(before):
    flags = before.ids["red_flags"]
    assert Source.objects.count() == 2
    advisory = Source.objects.get(title=FINCEN)
    assert (advisory.kind, advisory.issuer, advisory.jurisdiction) == (
        SourceKind.REGULATOR_ADVISORY,
        "FinCEN",
        "United States",
    )
    assert Source.objects.get(url="https://x.example").kind == SourceKind.NGO_REPORT
    assert set(Citation.objects.values_list("red_flag_id", "source__title")) == {
        (flags["first"], FINCEN),
        (flags["published"], FINCEN),
        (flags["polaris"], "Polaris Project, a report"),
    }
    # No passage was named before: the citations wait for staff to locate and quote one.
    assert not any(citation.is_complete for citation in Citation.objects.all())
    assert RedFlag.objects.count() == 3
    assert list(RedFlag.objects.published().values_list("pk", "published_before_review", "verified_by")) == [
        (flags["published"], True, None)
    ]
