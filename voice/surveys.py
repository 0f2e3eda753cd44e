"""Writes of the micro-surveys: creating, opening, closing and re-running a survey; a member's answers; the job
scores they compute; a staff override with its reason."""

from collections.abc import Mapping, Sequence
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from members.history import attribute_change
from members.models import Member, Source, User
from personas.models import JobToBeDone, Persona, ScoreSource
from voice import tasks
from voice.activity import SURVEY_ANSWERED, record_voice_activity
from voice.models import Survey, SurveyAnswer, SurveyResponse, SurveyScale, SurveyStatus

Answer = tuple[int | None, int | None]  # importance, satisfaction on the survey's scale


def _origin(by: User | None) -> Source:
    return Source.ADMIN if by is not None else Source.SYSTEM


@transaction.atomic
def survey_create(
    *,
    persona: Persona,
    title: str,
    by: User | None,
    scale: int = SurveyScale.ONE_TO_FIVE,
    jobs: Sequence[JobToBeDone] | None = None,
    intro: str = "",
    rerun_of: Survey | None = None,
) -> Survey:
    """A draft survey on the persona's jobs (all of them unless `jobs` says which)."""
    chosen = list(jobs) if jobs is not None else list(persona.jobs.all())
    if not chosen:
        raise ValidationError(_("A survey asks about at least one job."))
    if any(job.persona_id != persona.pk for job in chosen):
        raise ValidationError({"jobs": _("Ask only about the persona's own jobs.")})
    survey = Survey(persona=persona, title=title, scale=scale, intro=intro, rerun_of=rerun_of)
    survey.full_clean(exclude=["jobs"])
    survey.save()
    survey.jobs.set(chosen)
    return survey


def survey_rerun(*, survey: Survey, by: User | None, title: str = "") -> Survey:
    """The same questions again, to see how the answers change over time."""
    return survey_create(
        persona=survey.persona,
        title=title or survey.title,
        by=by,
        scale=survey.scale,
        jobs=list(survey.jobs.all()),
        intro=survey.intro,
        rerun_of=survey,
    )


@transaction.atomic
def survey_set_status(*, survey: Survey, status: str, by: User | None) -> Survey:
    locked = Survey.objects.select_for_update().get(pk=survey.pk)
    if status == SurveyStatus.OPEN and locked.status == SurveyStatus.DRAFT:
        locked.status, locked.opened_at = SurveyStatus.OPEN, timezone.now()
    elif status == SurveyStatus.CLOSED and locked.status == SurveyStatus.OPEN:
        locked.status, locked.closed_at = SurveyStatus.CLOSED, timezone.now()
    elif status != locked.status:
        raise ValidationError(_("A survey goes from draft to open to closed."))
    locked.save(update_fields=["status", "opened_at", "closed_at"])
    return locked


def _validated(survey: Survey, job_ids: set[int], answers: Mapping[int, Answer]) -> dict[int, Answer]:
    clean: dict[int, Answer] = {}
    for job_id, (importance, satisfaction) in answers.items():
        if job_id not in job_ids:
            raise ValidationError(_("This survey does not ask about that job."))
        for value in (importance, satisfaction):
            if value is not None and not survey.lowest <= value <= survey.scale:
                raise ValidationError(
                    _("Answer from %(low)d to %(high)d.") % {"low": survey.lowest, "high": survey.scale}
                )
        if importance is not None or satisfaction is not None:
            clean[job_id] = (importance, satisfaction)
    if not clean:
        raise ValidationError(_("Answer at least one question."))
    return clean


def survey_respond(
    *, member: Member, survey: Survey, answers: Mapping[int, Answer], source: str = Source.WEB
) -> SurveyResponse:
    """The member's answers (job id → importance, satisfaction; either may be None). Answering again before the
    survey closes replaces their answers: one response per member and survey, held by the database."""
    if not member.is_approved:
        raise ValidationError(_("Only approved members can take part."))
    job_ids = set(survey.jobs.values_list("pk", flat=True))
    clean = _validated(survey, job_ids, answers)
    with transaction.atomic():
        locked = Survey.objects.select_for_update().get(pk=survey.pk)
        if locked.status != SurveyStatus.OPEN:
            raise ValidationError(_("This survey is not open."))
        now = timezone.now()
        organisation = member.organisation
        fields = {"sector": organisation.sector if organisation else "", "persona_id": member.persona_id}
        try:
            with transaction.atomic():
                response = SurveyResponse.objects.create(survey=locked, member=member, submitted_at=now, **fields)
            first = True
        except IntegrityError:
            response = SurveyResponse.objects.select_for_update().get(survey=locked, member=member)
            response.submitted_at = now
            for name, value in fields.items():
                setattr(response, name, value)
            response.save()
            response.answers.all().delete()
            first = False
        SurveyAnswer.objects.bulk_create(
            SurveyAnswer(response=response, job_id=job_id, importance=importance, satisfaction=satisfaction)
            for job_id, (importance, satisfaction) in clean.items()
        )
        if first:
            record_voice_activity(member=member, verb=SURVEY_ANSWERED, subject=locked, source=source)
        tasks.recompute_job_scores.delay_on_commit(sorted(clean))
    return response


@transaction.atomic
def job_score_override(
    *, job: JobToBeDone, importance: Decimal, satisfaction: Decimal, reason: str, by: User | None
) -> JobToBeDone:
    """Staff set a job's scores against the responses, with the reason shown beside them."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the scores are overridden.")})
    for value in (importance, satisfaction):
        if not Decimal(0) <= value <= Decimal(10):
            raise ValidationError(_("Scores run from 0 to 10."))
    locked = JobToBeDone.objects.select_for_update().get(pk=job.pk)
    locked.importance, locked.satisfaction = importance, satisfaction
    locked.score_source, locked.override_reason = ScoreSource.OVERRIDE, reason
    attribute_change(locked, by=by, origin=_origin(by))
    locked.save()
    return locked


@transaction.atomic
def job_score_override_clear(*, job: JobToBeDone, by: User | None) -> JobToBeDone:
    """Back to the computed scores (or, with no responses yet, the typed ones as they stand)."""
    locked = JobToBeDone.objects.select_for_update().get(pk=job.pk)
    if locked.computed_importance is not None and locked.computed_satisfaction is not None:
        locked.score_source = ScoreSource.COMPUTED
        locked.importance, locked.satisfaction = locked.computed_importance, locked.computed_satisfaction
    else:
        locked.score_source = ScoreSource.TYPED
    locked.override_reason = ""
    attribute_change(locked, by=by, origin=_origin(by))
    locked.save()
    return locked
