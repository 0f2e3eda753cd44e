from datetime import UTC, datetime, timedelta

import pytest

from engagement.models import EngagementSettings, LifecycleStage, MemberEngagement, StageTransition, VerbScore
from engagement.scoring import engagement_recompute, engagement_replay, engagement_settings, score_breakdown
from members.models import Member, Source, Verb
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
