from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction

from engagement.models import (
    EngagementRun,
    EngagementSettings,
    LifecycleStage,
    MemberEngagement,
    StageTransition,
    VerbScore,
)
from engagement.scoring import (
    ScoreRun,
    engagement_recompute,
    engagement_replay,
    engagement_settings,
    score_breakdown,
)
from members.models import Activity, Member, Source, Verb
from members.services import record_activity
from tests.engagement.factories import activity, onboarded_member
from tests.initiatives.factories import InitiativeFactory
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
APPROVED = NOW - timedelta(days=400)


@pytest.fixture
def rules():
    """Round numbers so every expected score can be worked out by hand."""
    engagement_settings()
    EngagementSettings.objects.filter(id=1).update(
        half_life_days=30, engaged_score=20, engaged_actions=5, engaged_window_days=30
    )
    VerbScore.objects.all().delete()
    VerbScore.objects.create(verb=Verb.RESOURCE_VIEWED, points=10, daily_cap=5, meaningful=True)
    VerbScore.objects.create(verb=Verb.LINK_CLICKED, points=1, daily_cap=3, meaningful=False)
    VerbScore.objects.create(verb=Verb.SESSION_ATTENDED, points=0, daily_cap=1, contribution=True)


def score_of(member: Member) -> float:
    return MemberEngagement.objects.get(member=member).score


def test_points_halve_every_half_life(rules):
    member = onboarded_member(approved_at=APPROVED)
    activity(member, Verb.RESOURCE_VIEWED, NOW - timedelta(hours=1))
    activity(member, Verb.RESOURCE_VIEWED, NOW - timedelta(days=30))
    activity(member, Verb.RESOURCE_VIEWED, NOW - timedelta(days=60))
    engagement_recompute(now=NOW)
    assert score_of(member) == pytest.approx(10 + 5 + 2.5)


def test_a_daily_cap_stops_repeated_clicks_from_inflating_the_score(rules):
    member = onboarded_member(approved_at=APPROVED)
    activity(member, Verb.LINK_CLICKED, NOW - timedelta(hours=2), times=7)  # cap 3 a day
    activity(member, Verb.LINK_CLICKED, NOW - timedelta(days=30), times=2)  # under the cap: both count, halved
    activity(member, Verb.LOGGED_IN, NOW - timedelta(hours=1), times=4)  # no rule: worth nothing
    engagement_recompute(now=NOW)
    assert score_of(member) == pytest.approx(3 * 1 + 2 * 0.5)


def test_activity_after_the_moment_of_the_run_is_not_counted(rules):
    member = onboarded_member(approved_at=APPROVED)
    activity(member, Verb.RESOURCE_VIEWED, NOW + timedelta(days=1))
    engagement_recompute(now=NOW)
    assert score_of(member) == 0


def test_the_breakdown_explains_the_score_verb_by_verb(rules):
    member = onboarded_member(approved_at=APPROVED)
    activity(member, Verb.RESOURCE_VIEWED, NOW - timedelta(days=30), times=6)
    activity(member, Verb.LINK_CLICKED, NOW - timedelta(hours=1), times=4)
    engagement_recompute(now=NOW)
    breakdown = score_breakdown(member=member, now=NOW)
    assert [(row.verb, row.activities, row.counted) for row in breakdown] == [
        (Verb.RESOURCE_VIEWED, 6, 5),
        (Verb.LINK_CLICKED, 4, 3),
    ]
    assert breakdown[0].points == pytest.approx(5 * 10 * 0.5)
    assert sum(row.points for row in breakdown) == pytest.approx(score_of(member))


def stage_of(member: Member) -> str:
    return MemberEngagement.objects.get(member=member).stage


def test_stages_follow_the_rules_at_a_frozen_moment(rules):
    initiative = InitiativeFactory()
    not_onboarded = MemberFactory(status_changed_at=APPROVED, persona=None)
    activity(not_onboarded, Verb.RESOURCE_VIEWED, NOW - timedelta(days=1))
    activated = onboarded_member(approved_at=APPROVED)
    activity(activated, Verb.LINK_CLICKED, NOW - timedelta(days=1))
    engaged_by_score = onboarded_member(approved_at=APPROVED)
    activity(engaged_by_score, Verb.RESOURCE_VIEWED, NOW - timedelta(hours=1), times=2)  # 20 points
    engaged_by_actions = onboarded_member(approved_at=APPROVED)
    for days_ago in (3, 100, 110, 120, 130):  # one meaningful action in the window, 12 points: not yet
        activity(engaged_by_actions, Verb.RESOURCE_VIEWED, NOW - timedelta(days=days_ago))
    collaborating = onboarded_member(approved_at=APPROVED, initiative=initiative)
    activity(collaborating, Verb.SESSION_ATTENDED, NOW - timedelta(days=89), subject=initiative)
    only_looking = onboarded_member(approved_at=APPROVED, initiative=initiative)
    activity(only_looking, Verb.INITIATIVE_VIEWED, NOW - timedelta(days=1), subject=initiative)
    dormant = onboarded_member(approved_at=APPROVED, initiative=initiative)
    activity(dormant, Verb.SESSION_ATTENDED, NOW - timedelta(days=91), subject=initiative)
    pending_approval = MemberFactory(status=Member.Status.PENDING)

    engagement_recompute(now=NOW)

    assert stage_of(not_onboarded) == LifecycleStage.PENDING
    assert stage_of(activated) == LifecycleStage.ACTIVATED
    assert stage_of(engaged_by_score) == LifecycleStage.ENGAGED
    assert stage_of(engaged_by_actions) == LifecycleStage.ACTIVATED
    assert stage_of(collaborating) == LifecycleStage.COLLABORATING
    assert stage_of(only_looking) == LifecycleStage.ACTIVATED
    assert stage_of(dormant) == LifecycleStage.DORMANT
    assert not MemberEngagement.objects.filter(member=pending_approval).exists()

    for days_ago in (1, 2, 4, 5):  # now five meaningful actions within 30 days
        activity(engaged_by_actions, Verb.RESOURCE_VIEWED, NOW - timedelta(days=days_ago))
    engagement_recompute(now=NOW)
    assert stage_of(engaged_by_actions) == LifecycleStage.ENGAGED


def test_thresholds_are_settings_staff_can_change(rules):
    member = onboarded_member(approved_at=APPROVED)
    activity(member, Verb.LINK_CLICKED, NOW - timedelta(days=1), times=3)
    engagement_recompute(now=NOW)
    assert stage_of(member) == LifecycleStage.ACTIVATED
    EngagementSettings.objects.filter(id=1).update(engaged_score=2)
    engagement_recompute(now=NOW)
    assert stage_of(member) == LifecycleStage.ENGAGED


def test_every_transition_is_kept_with_from_to_and_when(rules):
    initiative = InitiativeFactory()
    member = onboarded_member(approved_at=APPROVED, initiative=initiative)
    first = NOW - timedelta(days=200)
    activity(member, Verb.LINK_CLICKED, first - timedelta(days=1))
    engagement_recompute(now=first)
    activity(member, Verb.SESSION_ATTENDED, first + timedelta(days=10), subject=initiative)
    engagement_recompute(now=first + timedelta(days=11))
    engagement_recompute(now=first + timedelta(days=11))  # the same moment again changes nothing
    engagement_recompute(now=first + timedelta(days=120))

    transitions = list(
        StageTransition.objects.filter(member=member).order_by("at").values_list("from_stage", "to_stage", "at")
    )
    assert transitions == [
        ("", LifecycleStage.ACTIVATED, first),
        (LifecycleStage.ACTIVATED, LifecycleStage.COLLABORATING, first + timedelta(days=11)),
        (LifecycleStage.COLLABORATING, LifecycleStage.DORMANT, first + timedelta(days=120)),
    ]
    engagement = MemberEngagement.objects.get(member=member)
    assert engagement.activated_at == first
    assert engagement.collaborating_at == first + timedelta(days=11)
    assert engagement.engaged_at == first + timedelta(days=11)
    assert engagement.stage_since == first + timedelta(days=120)


def test_a_member_who_leaves_drops_out_of_the_current_figures_but_keeps_history(rules):
    member = onboarded_member(approved_at=APPROVED)
    engagement_recompute(now=NOW)
    Member.objects.filter(pk=member.pk).update(status=Member.Status.LEFT)
    engagement_recompute(now=NOW + timedelta(days=1))
    assert not MemberEngagement.objects.filter(member=member).exists()
    assert StageTransition.objects.filter(member=member).count() == 1


# The issue-16 cases, under the default rules (`DEFAULT_VERB_SCORES`, `EngagementSettings`' defaults).


def messages_sent(member: Member, *, days: range) -> None:
    for days_ago in days:
        record_activity(
            member=member, verb=Verb.MESSAGE_SENT, source=Source.SYSTEM, occurred_at=NOW - timedelta(days=days_ago)
        )


def test_a_member_who_only_receives_messages_for_ninety_days_is_dormant():
    engagement_settings()
    member = onboarded_member(approved_at=APPROVED)
    activity(member, Verb.LOGGED_IN, NOW - timedelta(days=120))
    messages_sent(member, days=range(1, 91, 7))
    engagement_recompute(now=NOW)
    assert stage_of(member) == LifecycleStage.DORMANT
    assert score_of(member) < 1


def test_five_messages_in_thirty_days_make_no_one_engaged():
    engagement_settings()
    member = onboarded_member(approved_at=APPROVED)
    activity(member, Verb.LOGGED_IN, NOW - timedelta(days=2))
    messages_sent(member, days=range(1, 30, 6))
    engagement_recompute(now=NOW)
    assert stage_of(member) == LifecycleStage.ACTIVATED
    assert score_of(member) == pytest.approx(1 * 0.5 ** (2 / 30))


def test_staff_and_system_rows_wake_no_one_from_dormancy():
    engagement_settings()
    initiative = InitiativeFactory()
    member = onboarded_member(approved_at=APPROVED)
    record_activity(
        member=member,
        verb=Verb.INITIATIVE_JOINED,
        subject=initiative,
        source=Source.ADMIN,
        occurred_at=NOW - timedelta(days=1),
    )
    record_activity(
        member=member,
        verb=Verb.INITIATIVE_PROMOTED,
        subject=initiative,
        source=Source.SYSTEM,
        occurred_at=NOW - timedelta(days=1),
    )
    engagement_recompute(now=NOW)
    assert stage_of(member) == LifecycleStage.DORMANT


def test_opens_earn_nothing_by_default():
    engagement_settings()
    member = onboarded_member(approved_at=APPROVED)
    activity(member, Verb.MESSAGE_OPENED, NOW - timedelta(hours=1), times=3)
    engagement_recompute(now=NOW)
    assert score_of(member) == 0


def test_opening_an_initiative_page_does_not_make_anyone_collaborating_attending_a_session_does():
    engagement_settings()
    initiative = InitiativeFactory()
    looking = onboarded_member(approved_at=APPROVED, initiative=initiative)
    activity(looking, Verb.INITIATIVE_VIEWED, NOW - timedelta(days=1), subject=initiative, times=3)
    attending = onboarded_member(approved_at=APPROVED, initiative=initiative)
    activity(attending, Verb.SESSION_ATTENDED, NOW - timedelta(days=1), subject=initiative)
    engagement_recompute(now=NOW)
    assert stage_of(looking) != LifecycleStage.COLLABORATING
    assert stage_of(attending) == LifecycleStage.COLLABORATING


def test_a_contribution_to_an_initiative_one_does_not_take_part_in_is_not_collaborating():
    engagement_settings()
    elsewhere = InitiativeFactory()
    member = onboarded_member(approved_at=APPROVED)
    activity(member, Verb.SESSION_ATTENDED, NOW - timedelta(days=1), subject=elsewhere)
    engagement_recompute(now=NOW)
    assert stage_of(member) == LifecycleStage.ACTIVATED


def test_the_replay_rewrites_the_history_with_todays_rules_week_by_week():
    engagement_settings()
    member = onboarded_member(approved_at=APPROVED)
    activity(member, Verb.LOGGED_IN, NOW - timedelta(days=200))
    messages_sent(member, days=range(1, 200, 5))
    # What the old rules wrote: messages made them engaged, weeks ago.
    StageTransition.objects.create(
        member=member, from_stage="", to_stage=LifecycleStage.ENGAGED, at=NOW - timedelta(weeks=8)
    )
    seen = []

    runs = engagement_replay(weeks=12, now=NOW, progress=lambda moment, run: seen.append(moment))

    assert runs == len(seen) == 13
    assert seen[-1] == NOW
    assert (seen[0].weekday(), seen[0].hour) == (0, 2)
    assert list(StageTransition.objects.filter(member=member).values_list("to_stage", flat=True)) == [
        LifecycleStage.DORMANT
    ]
    assert stage_of(member) == LifecycleStage.DORMANT
    again = engagement_replay(weeks=12, now=NOW)
    assert again == 13
    assert StageTransition.objects.filter(member=member).count() == 1


# The incremental nightly run (issue 25): each compared with a full recompute from the same state, rolled back.


def current_figures() -> dict[int, tuple]:
    return {
        row.member_id: (row.score, row.stage, row.stage_since, row.activated_at, row.engaged_at, row.collaborating_at)
        for row in MemberEngagement.objects.all()
    }


def run_and_read(*, now: datetime, full: bool = False) -> tuple[ScoreRun, dict[int, tuple], set[tuple]]:
    before = set(StageTransition.objects.values_list("id", flat=True))
    run = engagement_recompute(now=now, full=full)
    written = {(t.member_id, t.from_stage, t.to_stage, t.at) for t in StageTransition.objects.exclude(id__in=before)}
    return run, current_figures(), written


def what_a_full_run_writes(*, now: datetime) -> tuple[dict[int, tuple], set[tuple]]:
    with transaction.atomic():
        _, figures, transitions = run_and_read(now=now, full=True)
        transaction.set_rollback(True)
    return figures, transitions


def assert_same(incremental: dict[int, tuple], full: dict[int, tuple]) -> None:
    assert incremental.keys() == full.keys()
    for member_id, (score, *rest) in full.items():
        assert incremental[member_id][0] == pytest.approx(score, rel=1e-12, abs=1e-12)
        assert list(incremental[member_id][1:]) == rest


def incremental_matches_full(*, now: datetime) -> None:
    """Runs the job as at night and checks it wrote what a full recompute would have, transitions included."""
    expected, expected_transitions = what_a_full_run_writes(now=now)
    run, figures, transitions = run_and_read(now=now)
    assert not run.full
    assert_same(figures, expected)
    assert transitions == expected_transitions


@pytest.fixture
def history(rules):
    """Members with a year and a half of capped, decaying, meaningful and contributing activity."""
    initiative = InitiativeFactory()
    members = [onboarded_member(approved_at=APPROVED, initiative=initiative) for _ in range(4)]
    for n, member in enumerate(members):
        for days_ago in range(3 + n, 540, 17 + 5 * n):
            activity(member, Verb.LINK_CLICKED, NOW - timedelta(days=days_ago, hours=n), times=1 + days_ago % 5)
            activity(member, Verb.RESOURCE_VIEWED, NOW - timedelta(days=days_ago + 1), times=days_ago % 7)
        activity(member, Verb.SESSION_ATTENDED, NOW - timedelta(days=80 + 30 * n), subject=initiative)
    return members


def test_the_night_after_new_activity_is_incremental_and_writes_what_a_full_run_would(history):
    first = engagement_recompute(now=NOW)
    assert first.full
    tomorrow = NOW + timedelta(days=1)
    quiet, busy, waking, *_ = history
    activity(busy, Verb.RESOURCE_VIEWED, tomorrow - timedelta(hours=2), times=7)  # over the cap of 5
    activity(busy, Verb.LINK_CLICKED, NOW + timedelta(hours=1))  # on the day of the last run, after it
    activity(waking, Verb.RESOURCE_VIEWED, tomorrow - timedelta(hours=1), times=5)
    incremental_matches_full(now=tomorrow)
    for days in range(2, 100, 9):  # nights apart, stages sliding out of their windows as the days pass
        activity(busy, Verb.LINK_CLICKED, NOW + timedelta(days=days, hours=-3), times=2)
        incremental_matches_full(now=NOW + timedelta(days=days))
    assert stage_of(quiet) == LifecycleStage.DORMANT


def test_a_late_activity_for_an_old_day_counts_up_to_that_days_cap(history):
    member = history[0]
    old_day = NOW - timedelta(days=50, hours=3)
    activity(member, Verb.LINK_CLICKED, old_day, times=2)  # cap 3
    engagement_recompute(now=NOW)
    before = score_of(member)
    activity(member, Verb.LINK_CLICKED, old_day + timedelta(minutes=5), times=4)  # recorded late: one more counts
    incremental_matches_full(now=NOW + timedelta(days=1))
    assert score_of(member) == pytest.approx(before * 0.5 ** (1 / 30) + 1 * 0.5 ** (51 / 30))


def test_activity_that_committed_after_the_last_run_took_its_mark_is_counted_once(history):
    member = history[1]
    engagement_recompute(now=NOW)
    late = activity_row(member, Verb.RESOURCE_VIEWED, NOW - timedelta(days=10))
    # As if its transaction had taken the id before the last run read the log and committed after it.
    EngagementRun.objects.filter(id=EngagementRun.objects.latest("id").id).update(
        activity_mark=late.pk + 1, activity_gaps=[late.pk]
    )
    incremental_matches_full(now=NOW + timedelta(days=1))  # read again through the gap
    incremental_matches_full(now=NOW + timedelta(days=2))  # and not a second time


def activity_row(member: Member, verb: str, at: datetime) -> Activity:
    activity(member, verb, at)
    return Activity.objects.filter(member=member).latest("id")


def test_an_incremental_run_does_not_read_activity_older_than_its_windows(history):
    member = history[2]
    engagement_recompute(now=NOW)
    before = score_of(member)
    # A row the last run's mark says it has counted, dated before every window: only a run that reads the whole
    # log again can see it.
    marker = activity_row(member, Verb.RESOURCE_VIEWED, NOW - timedelta(days=300))
    EngagementRun.objects.filter(id=EngagementRun.objects.latest("id").id).update(activity_mark=marker.pk)

    with transaction.atomic():
        engagement_recompute(now=NOW, full=True)
        assert score_of(member) > before  # the marker is worth something to a run that reads it
        transaction.set_rollback(True)
    assert not engagement_recompute(now=NOW).full
    assert score_of(member) == pytest.approx(before, rel=1e-12)


@pytest.mark.parametrize(
    "change",
    [
        lambda: VerbScore.objects.filter(verb=Verb.LINK_CLICKED).update(points=2),
        lambda: VerbScore.objects.filter(verb=Verb.RESOURCE_VIEWED).update(daily_cap=2),
        lambda: VerbScore.objects.filter(verb=Verb.LINK_CLICKED).update(meaningful=True),
        lambda: EngagementSettings.objects.filter(id=1).update(half_life_days=10),
        lambda: EngagementSettings.objects.filter(id=1).update(engaged_window_days=60),
    ],
    ids=["points", "cap", "meaningful", "half-life", "window"],
)
def test_a_change_of_the_rules_makes_the_next_run_a_full_one(history, change):
    engagement_recompute(now=NOW)
    change()
    expected, _ = what_a_full_run_writes(now=NOW + timedelta(days=1))
    run, figures, _ = run_and_read(now=NOW + timedelta(days=1))
    assert run.full
    assert_same(figures, expected)
    assert not engagement_recompute(now=NOW + timedelta(days=2)).full


def test_a_member_suspended_drops_out_and_comes_back_with_their_whole_history(history):
    member = history[1]
    engagement_recompute(now=NOW)
    Member.objects.filter(pk=member.pk).update(status=Member.Status.SUSPENDED)
    incremental_matches_full(now=NOW + timedelta(days=1))
    assert not MemberEngagement.objects.filter(member=member).exists()
    activity(member, Verb.RESOURCE_VIEWED, NOW + timedelta(days=1, hours=2))
    Member.objects.filter(pk=member.pk).update(status=Member.Status.APPROVED)
    incremental_matches_full(now=NOW + timedelta(days=3))
    assert score_of(member) > 10 * 0.5 ** (1 / 30)


def test_a_moment_earlier_than_the_last_run_is_a_full_replay(history):
    engagement_recompute(now=NOW)
    earlier = NOW - timedelta(days=40)
    expected, _ = what_a_full_run_writes(now=earlier)
    run, figures, _ = run_and_read(now=earlier)
    assert run.full
    assert_same(figures, expected)


def test_running_twice_changes_nothing(history):
    engagement_recompute(now=NOW)
    activity(history[0], Verb.RESOURCE_VIEWED, NOW + timedelta(hours=3))
    later = NOW + timedelta(hours=5)
    engagement_recompute(now=later)
    figures, transitions = current_figures(), StageTransition.objects.count()
    run, again, written = run_and_read(now=later)
    assert not run.full
    assert (again, written, StageTransition.objects.count()) == (figures, set(), transitions)
