"""The persona and job CSV formats, on the all-or-nothing framework of `core.csv_io`."""

from collections.abc import Iterable
from typing import Any

from django import forms

from core.csv_io import ModelFormCsvFormat, existing_by_id, parse_bool
from personas.models import JobToBeDone, Persona


class PersonaRowForm(forms.ModelForm[Persona]):
    class Meta:
        model = Persona
        fields = ["name", "sector", "summary", "needs", "pains", "goals", "quote", "is_active"]


def _persona_prepare(row: dict[str, Any]) -> dict[str, Any]:
    active = parse_bool(row.get("is_active", ""), default=True)
    # A checkbox is on when its key is present, whatever the value.
    return {key: value for key, value in row.items() if key != "is_active"} | ({"is_active": "on"} if active else {})


PERSONA_CSV = ModelFormCsvFormat(
    name="personas",
    columns=("name", "sector", "summary", "needs", "pains", "goals", "quote", "is_active"),
    form_class=PersonaRowForm,
    rows=lambda: (
        {**row, "is_active": "yes" if row["is_active"] else "no"}
        for row in Persona.objects.order_by("name").values(
            "name", "sector", "summary", "needs", "pains", "goals", "quote", "is_active"
        )
    ),
    instance_for=lambda row: Persona.objects.filter(name=row.get("name", "")).first(),
    key=lambda row: row.get("name", "").lower(),
    prepare=_persona_prepare,
)


class JobRowForm(forms.ModelForm[JobToBeDone]):
    persona = forms.ModelChoiceField(queryset=Persona.objects.all(), to_field_name="name")

    class Meta:
        model = JobToBeDone
        fields = [
            "persona",
            "situation",
            "motivation",
            "outcome",
            "importance",
            "satisfaction",
            "evidence_notes",
            "interview_count",
        ]


def _job_rows() -> Iterable[dict[str, Any]]:
    for job in JobToBeDone.objects.select_related("persona").order_by("persona__name", "id"):
        yield {
            "id": job.pk,
            "persona": job.persona.name,
            "situation": job.situation,
            "motivation": job.motivation,
            "outcome": job.outcome,
            "importance": job.importance,
            "satisfaction": job.satisfaction,
            "evidence_notes": job.evidence_notes,
            "interview_count": job.interview_count,
        }


JOB_CSV = ModelFormCsvFormat(
    name="jobs",
    columns=(
        "id",
        "persona",
        "situation",
        "motivation",
        "outcome",
        "importance",
        "satisfaction",
        "evidence_notes",
        "interview_count",
    ),
    form_class=JobRowForm,
    rows=_job_rows,
    instance_for=lambda row: existing_by_id(JobToBeDone, row),
    key=lambda row: row.get("id") or f"new:{row.get('persona')}|{row.get('situation')}|{row.get('motivation')}",
)
