"""What the claim step does with one due delivery, decided from plain values: suppress it, skip it, postpone it for
the contact budget, or send it, and on which channel. No database here: `campaigns.send` gathers the facts for a
whole chunk in a few queries, and tests call this directly."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from campaigns.bounces import undeliverable_delivery_reason
from campaigns.models import Channel, StepCondition
from members.models import MemberStatus

BUDGET_WINDOW = timedelta(days=7)
SUPPRESSION_REASONS = {
    MemberStatus.SUSPENDED: "Member is suspended.",
    MemberStatus.LEFT: "Member has left the network.",
}


class Outcome(StrEnum):
    SUPPRESS = "suppress"
    SKIP = "skip"
    POSTPONE = "postpone"
    EMAIL = "email"  # claimed for the SMTP server (and the portal inbox too when the channel is both)
    IN_APP = "in_app"  # sent now, to the portal inbox only


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    reason: str = ""  # the delivery log's line
    channel: str = ""  # what the row is sent on, for EMAIL and IN_APP
    due_at: datetime | None = None  # the new due time, for POSTPONE


def condition_fails(condition: str, *, goal_reached: bool, previous_opened: bool, previous_clicked: bool) -> str:
    """Why the step's condition says skip, or "" to send."""
    if condition == StepCondition.ALWAYS:
        return ""
    if condition == StepCondition.GOAL_NOT_REACHED:
        return "Goal already reached." if goal_reached else ""
    holds, reason = {
        StepCondition.PREVIOUS_OPENED: (previous_opened, "The previous message was not opened."),
        StepCondition.PREVIOUS_NOT_OPENED: (not previous_opened, "The previous message was opened."),
        StepCondition.PREVIOUS_CLICKED: (previous_clicked, "No link in the previous message was clicked."),
        StepCondition.PREVIOUS_NOT_CLICKED: (not previous_clicked, "A link in the previous message was clicked."),
    }[StepCondition(condition)]
    return "" if holds else reason


def delivery_decision(
    *,
    member_status: str,
    condition: str,
    goal_reached: bool,
    previous_opened: bool,
    previous_clicked: bool,
    sent_in_window: int,
    oldest_in_window: datetime | None,
    budget: int,
    step_channel: str,
    consent_email: bool,
    undeliverable: str,
    now: datetime,
) -> Decision:
    """One due delivery's fate. `sent_in_window` counts the member's messages in the budget window (the ones
    decided earlier in the same chunk included) and `oldest_in_window` is the oldest of them; `undeliverable` is
    why the member's address bounces, or ""."""
    if member_status != MemberStatus.APPROVED:
        return Decision(Outcome.SUPPRESS, reason=SUPPRESSION_REASONS[MemberStatus(member_status)])
    reason = condition_fails(
        condition, goal_reached=goal_reached, previous_opened=previous_opened, previous_clicked=previous_clicked
    )
    if reason:
        return Decision(Outcome.SKIP, reason=reason)
    if sent_in_window >= budget:
        return Decision(
            Outcome.POSTPONE,
            reason="Waiting: contact budget reached.",
            due_at=(oldest_in_window or now) + BUDGET_WINDOW,
        )
    wants_email = step_channel in (Channel.EMAIL, Channel.BOTH) and consent_email
    # An address that bounces gets the message in the portal inbox instead, and the log says why.
    rerouted = undeliverable_delivery_reason(undeliverable) if wants_email and undeliverable else ""
    wants_email = wants_email and not undeliverable
    wants_in_app = step_channel in (Channel.IN_APP, Channel.BOTH) or not consent_email or bool(undeliverable)
    if wants_email:
        return Decision(Outcome.EMAIL, channel=Channel.BOTH if wants_in_app else Channel.EMAIL)
    return Decision(Outcome.IN_APP, channel=Channel.IN_APP, reason=rerouted)
