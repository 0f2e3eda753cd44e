"""The member-caused activity of the voice: an idea submitted, a vote, a survey answered."""

from django.db import models

from members.models import Member, Source, Verb
from members.services import record_activity

IDEA_SUBMITTED = Verb.IDEA_SUBMITTED
IDEA_VOTED = Verb.IDEA_VOTED
SURVEY_ANSWERED = Verb.SURVEY_ANSWERED
VOICE_VERBS = (IDEA_SUBMITTED, IDEA_VOTED, SURVEY_ANSWERED)


def record_voice_activity(*, member: Member, verb: str, subject: models.Model, source: str = Source.WEB) -> None:
    """Records the member's own act."""
    record_activity(member=member, verb=verb, subject=subject, source=source)
