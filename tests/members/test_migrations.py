"""Upgrading a populated database: the inbox moves from initiatives to members and loses nothing; existing
members keep their e-mail consent, marked unrecorded."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, transaction
from django.utils import timezone

from members.consent import consent_unrecorded
from members.models import Activity, ConsentMethod, EmailConsent, Member, Notification
from tests.migrating import migrate

BEFORE = [
    ("members", "0005_redundant_foreign_key_indexes"),
    ("initiatives", "0005_history_of_personas_stages_and_red_flags"),
]


@pytest.mark.django_db(transaction=True)
def test_notifications_and_their_permissions_survive_the_move_to_members():
    old_apps = migrate(BEFORE)
    try:
        user = old_apps.get_model("members", "User").objects.create(email="m@example.org")
        organisation = old_apps.get_model("members", "Organisation").objects.create(
            name="Bank", sector="financial_institution"
        )
        member = old_apps.get_model("members", "Member").objects.create(user=user, organisation=organisation)
        old_notification = old_apps.get_model("initiatives", "Notification").objects.create(
            member=member, kind="promoted", title="You are in", url="/initiatives/"
        )
        content_types = old_apps.get_model("contenttypes", "ContentType").objects
        content_types.filter(model="notification").delete()
        old_type = content_types.create(app_label="initiatives", model="notification")
        permission = old_apps.get_model("auth", "Permission").objects.create(
            content_type=old_type, codename="view_notification", name="Can view notification"
        )
    finally:
        migrate()

    moved = Notification.objects.get(pk=old_notification.pk)
    assert (moved.member_id, moved.kind, moved.title, moved.url) == (
        member.pk,
        "promoted",
        "You are in",
        "/initiatives/",
    )

    ContentType.objects.clear_cache()
    assert ContentType.objects.get(pk=old_type.pk).app_label == "members"
    assert Permission.objects.get(pk=permission.pk).content_type.app_label == "members"


@pytest.mark.django_db(transaction=True)
def test_existing_activity_gets_the_origin_its_verb_and_channel_tell_and_stays_append_only():
    old_apps = migrate([("members", "0006_notification_moves_to_members")])
    try:
        user = old_apps.get_model("members", "User").objects.create(email="o@example.org")
        member = old_apps.get_model("members", "Member").objects.create(user=user)
        rows = {
            ("message_sent", "system"): "system",
            ("initiative_promoted", "system"): "system",
            ("initiative_promoted", "admin"): "staff",
            ("initiative_joined", "admin"): "staff",
            ("initiative_joined", "web"): "member",
            ("approved", "admin"): "staff",
            ("logged_in", "web"): "member",
            ("link_clicked", "email"): "member",
        }
        activity = old_apps.get_model("members", "Activity")
        activity.objects.bulk_create(
            activity(member=member, verb=verb, source=source, occurred_at=timezone.now()) for verb, source in rows
        )
    finally:
        migrate()

    stored = {(row.verb, row.source): row.origin for row in Activity.objects.filter(member_id=member.pk)}
    assert stored == rows
    with pytest.raises(DatabaseError), transaction.atomic():
        Activity.objects.filter(member_id=member.pk).update(origin="member")


@pytest.mark.django_db(transaction=True)
def test_existing_members_keep_their_consent_marked_unrecorded():
    old_apps = migrate([("members", "0006_notification_moves_to_members")])
    try:
        users = old_apps.get_model("members", "User").objects
        members = old_apps.get_model("members", "Member").objects
        agreed = members.create(user=users.create(email="yes@example.org"), consent_email=True)
        declined = members.create(user=users.create(email="no@example.org"), consent_email=False)
    finally:
        migrate()

    assert Member.objects.get(pk=agreed.pk).consent_email is True
    assert Member.objects.get(pk=declined.pk).consent_email is False
    assert set(EmailConsent.objects.values_list("member_id", "given", "how")) == {
        (agreed.pk, True, ConsentMethod.UNRECORDED),
        (declined.pk, False, ConsentMethod.UNRECORDED),
    }
    assert set(Member.objects.filter(consent_unrecorded()).values_list("pk", flat=True)) == {agreed.pk, declined.pk}
