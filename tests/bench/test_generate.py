import pytest
from allauth.account.models import EmailAddress
from django.db import connection

from bench.environment import SCALE_VARIABLE
from bench.generate import fingerprint, generate, parse_args
from campaigns.models import Campaign, Delivery, DeliveryStatus
from campaigns.segments import segment_members
from members.models import Activity, Member

pytestmark = [pytest.mark.django_db, pytest.mark.postgresql_only]


def test_generator_fills_every_table_with_the_requested_rows():
    generate(parse_args(["--members", "300", "--organisations", "12", "--initiatives", "5", "--activities", "4000"]))
    assert Member.objects.count() == 300
    assert Activity.objects.count() == 4000
    assert Member.objects.filter(organisation__isnull=True).count() == 0
    # Each member can sign in through allauth: one verified, primary address per user.
    assert EmailAddress.objects.filter(user__member__isnull=False, verified=True, primary=True).count() == 300
    # Every activity happens after its member joined, so cohorts and funnels stay plausible.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM members_activity a JOIN members_member m ON m.id = a.member_id "
            "WHERE a.occurred_at < m.created_at"
        )
        assert cursor.fetchone()[0] == 0


def test_a_scale_multiplies_members_organisations_and_activities(monkeypatch):
    small = ["--members", "30", "--organisations", "3", "--initiatives", "2", "--activities", "200"]
    monkeypatch.setenv(SCALE_VARIABLE, "3")
    args = parse_args([*small, "--scale", "3"])
    assert (args.members, args.organisations, args.initiatives, args.activities) == (90, 9, 2, 600)
    generate(args)
    assert (Member.objects.count(), Activity.objects.count()) == (90, 600)
    monkeypatch.setenv(SCALE_VARIABLE, "1")
    assert fingerprint(parse_args(small)) != fingerprint(args)
    # Scale 1 is the data set as it was, so one generated before --scale existed is reused.
    default = parse_args([])
    assert (default.members, default.organisations, default.activities) == (100_000, 2_000, 5_000_000)


def test_the_same_seed_gives_the_same_rows():
    args = ["--members", "50", "--organisations", "5", "--initiatives", "2", "--activities", "500", "--seed", "7"]
    generate(parse_args(args))
    boundary = Activity.objects.order_by("-id").values_list("id", flat=True).first()
    generate(parse_args(args))  # a second copy, under new ids
    first = list(Activity.objects.filter(id__lte=boundary).order_by("id").values_list("verb", "occurred_at"))
    second = list(Activity.objects.filter(id__gt=boundary).order_by("id").values_list("verb", "occurred_at"))
    assert len(first) == 500
    assert first == second


def test_generator_writes_campaigns_with_segments_steps_and_deliveries_over_the_history():
    generate(parse_args(["--members", "400", "--organisations", "10", "--initiatives", "4", "--activities", "100"]))
    campaigns = list(Campaign.objects.select_related("segment").prefetch_related("steps"))
    assert len(campaigns) == 50
    assert all(2 <= len(campaign.steps.all()) <= 3 for campaign in campaigns)
    assert {c.status for c in campaigns} <= {"paused", "completed", "cancelled"}  # none the engine would advance
    assert len({c.starts_at.date() for c in campaigns}) > 30  # spread over the history
    for campaign in campaigns[:10]:
        # Every recipient is in the campaign's segment, as the engine would have enrolled them.
        members = set(segment_members(campaign.segment.rules).values_list("pk", flat=True))
        recipients = set(Delivery.objects.filter(campaign=campaign).values_list("member_id", flat=True))
        assert recipients
        assert recipients <= members
    deliveries = Delivery.objects.all()
    sent = deliveries.filter(status=DeliveryStatus.SENT)
    assert sent.count() > deliveries.count() / 2
    assert 0 < sent.filter(clicked_at__isnull=False).count() < sent.filter(opened_at__isnull=False).count()
    # Nothing was sent before its campaign started or after the data set's "now"; pending rows wait ahead.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM engagement_delivery d JOIN engagement_campaign c ON c.id = d.campaign_id "
            "WHERE d.sent_at < c.starts_at OR d.sent_at > '2026-11-01' "
            "OR (d.status = 'pending' AND d.due_at < '2026-10-31')"
        )
        assert cursor.fetchone()[0] == 0
