from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from members.models import Member
from personas.models import JobToBeDone
from roadmap.models import Opportunity
from voice.models import Idea, IdeaStatus, Importance, Survey


class JobChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return _("When %(situation)s, I want to %(motivation)s") % {
            "situation": obj.situation,
            "motivation": obj.motivation,
        }


class IdeaForm(forms.Form):
    title = forms.CharField(label=_("Your idea, in a line"), max_length=200)
    problem = forms.CharField(
        label=_("The problem it solves"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What gets in your way today? Describe the problem, not only the solution."),
    )
    jobs = JobChoiceField(
        label=_("Which of your jobs does it serve?"),
        queryset=JobToBeDone.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, member: Member, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        jobs = cast(forms.ModelMultipleChoiceField, self.fields["jobs"])
        jobs.queryset = (
            JobToBeDone.objects.filter(persona_id=member.persona_id)
            if member.persona_id
            else JobToBeDone.objects.none()
        )


class VoteForm(forms.Form):
    importance = forms.ChoiceField(
        label=_("How important is it to you?"),
        choices=[("", _("Just a vote")), *Importance.choices],
        required=False,
    )


class CommentForm(forms.Form):
    body = forms.CharField(label=_("Your comment"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


class TriageForm(forms.Form):
    ACTIONS = [
        ("new", _("Take it into a new opportunity")),
        ("existing", _("Take it into an existing opportunity")),
        ("merge", _("Merge it into another idea (a duplicate)")),
        ("decline", _("Decline it")),
    ]
    action = forms.ChoiceField(label=_("What to do"), choices=ACTIONS, widget=forms.RadioSelect)
    title = forms.CharField(label=_("New opportunity's title"), max_length=200, required=False)
    opportunity = forms.ModelChoiceField(
        label=_("Existing opportunity"), queryset=Opportunity.objects.all(), required=False
    )
    into = forms.ModelChoiceField(label=_("Idea it duplicates"), queryset=Idea.objects.none(), required=False)
    note = forms.CharField(
        label=_("Staff note (never shown to members)"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args: Any, idea: Idea, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        into = cast(forms.ModelChoiceField, self.fields["into"])
        into.queryset = Idea.objects.exclude(pk=idea.pk).filter(status__in=[IdeaStatus.OPEN, IdeaStatus.TRIAGED])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        action = cleaned.get("action")
        if action == "existing" and not cleaned.get("opportunity"):
            self.add_error("opportunity", _("Choose the opportunity."))
        if action == "merge" and not cleaned.get("into"):
            self.add_error("into", _("Choose the idea it duplicates."))
        return cleaned


class SurveyAnswerForm(forms.Form):
    """Two questions per job, each a row of radio buttons on the survey's scale; any may be left out."""

    def __init__(self, *args: Any, survey: Survey, jobs: list[JobToBeDone], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.jobs = jobs
        choices = [(str(v), str(v)) for v in range(survey.lowest, survey.scale + 1)]
        low, high = survey.lowest, survey.scale
        for job in jobs:
            self.fields[f"importance_{job.pk}"] = forms.TypedChoiceField(
                label=_("How important is this to you? (%(low)d not at all – %(high)d extremely)")
                % {"low": low, "high": high},
                choices=choices,
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.RadioSelect(attrs={"class": "scale"}),
            )
            self.fields[f"satisfaction_{job.pk}"] = forms.TypedChoiceField(
                label=_("How satisfied are you with how you can do it today? (%(low)d not at all – %(high)d fully)")
                % {"low": low, "high": high},
                choices=choices,
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.RadioSelect(attrs={"class": "scale"}),
            )

    def questions(self) -> list[tuple[JobToBeDone, list[Any]]]:
        return [(job, [self[f"importance_{job.pk}"], self[f"satisfaction_{job.pk}"]]) for job in self.jobs]

    def answers(self) -> dict[int, tuple[int | None, int | None]]:
        data = self.cleaned_data
        return {job.pk: (data.get(f"importance_{job.pk}"), data.get(f"satisfaction_{job.pk}")) for job in self.jobs}


class OverrideForm(forms.Form):
    importance = forms.DecimalField(label=_("Importance (0–10)"), min_value=0, max_value=10, decimal_places=1)
    satisfaction = forms.DecimalField(label=_("Satisfaction (0–10)"), min_value=0, max_value=10, decimal_places=1)
    reason = forms.CharField(label=_("Why override the members' answers?"), widget=forms.Textarea(attrs={"rows": 2}))
