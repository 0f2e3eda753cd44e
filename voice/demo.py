"""Demo voice for `manage.py seed_demo`: a few ideas (one taken into a planned opportunity, two duplicates left for
staff to merge), their votes, and one survey with its responses, from `demo/voice/voice.json`. All of it is
marked as demo content: invented, not research."""

from typing import Any

from core.demo_files import demo_json
from members.models import Member
from personas.models import Persona
from roadmap.models import Opportunity
from voice.models import Idea, Survey, SurveyStatus
from voice.scoring import job_scores_recompute
from voice.services import idea_submit, idea_triage, vote_cast
from voice.surveys import survey_create, survey_respond, survey_set_status


def _approved() -> list[Member]:
    return list(Member.objects.approved().select_related("user", "organisation").order_by("pk"))


def _author(members: list[Member], spec: Any) -> Member:
    if isinstance(spec, str):
        return next(member for member in members if member.user.email == spec)
    return members[spec]


def _ideas(data: list[dict[str, Any]], members: list[Member]) -> None:
    for index, row in enumerate(data):
        if Idea.objects.filter(title=row["title"]).exists():
            continue
        author = _author(members, row["author"])
        jobs = list(author.persona.jobs.filter(situation__in=row["jobs"])) if author.persona else []
        idea = idea_submit(member=author, title=row["title"], problem=row["problem"], jobs=jobs)
        voters = [m for m in members if m.pk != author.pk][index * 3 : index * 3 + row["voters"]]
        for voter in voters:
            vote_cast(member=voter, idea=idea, importance=row["importance"])
        opportunity = Opportunity.objects.filter(title=row["opportunity"]).first() if row["opportunity"] else None
        if opportunity is not None:
            idea_triage(idea=idea, opportunity=opportunity, by=None)


def _survey(spec: dict[str, Any], members: list[Member]) -> None:
    if Survey.objects.filter(title=spec["title"]).exists():
        return
    persona = Persona.objects.filter(name=spec["persona"]).first()
    if persona is None:
        return
    jobs = list(persona.jobs.order_by("pk"))
    survey = survey_create(persona=persona, title=spec["title"], intro=spec["intro"], scale=spec["scale"], by=None)
    survey_set_status(survey=survey, status=SurveyStatus.OPEN, by=None)
    respondents = [m for m in members if m.user.email != "member@example.org"][-len(spec["responses"]) :]
    for member, answers in zip(respondents, spec["responses"], strict=True):
        survey_respond(
            member=member,
            survey=survey,
            answers={job.pk: (imp, sat) for job, (imp, sat) in zip(jobs, answers, strict=False)},
        )
    # The demo runs in one transaction, so the task the responses enqueue after commit would come too late.
    job_scores_recompute(job_ids=[job.pk for job in jobs])


def seed() -> list[tuple[str, str]]:
    """Idempotent: ideas and the survey are found by title and left alone the second time."""
    data = demo_json("voice/voice.json")
    members = _approved()
    if not members:
        return []
    _ideas(data["ideas"], members)
    _survey(data["survey"], members)
    return []
