"""CSV formats of opportunities and ratings, on the all-or-nothing framework of `core.csv_io`."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils.translation import gettext as _

from core.csv_io import ModelFormCsvFormat, existing_by_id
from members.models import User
from personas.models import JobToBeDone
from roadmap.models import Criterion, IdeationSession, Opportunity, Rating


class OpportunityRowForm(forms.ModelForm[Opportunity]):
    owner = forms.ModelChoiceField(queryset=User.objects.all(), to_field_name="email", required=False)
    session = forms.ModelChoiceField(queryset=IdeationSession.objects.all(), required=False)
    jobs = forms.ModelMultipleChoiceField(queryset=JobToBeDone.objects.all(), required=False)

    class Meta:
        model = Opportunity
        fields = ["title", "description", "session", "status", "effort_weeks", "owner", "jobs"]


def _opportunity_prepare(row: dict[str, Any]) -> dict[str, Any]:
    jobs = [part.strip() for part in row.get("jobs", "").split(";") if part.strip()]
    return {**row, "jobs": jobs}


def _opportunity_rows() -> list[dict[str, Any]]:
    through = Opportunity.jobs.through
    jobs: dict[int, list[str]] = {}
    for opportunity_id, job_id in through.objects.order_by("jobtobedone_id").values_list(
        "opportunity_id", "jobtobedone_id"
    ):
        jobs.setdefault(opportunity_id, []).append(str(job_id))
    rows = Opportunity.objects.order_by("title", "id").values(
        "id", "title", "description", "status", "effort_weeks", "session_id", owner_email=F("owner__email")
    )
    return [
        {
            **row,
            "session": row["session_id"] or "",
            "owner": row["owner_email"] or "",
            "jobs": "; ".join(jobs.get(row["id"], [])),
        }
        for row in rows
    ]


OPPORTUNITY_CSV = ModelFormCsvFormat(
    name="opportunities",
    columns=("id", "title", "description", "session", "status", "effort_weeks", "owner", "jobs"),
    form_class=OpportunityRowForm,
    rows=_opportunity_rows,
    instance_for=lambda row: existing_by_id(Opportunity, row),
    key=lambda row: row.get("id") or f"new:{row.get('title', '').lower()}",
    prepare=_opportunity_prepare,
)


class RatingRowForm(forms.ModelForm[Rating]):
    class Meta:
        model = Rating
        fields = ["opportunity", "criterion", "value"]


def _rating_prepare(row: dict[str, Any]) -> dict[str, Any]:
    criterion = (
        Criterion.objects.filter(model__name=row.get("model", ""), name=row.get("criterion", ""))
        .values_list("pk", flat=True)
        .first()
    )
    if criterion is None:
        raise ValidationError(
            _("No criterion “%(criterion)s” in a model named “%(kind)s”.")
            % {"criterion": row.get("criterion", ""), "kind": row.get("model", "")}
        )
    return {"opportunity": row.get("opportunity", ""), "criterion": str(criterion), "value": row.get("value", "")}


def _existing_rating(row: dict[str, Any]) -> Rating | None:
    if not str(row["opportunity"]).isdigit():
        return None  # the form reports the bad opportunity
    return Rating.objects.filter(opportunity_id=int(row["opportunity"]), criterion_id=int(row["criterion"])).first()


def _rating_rows() -> list[dict[str, Any]]:
    rows = Rating.objects.order_by("opportunity__title", "criterion__model__name", "criterion__position").values(
        "opportunity_id", "opportunity__title", "criterion__model__name", "criterion__name", "value"
    )
    return [
        {
            "opportunity": row["opportunity_id"],
            "opportunity_title": row["opportunity__title"],
            "model": row["criterion__model__name"],
            "criterion": row["criterion__name"],
            "value": row["value"],
        }
        for row in rows
    ]


RATING_CSV = ModelFormCsvFormat(
    name="ratings",
    columns=("opportunity", "opportunity_title", "model", "criterion", "value"),
    optional_columns=("opportunity_title",),
    form_class=RatingRowForm,
    rows=_rating_rows,
    instance_for=_existing_rating,
    key=lambda row: f"{row['opportunity']}|{row['criterion']}",
    prepare=_rating_prepare,
)
