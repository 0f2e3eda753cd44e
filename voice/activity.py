"""The member-caused activity of the voice (an idea submitted, a vote, a survey answered).

`members` holds the verbs, each with its allowed origins and a CHECK that needs a members migration to grow. Until
`members` adds these verbs, nothing is recorded: `record_voice_activity` writes only a verb `members` knows, so the
day the verbs land (members' migration), every idea, vote and answer is counted with no change here.
"""

from django.db import models

from members.models import Member, Source, Verb
from members.services import record_activity

IDEA_SUBMITTED = "idea_submitted"
IDEA_VOTED = "idea_voted"
SURVEY_ANSWERED = "survey_answered"
VOICE_VERBS = (IDEA_SUBMITTED, IDEA_VOTED, SURVEY_ANSWERED)


def record_voice_activity(*, member: Member, verb: str, subject: models.Model, source: str = Source.WEB) -> bool:
    """Records the member's own act when `members` knows the verb; says whether it did."""
    if verb not in Verb.values:
        return False
    record_activity(member=member, verb=verb, subject=subject, source=source)
    return True
