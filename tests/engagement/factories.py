"""Engagement test data: onboarded members and activity placed at chosen moments."""

from datetime import datetime

from initiatives.models import Initiative
from members.models import Member
from members.services import record_activity
from tests.initiatives.factories import InitiativeFactory, ParticipationFactory
from tests.members.factories import MemberFactory, OrganisationFactory
from tests.personas.factories import PersonaFactory

NAMED = {"user__first_name": "Ada", "user__last_name": "Lovelace", "job_title": "AML Investigator"}


def onboarded_member(*, approved_at: datetime, initiative: Initiative | None = None, **kwargs: object) -> Member:
    """An approved member with a complete profile, a persona and a joined initiative (so: activated)."""
    kwargs.setdefault("persona", PersonaFactory())
    kwargs.setdefault("organisation", OrganisationFactory())
    member = MemberFactory.create(status_changed_at=approved_at, **NAMED, **kwargs)
    ParticipationFactory(member=member, initiative=initiative or InitiativeFactory(), requested_at=approved_at)
    return member


def activity(member: Member, verb: str, at: datetime, *, times: int = 1, subject: Initiative | None = None) -> None:
    """Records activity in the past, through the one function that writes it."""
    for _ in range(times):
        record_activity(member=member, verb=verb, subject=subject, occurred_at=at)
