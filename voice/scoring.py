"""Job scores recomputed from every survey answer so far (the task `recompute_job_scores` runs it after each
response commits; the arithmetic is in `voice/scores.py`)."""

from collections.abc import Iterable
from datetime import date

from django.db import transaction

from members.history import attribute_change
from members.models import Source
from personas.models import JobToBeDone, ScoreSource
from voice.models import SurveyAnswer
from voice.scores import Estimate, estimate, to_ten


def _estimates(job: JobToBeDone) -> tuple[Estimate, Estimate, date | None, date | None]:
    rows = list(
        SurveyAnswer.objects.filter(job=job).values_list(
            "importance", "satisfaction", "response__survey__scale", "response__submitted_at"
        )
    )
    importance = estimate(to_ten(i, scale=s) if i is not None else None for i, _sat, s, _at in rows)
    satisfaction = estimate(to_ten(v, scale=s) if v is not None else None for _imp, v, s, _at in rows)
    dates = [at.date() for _imp, _sat, _scale, at in rows]
    return importance, satisfaction, min(dates, default=None), max(dates, default=None)


def job_scores_recompute(*, job_ids: Iterable[int]) -> int:
    """Recomputes each job's scores from every answer so far; a job staff overrode keeps its values (the computed
    ones are still kept beside them). Idempotent; returns how many jobs it wrote."""
    written = 0
    for job_id in job_ids:
        with transaction.atomic():
            job = JobToBeDone.objects.select_for_update().filter(pk=job_id).first()
            if job is None:
                continue
            importance, satisfaction, first, last = _estimates(job)
            job.computed_importance, job.importance_margin = importance.mean, importance.margin
            job.importance_sample = importance.sample
            job.computed_satisfaction, job.satisfaction_margin = satisfaction.mean, satisfaction.margin
            job.satisfaction_sample = satisfaction.sample
            job.responses_from, job.responses_to = first, last
            if (
                job.score_source != ScoreSource.OVERRIDE
                and importance.mean is not None
                and satisfaction.mean is not None
            ):
                job.score_source = ScoreSource.COMPUTED
                job.importance, job.satisfaction = importance.mean, satisfaction.mean
            attribute_change(job, by=None, origin=Source.SYSTEM)
            job.save()
            written += 1
    return written
