from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import transaction
from django.db.models import Count, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone

from analytics.models import (
    CampaignStepTotals,
    CohortActivity,
    InitiativeSectorCount,
    OrganisationEngagement,
    PeriodActive,
    RollupMember,
    RollupRefresh,
    StageWeekly,
)
from analytics.panels import PANELS, Filters
from analytics.rollups import rollups_refresh
from campaigns.models import Campaign, CampaignStatus, Delivery, DeliveryStatus
from campaigns.results import step_results
from engagement.models import LifecycleStage, MemberEngagement
from engagement.scoring import engagement_recompute
from initiatives.models import Participation, ParticipationStatus
from members.activity_marks import ACTIVITY_GAP_WINDOW
from members.models import Activity, Member, Verb
from personas.models import Sector
from tests.campaigns.factories import CampaignFactory, CampaignStepFactory, DeliveryFactory
from tests.conftest import shared_data_settings
from tests.engagement.factories import activity, onboarded_member
from tests.initiatives.factories import InitiativeFactory, ParticipationFactory
from tests.members.factories import MemberFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)  # a Monday


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@pytest.fixture(scope="class")
def crafted(django_db_setup, django_db_blocker) -> Iterator[dict[str, Member]]:
    """Built once for the tests of a class, in a transaction rolled back after its last one: each test runs in a
    savepoint of its own (pytest-django's), so what one adds, changes or refreshes is gone before the next."""
    with django_db_blocker.unblock(), shared_data_settings(), transaction.atomic():
        yield _craft()
        transaction.set_rollback(True)


def _craft() -> dict[str, Member]:
    """Five members approved in May 2026 (four in the period under test), one in March, known outcomes."""
    initiative = InitiativeFactory.create()
    ngo = OrganisationFactory.create(sector=Sector.NGO, country="NL")
    bank = OrganisationFactory.create(sector=Sector.FINANCIAL_INSTITUTION, country="GB")
    may = date(2026, 5, 4)
    pending = MemberFactory.create(status_changed_at=at(may), persona=None, organisation=bank)
    activity(pending, Verb.LOGGED_IN, at(may + timedelta(days=1)))
    activated = onboarded_member(approved_at=at(may), organisation=bank)
    activity(activated, Verb.LOGGED_IN, at(date(2026, 6, 10)))
    engaged = onboarded_member(approved_at=at(may + timedelta(days=2)), organisation=ngo)
    activity(engaged, Verb.RED_FLAG_RATED, at(date(2026, 6, 11)), times=5)
    collaborating = onboarded_member(approved_at=at(may + timedelta(days=3)), organisation=ngo, initiative=initiative)
    activity(collaborating, Verb.SESSION_ATTENDED, at(date(2026, 6, 12)), subject=initiative)
    march = onboarded_member(approved_at=at(date(2026, 3, 2)), organisation=bank, initiative=initiative)
    activity(march, Verb.LOGGED_IN, at(date(2026, 3, 3)))
    activity(march, Verb.LOGGED_IN, at(date(2026, 5, 20)))
    ParticipationFactory.create(initiative=initiative, status=ParticipationStatus.WAITLISTED, member=pending)
    engagement_recompute(now=NOW)
    rollups_refresh(now=NOW)
    return {"pending": pending, "activated": activated, "engaged": engaged, "collaborating": collaborating}


MAY = Filters(start=date(2026, 5, 1), end=date(2026, 5, 31))


# Incremental refreshes: after the first, a refresh recounts only the weeks, months and campaigns that changed.

LATER = NOW + timedelta(days=2)  # Wednesday of the same week


def rolled_up() -> dict[str, list[tuple[object, ...]]]:
    """Every incrementally refreshed roll-up table's rows, without their ids, in a stable order."""
    tables = {
        "stages": StageWeekly.objects.values_list("week", "stage", "sector", "persona_id", "country", "members"),
        "periods": PeriodActive.objects.values_list("kind", "starts_on", "sector", "persona_id", "country", "members"),
        "cohorts": CohortActivity.objects.values_list(
            "cohort", "months_after", "sector", "persona_id", "country", "members"
        ),
        "campaigns": CampaignStepTotals.objects.values_list("step_id", "sent", "opened", "clicked", "converted"),
    }
    return {name: sorted(rows, key=repr) for name, rows in tables.items()}


def full_rebuild_equals(incremental: dict[str, list[tuple[object, ...]]], *, now: datetime) -> None:
    rebuilt = rollups_refresh(now=now, full=True)
    assert rebuilt.full
    assert rolled_up() == incremental


def week_rows(week: date) -> set[int]:
    return set(PeriodActive.objects.filter(kind="week", starts_on=week).values_list("pk", flat=True))


class TestOnOneCraftedDataSet:
    """The panels, and refreshes after the first, on the data `crafted` builds once for the class."""

    def test_the_funnel_counts_the_period_cohort_by_furthest_step(self, crafted):
        panel = PANELS["funnel"](MAY)
        assert [row[1] for row in panel.rows] == [4, 3, 2, 1]
        assert panel.rows[1][2] == 75.0
        ngo_only = PANELS["funnel"](Filters(start=MAY.start, end=MAY.end, sector=Sector.NGO))
        assert [row[1] for row in ngo_only.rows] == [2, 2, 2, 1]
        assert [row[1] for row in PANELS["funnel"](Filters(start=MAY.start, end=MAY.end, country="GB")).rows] == [
            2,
            1,
            0,
            0,
        ]

    def test_cohorts_show_the_share_still_active_months_after_joining(self, crafted):
        panel = PANELS["cohorts"](Filters(start=date(2026, 3, 1), end=date(2026, 6, 14)))
        by_cohort = {row[0]: row for row in panel.rows}
        assert by_cohort["2026-03"][1:5] == [1, 100.0, 0.0, 100.0]  # joined; active in March, not April, in May
        assert by_cohort["2026-05"][1:4] == [4, 25.0, 75.0]  # one active in May; three in June

    def test_headline_numbers_compare_the_period_with_the_one_before(self, crafted):
        rows = {row[0]: row[1:3] for row in PANELS["headline"](MAY).rows}
        assert rows["New members (approved)"] == [4, 0]
        assert rows["Activation rate of new members (%)"] == [75.0, None]
        # Activated on the run of 15 June: 42, 40 and 39 days after approval.
        assert rows["Median days from approval to activation"] == [40.0, None]
        assert rows["Monthly active members (last full month)"] == [2, 0]  # pending (4 May) and March (20 May)

    def test_roll_ups_equal_a_direct_count(self, crafted):
        weekly = {
            row["week"].date(): row["members"]
            for row in Activity.objects.filter(member__status=Member.Status.APPROVED)
            .annotate(week=TruncWeek("occurred_at"))
            .values("week")
            .annotate(members=Count("member", distinct=True))
        }
        rolled = {
            row["starts_on"]: row["members"]
            for row in PeriodActive.objects.filter(kind="week").values("starts_on").annotate(members=Sum("members"))
        }
        assert rolled == weekly
        current = dict(StageWeekly.objects.filter(week=NOW.date()).values_list("stage").annotate(total=Sum("members")))
        direct = dict(MemberEngagement.objects.values_list("stage").annotate(total=Count("member")))
        assert current == direct
        assert current[LifecycleStage.COLLABORATING] == 1
        organisations = {
            row.organisation_id: (row.members, row.engaged + row.collaborating)
            for row in OrganisationEngagement.objects.all()
        }
        assert organisations == {
            organisation: (
                MemberEngagement.objects.filter(member__organisation=organisation).count(),
                MemberEngagement.objects.filter(
                    member__organisation=organisation, stage__in=["engaged", "collaborating"]
                ).count(),
            )
            for organisation in Member.objects.filter(status="approved").values_list("organisation", flat=True)
        }
        sectors = {
            (row.initiative_id, row.sector): (row.active, row.waitlisted) for row in InitiativeSectorCount.objects.all()
        }
        assert sum(active for active, _ in sectors.values()) == Participation.objects.filter(status="active").count()
        assert sum(waiting for _, waiting in sectors.values()) == 1

    def test_the_collaboration_matrix_pairs_sectors_taking_part_together(self, crafted):
        panel = PANELS["collaboration"](MAY)
        by_sector = {row[0]: row[1:] for row in panel.rows}
        ngo, bank = Sector.values.index(Sector.NGO), Sector.values.index(Sector.FINANCIAL_INSTITUTION)
        assert by_sector["NGO"][bank] == 1
        assert by_sector["Financial institution"][ngo] == 1
        assert panel.notes == [
            "1 initiative has members of two or more sectors taking part.",
            "0 initiatives have contributions (posts, documents, attendance) from two or more sectors.",
        ]

    def test_a_refresh_replaces_rather_than_adds(self, crafted):
        before = PeriodActive.objects.aggregate(total=Sum("members"))["total"]
        rollups_refresh(now=NOW)
        assert PeriodActive.objects.aggregate(total=Sum("members"))["total"] == before

    def test_the_first_refresh_is_full_and_records_its_marks(self, crafted):
        first = RollupRefresh.objects.earliest("finished_at")
        assert first.full
        assert first.activity_mark == Activity.objects.order_by("-id").values_list("id", flat=True)[0]
        # Ids that earlier, rolled-back tests took from the sequence are gaps too: nothing tells them from a
        # transaction that has not committed yet.
        window = range(max(first.activity_mark - ACTIVITY_GAP_WINDOW, 0) + 1, first.activity_mark + 1)
        assert first.activity_gaps == sorted(set(window) - set(Activity.objects.values_list("id", flat=True)))
        assert RollupMember.objects.count() == Member.objects.filter(status="approved").count()

    def test_an_incremental_refresh_after_new_activity_in_one_week_equals_a_full_rebuild(self, crafted):
        activity(crafted["engaged"], Verb.LOGGED_IN, at(LATER.date(), hour=9))
        activity(crafted["pending"], Verb.INITIATIVE_VIEWED, at(LATER.date(), hour=8))
        engagement_recompute(now=LATER)
        refresh = rollups_refresh(now=LATER)
        assert not refresh.full
        full_rebuild_equals(rolled_up(), now=LATER)

    def test_an_incremental_refresh_leaves_untouched_weeks_alone(self, crafted):
        june_8, may_18 = date(2026, 6, 8), date(2026, 5, 18)
        untouched = week_rows(june_8) | week_rows(may_18)
        this_week = week_rows(NOW.date())
        activity(crafted["activated"], Verb.LOGGED_IN, at(LATER.date()))
        rollups_refresh(now=LATER)
        assert week_rows(june_8) | week_rows(may_18) == untouched
        assert week_rows(NOW.date())
        assert not week_rows(NOW.date()) & this_week  # recounted: its rows written anew

    def test_late_activity_for_an_old_week_is_picked_up(self, crafted):
        march_9 = date(2026, 3, 9)
        assert not week_rows(march_9)
        # Recorded now (an import, an offline client), for a week the last refresh had already counted.
        activity(crafted["activated"], Verb.LOGGED_IN, at(march_9 + timedelta(days=1)))
        may_18 = week_rows(date(2026, 5, 18))
        rollups_refresh(now=LATER)
        assert PeriodActive.objects.filter(kind="week", starts_on=march_9).aggregate(total=Sum("members"))["total"] == 1
        assert week_rows(date(2026, 5, 18)) == may_18
        full_rebuild_equals(rolled_up(), now=LATER)

    def test_activity_filling_a_gap_under_the_last_mark_is_picked_up(self, crafted):
        # The row of a transaction that had taken its id before the last refresh but committed after it.
        refresh = RollupRefresh.objects.latest("finished_at")
        activity(crafted["engaged"], Verb.LOGGED_IN, at(date(2026, 4, 14)))
        late = Activity.objects.latest("id")
        refresh.activity_mark, refresh.activity_gaps = late.pk + 1, [late.pk]
        refresh.save()
        rollups_refresh(now=LATER)
        assert PeriodActive.objects.filter(kind="week", starts_on=date(2026, 4, 13)).exists()
        full_rebuild_equals(rolled_up(), now=LATER)

    def test_a_member_whose_dimensions_change_is_recounted_in_every_period(self, crafted):
        march = Member.objects.get(pk=crafted["activated"].pk)
        march.organisation = OrganisationFactory(sector=Sector.LAW_ENFORCEMENT, country="DE")
        march.save()
        refresh = rollups_refresh(now=LATER)
        assert not refresh.full
        assert PeriodActive.objects.filter(sector=Sector.LAW_ENFORCEMENT, country="DE").exists()
        full_rebuild_equals(rolled_up(), now=LATER)

    def test_a_member_who_leaves_drops_out_of_every_period(self, crafted):
        Member.objects.filter(pk=crafted["engaged"].pk).update(status="left")
        rollups_refresh(now=LATER)
        full_rebuild_equals(rolled_up(), now=LATER)

    def test_a_refresh_as_of_an_earlier_moment_rebuilds(self, crafted):
        assert rollups_refresh(now=NOW - timedelta(days=30)).full
        assert rollups_refresh(now=NOW).full is False


SENT_AT = NOW - timedelta(days=3)


@pytest.fixture
def campaign_history():
    """A running campaign whose first step went to six members and whose second step has not started; a draft."""
    goal = InitiativeFactory()
    campaign = CampaignFactory(goal=goal, status=CampaignStatus.RUNNING)
    first, second = (CampaignStepFactory(campaign=campaign, position=n) for n in (1, 2))
    after, at_once, before, left, waitlisted, clicked = MemberFactory.create_batch(6)
    for member in (after, at_once, before, left, waitlisted):
        DeliveryFactory(step=first, member=member, status=DeliveryStatus.SENT, sent_at=SENT_AT)
    DeliveryFactory(
        step=first, member=clicked, status=DeliveryStatus.SENT, sent_at=SENT_AT, opened_at=NOW, clicked_at=NOW
    )
    ParticipationFactory(member=after, initiative=goal, requested_at=SENT_AT + timedelta(hours=2))
    ParticipationFactory(member=at_once, initiative=goal, requested_at=SENT_AT)
    ParticipationFactory(member=before, initiative=goal, requested_at=SENT_AT - timedelta(days=1))
    ParticipationFactory(
        member=left,
        initiative=goal,
        status=ParticipationStatus.LEFT,
        requested_at=SENT_AT,
        joined_at=SENT_AT + timedelta(hours=1),
        left_at=SENT_AT + timedelta(days=1),
    )
    ParticipationFactory(
        member=waitlisted, initiative=goal, status=ParticipationStatus.WAITLISTED, requested_at=SENT_AT
    )
    # Joined the goal, but the message was never sent: no conversion.
    skipped = MemberFactory()
    DeliveryFactory(step=first, member=skipped, status=DeliveryStatus.SKIPPED)
    ParticipationFactory(member=skipped, initiative=goal, requested_at=NOW)
    DeliveryFactory(step=first, status=DeliveryStatus.FAILED)
    draft = CampaignStepFactory(campaign=CampaignFactory(goal=goal))
    return {"campaign": campaign, "first": first, "second": second, "draft": draft}


def totals() -> dict[int, tuple[int, int, int, int]]:
    return {row.step_id: (row.sent, row.opened, row.clicked, row.converted) for row in CampaignStepTotals.objects.all()}


def test_campaign_totals_count_conversions_after_the_message_by_members_still_taking_part(campaign_history):
    rollups_refresh(now=NOW)
    # Converted: joined two hours after the message, and joined the moment it was sent; not the member who
    # had joined before, the one who left since, the one on the waitlist, nor the one never sent the message.
    assert totals() == {campaign_history["first"].pk: (6, 1, 1, 2), campaign_history["second"].pk: (0, 0, 0, 0)}


def test_campaign_totals_leave_drafts_out(campaign_history):
    rollups_refresh(now=NOW)
    assert campaign_history["draft"].pk not in totals()


def test_campaign_totals_agree_with_the_live_results(campaign_history):
    rollups_refresh(now=NOW)
    live = {
        result.step.pk: (result.sent, result.opened, result.clicked, result.converted)
        for result in step_results(campaign_history["campaign"])
    }
    assert totals() == live


def test_a_campaign_without_a_goal_has_no_conversions():
    campaign = CampaignFactory(status=CampaignStatus.COMPLETED)
    step = CampaignStepFactory(campaign=campaign)
    member = MemberFactory()
    DeliveryFactory(step=step, member=member, status=DeliveryStatus.SENT, sent_at=SENT_AT)
    ParticipationFactory(member=member, requested_at=NOW)
    rollups_refresh(now=NOW)
    assert totals() == {step.pk: (1, 0, 0, 0)}
    assert step_results(campaign)[0].converted == 0


def test_refreshing_twice_gives_the_same_campaign_totals(campaign_history):
    rollups_refresh(now=NOW)
    first = totals()
    rollups_refresh(now=NOW)
    assert totals() == first
    assert CampaignStepTotals.objects.count() == 2


def test_only_campaigns_that_changed_are_recounted(campaign_history):
    other = CampaignStepFactory(campaign=CampaignFactory(status=CampaignStatus.COMPLETED))
    DeliveryFactory(step=other, status=DeliveryStatus.SENT, sent_at=SENT_AT)
    # Both campaigns' deliveries were written days before the first refresh.
    Delivery.objects.update(created_at=SENT_AT, finished_at=SENT_AT)
    Delivery.objects.filter(opened_at__isnull=False).update(opened_at=SENT_AT, clicked_at=SENT_AT)
    Campaign.objects.update(updated_at=SENT_AT)
    Participation.objects.update(joined_at=SENT_AT + timedelta(hours=2))
    rollups_refresh(now=NOW)
    # A marker the refresh must leave where it is: nothing of the other campaign changes.
    CampaignStepTotals.objects.filter(step=other).update(sent=99)
    opened = Delivery.objects.filter(step=campaign_history["first"], opened_at__isnull=True).first()
    assert opened is not None
    Delivery.objects.filter(pk=opened.pk).update(opened_at=timezone.now())
    rollups_refresh(now=LATER)
    assert CampaignStepTotals.objects.get(step=other).sent == 99
    assert CampaignStepTotals.objects.get(step=campaign_history["first"]).opened == 2
    CampaignStepTotals.objects.filter(step=other).update(sent=1)
    full_rebuild_equals(rolled_up(), now=LATER)


def test_a_newly_launched_campaign_gets_its_rows(campaign_history):
    rollups_refresh(now=NOW)
    draft = campaign_history["draft"].campaign
    Campaign.objects.filter(pk=draft.pk).update(status=CampaignStatus.RUNNING)
    rollups_refresh(now=LATER)
    assert totals()[campaign_history["draft"].pk] == (0, 0, 0, 0)
