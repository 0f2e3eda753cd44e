"""The periodic advance: journeys through a campaign's steps, scheduling, enrolment, leases, the beat entry."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from campaigns.advance import ANALYSED_COLUMNS, campaigns_advance
from campaigns.models import CampaignStatus, Delivery, DeliveryStatus
from campaigns.transitions import campaign_cancel
from members.models import Activity, Verb
from personas.models import Sector
from tests.campaigns.factories import SegmentFactory, deliveries, launched
from tests.members.factories import MemberFactory, staff_user

pytestmark = pytest.mark.django_db


def test_a_future_start_is_scheduled_and_starts_when_due(run_engine):
    MemberFactory()
    campaign = launched(starts_at=timezone.now() + timedelta(hours=1))
    assert campaign.status == CampaignStatus.SCHEDULED
    run_engine()
    assert not deliveries(campaign).exists()
    run_engine(now=timezone.now() + timedelta(hours=1, seconds=1))
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.RUNNING
    assert deliveries(campaign).count() == 1


def test_a_three_step_journey_with_delays_sends_each_step_once(run_engine):
    member = MemberFactory(user__first_name="Noor", user__last_name="Haddad", organisation__name="Harbour CU")
    campaign = launched(
        {"subject": "Welcome {name}"},
        {"subject": "Two days on", "delay": timedelta(days=2)},
        {"subject": "Last one", "delay": timedelta(days=5)},
    )
    run_engine()
    run_engine()  # twice: harmless
    assert [m.subject for m in mail.outbox] == ["Welcome Noor Haddad"]
    first = deliveries(campaign, 1).get()
    second = deliveries(campaign, 2).get()
    assert first.status == DeliveryStatus.SENT
    assert second.status == DeliveryStatus.PENDING
    assert second.due_at == first.finished_at + timedelta(days=2)

    Delivery.objects.filter(pk=second.pk).update(due_at=timezone.now() - timedelta(seconds=1))
    run_engine()
    run_engine()
    third = deliveries(campaign, 3).get()
    Delivery.objects.filter(pk=third.pk).update(due_at=timezone.now() - timedelta(seconds=1))
    run_engine()
    run_engine()
    assert [m.subject for m in mail.outbox] == ["Welcome Noor Haddad", "Two days on", "Last one"]
    assert Activity.objects.filter(member=member, verb=Verb.MESSAGE_SENT).count() == 3
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.COMPLETED


def test_members_who_join_the_segment_later_are_enrolled_only_when_asked(run_engine):
    MemberFactory(organisation__sector=Sector.NGO)
    ngos = SegmentFactory(rules=[{"field": "sector", "value": ["ngo"]}])
    once = launched(segment=ngos)
    ongoing = launched(segment=ngos, enrol_late_joiners=True)
    run_engine()
    MemberFactory(organisation__sector=Sector.NGO)
    MemberFactory(organisation__sector=Sector.PROSECUTOR)
    run_engine()
    assert deliveries(once).count() == 1
    assert deliveries(ongoing).count() == 2


def test_an_expired_lease_is_reclaimed_and_sent(run_engine, settings):
    settings.KNOBLE_CAMPAIGN_SEND_LEASE_SECONDS = 60
    MemberFactory()
    campaign = launched()
    campaigns_advance()
    Delivery.objects.filter(campaign=campaign).update(
        status=DeliveryStatus.SENDING, claimed_at=timezone.now() - timedelta(seconds=30)
    )
    run_engine()
    assert mail.outbox == []  # still within the lease: its worker may be sending it
    Delivery.objects.filter(campaign=campaign).update(claimed_at=timezone.now() - timedelta(seconds=61))
    run_engine()
    assert len(mail.outbox) == 1
    assert deliveries(campaign).get().status == DeliveryStatus.SENT


def test_a_row_a_dead_worker_held_for_a_cancelled_campaign_ends_skipped(settings):
    settings.KNOBLE_CAMPAIGN_SEND_LEASE_SECONDS = 60
    MemberFactory()
    campaign = launched()
    campaigns_advance()
    Delivery.objects.filter(campaign=campaign).update(
        status=DeliveryStatus.SENDING, claimed_at=timezone.now() - timedelta(seconds=61)
    )
    campaign_cancel(campaign=campaign, actor=staff_user())
    campaigns_advance()
    delivery = deliveries(campaign).get()
    assert (delivery.status, delivery.last_error) == (DeliveryStatus.SKIPPED, "Campaign cancelled.")


def test_beat_advances_campaigns_every_minute_and_a_late_run_expires():
    from campaigns.tasks import advance_campaigns
    from knoble.celery import app

    entry = app.conf.beat_schedule["advance-campaigns"]
    assert (entry["task"], entry["schedule"]) == (advance_campaigns.name, 60)
    assert entry["options"]["expire_seconds"] < 60


def test_the_beat_rows_in_the_database_expire_the_every_minute_advance():
    from django_celery_beat.schedulers import ModelEntry

    from knoble.celery import app

    # What beat's database scheduler does with the entry when it starts: the row it writes, the options it sends.
    entry = ModelEntry.from_entry("advance-campaigns", app=app, **app.conf.beat_schedule["advance-campaigns"])
    assert (entry.model.expire_seconds, entry.options["expires"]) == (55, 55)


@pytest.mark.postgresql_only
def test_a_large_write_refreshes_the_statistics_of_the_columns_the_engine_looks_up(monkeypatch):
    monkeypatch.setattr("campaigns.advance.LARGE_WRITE", 2)
    MemberFactory.create_batch(2)
    launched()
    campaigns_advance(enqueue_limit=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT attname FROM pg_stats WHERE tablename = %s", [Delivery._meta.db_table])
        analysed = {name for (name,) in cursor.fetchall()}
    assert analysed >= set(ANALYSED_COLUMNS)
