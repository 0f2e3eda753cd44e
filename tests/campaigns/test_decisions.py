"""The claim step's decision for one delivery, from plain values: no database."""

from datetime import UTC, datetime, timedelta

import pytest

from campaigns.decisions import BUDGET_WINDOW, Decision, Outcome, condition_fails, delivery_decision
from campaigns.models import Channel, StepCondition
from members.models import MemberStatus

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def decide(**overrides) -> Decision:
    facts = {
        "member_status": MemberStatus.APPROVED,
        "condition": StepCondition.ALWAYS,
        "goal_reached": False,
        "previous_opened": False,
        "previous_clicked": False,
        "sent_in_window": 0,
        "oldest_in_window": None,
        "budget": 3,
        "step_channel": Channel.EMAIL,
        "consent_email": True,
        "undeliverable": "",
        "now": NOW,
    }
    return delivery_decision(**{**facts, **overrides})


def test_an_approved_member_who_consents_gets_the_email():
    assert decide() == Decision(Outcome.EMAIL, channel=Channel.EMAIL)
    assert decide(step_channel=Channel.BOTH) == Decision(Outcome.EMAIL, channel=Channel.BOTH)


@pytest.mark.parametrize(
    ("status", "reason"),
    [(MemberStatus.SUSPENDED, "Member is suspended."), (MemberStatus.LEFT, "Member has left the network.")],
)
def test_a_suspended_or_departed_member_is_suppressed_before_anything_else(status, reason):
    assert decide(member_status=status, sent_in_window=99) == Decision(Outcome.SUPPRESS, reason=reason)


def test_a_reached_goal_skips_the_step():
    decision = decide(condition=StepCondition.GOAL_NOT_REACHED, goal_reached=True, sent_in_window=99)
    assert decision == Decision(Outcome.SKIP, reason="Goal already reached.")


@pytest.mark.parametrize(
    ("condition", "opened", "clicked", "skipped"),
    [
        (StepCondition.PREVIOUS_OPENED, False, False, True),
        (StepCondition.PREVIOUS_OPENED, True, False, False),
        (StepCondition.PREVIOUS_NOT_OPENED, True, False, True),
        (StepCondition.PREVIOUS_CLICKED, True, False, True),
        (StepCondition.PREVIOUS_CLICKED, True, True, False),
        (StepCondition.PREVIOUS_NOT_CLICKED, True, True, True),
    ],
)
def test_conditions_on_the_previous_message(condition, opened, clicked, skipped):
    reason = condition_fails(condition, goal_reached=False, previous_opened=opened, previous_clicked=clicked)
    assert bool(reason) is skipped


def test_a_full_budget_postpones_until_the_oldest_message_leaves_the_window():
    oldest = NOW - timedelta(days=2)
    assert decide(sent_in_window=3, oldest_in_window=oldest) == Decision(
        Outcome.POSTPONE, reason="Waiting: contact budget reached.", due_at=oldest + BUDGET_WINDOW
    )
    assert decide(sent_in_window=2).outcome == Outcome.EMAIL


def test_without_email_consent_the_message_goes_to_the_portal_inbox():
    assert decide(consent_email=False) == Decision(Outcome.IN_APP, channel=Channel.IN_APP)
    assert decide(step_channel=Channel.IN_APP) == Decision(Outcome.IN_APP, channel=Channel.IN_APP)


def test_an_undeliverable_address_is_rerouted_to_the_inbox_and_the_log_says_why():
    decision = decide(undeliverable="Hard bounce: 550 5.1.1 no such user")
    assert (decision.outcome, decision.channel) == (Outcome.IN_APP, Channel.IN_APP)
    assert "Hard bounce: 550 5.1.1 no such user" in decision.reason
