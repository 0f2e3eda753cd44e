from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import BlankRenderedOnce
from sharing.models import Label
from spaces.models import ActionState, FollowLevel

LABEL_HELP = _(
    "TLP:AMBER (the default) shares it with the organisations taking part; AMBER+STRICT with your organisation "
    "only; RED with you and the participants you @mention; GREEN and CLEAR with every member who may see the space."
)


def _label_field() -> forms.ChoiceField:
    return forms.ChoiceField(label=_("Label"), choices=Label.choices, initial=Label.AMBER, help_text=LABEL_HELP)


class ThreadForm(BlankRenderedOnce):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=20000,
        help_text=_("Markdown. Mention a participant with @ and their name, e.g. @rosa-silva."),
    )
    label = _label_field()


class ReplyForm(BlankRenderedOnce):
    body = forms.CharField(
        label=_("Reply"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=20000,
        help_text=_("Markdown. Mention a participant with @ and their name, e.g. @rosa-silva."),
    )
    label = _label_field()


class EditForm(forms.Form):
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 6}), max_length=20000)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000)


class FollowForm(BlankRenderedOnce):
    level = forms.ChoiceField(label=_("Notify me of"), choices=FollowLevel.choices)


class DocumentForm(BlankRenderedOnce):
    file = forms.FileField(label=_("File"), help_text=_("PDF, office documents, CSV or images."))
    title = forms.CharField(label=_("Title"), max_length=200, required=False, help_text=_("The file name if empty."))
    label = _label_field()


class VersionForm(forms.Form):
    file = forms.FileField(label=_("New version"))


class SessionForm(forms.Form):
    starts_at = forms.DateTimeField(
        label=_("Starts at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    title = forms.CharField(label=_("Title"), max_length=200, required=False)


class NotesForm(forms.Form):
    agenda = forms.CharField(label=_("Agenda"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 6}), required=False)
    decisions = forms.CharField(label=_("Decisions"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    label = _label_field()


class ActionItemForm(forms.Form):
    title = forms.CharField(label=_("What is to be done"), max_length=300)
    owner = forms.TypedChoiceField(label=_("Owner"), coerce=int)
    due_on = forms.DateField(label=_("Due on"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: object, owners: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["owner"].choices = owners  # type: ignore[attr-defined]


class ActionStateForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), choices=ActionState.choices)


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search the spaces"), max_length=200, required=False)
