"""PortalFormRenderer writes, character for character, what Django's templates write, without the templates."""

import datetime
from pathlib import Path

import django
import pytest
from django import forms
from django.conf import settings
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from core.form_rendering import INPUTS, SELECT, WRITERS, PortalFormRenderer
from members.models import Organisation
from tests.members.factories import OrganisationFactory

CHOICES = [("", "Any"), ("FR", "France"), ("GB", "United Kingdom"), ("CI", "Côte d'Ivoire & <more>"), (3, "Three")]
GROUPED = [("", "Any"), ("Europe", [("FR", "France"), ("GB", "Britain")]), ("Africa & <more>", [("CI", "Côte")])]


class Everything(forms.Form):
    choice = forms.ChoiceField(choices=CHOICES, required=False)
    required_choice = forms.ChoiceField(choices=CHOICES, label=gettext_lazy("Country"))
    grouped = forms.ChoiceField(choices=GROUPED, required=False)
    several = forms.MultipleChoiceField(choices=CHOICES, required=False)
    maybe = forms.NullBooleanField(required=False)
    disabled = forms.ChoiceField(choices=CHOICES, disabled=True, required=False)
    text = forms.CharField(max_length=20, help_text="Help & <more>", required=False)
    email = forms.EmailField(required=False)
    number = forms.IntegerField(min_value=1, required=False)
    decimal = forms.DecimalField(max_digits=5, decimal_places=2, required=False)
    when = forms.DateTimeField(
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"), required=False
    )
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), required=False)
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True), required=False)
    hidden = forms.CharField(widget=forms.HiddenInput, required=False)
    agree = forms.BooleanField(required=False)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "data-x": "a&b"}), required=False)
    upload = forms.FileField(required=False)
    link = forms.URLField(required=False, assume_scheme="https")
    label_safe = forms.CharField(label=mark_safe("<em>Safe</em> label"), required=False)


VALUES = [
    {},
    {
        "choice": "GB",
        "required_choice": "CI",
        "grouped": "CI",
        "several": ["FR", "3"],
        "maybe": "true",
        "text": 'Quote " & <tag>',
        "email": "someone@example.org",
        "number": "7",
        "decimal": "12.5",
        "when": "2026-12-07T10:30",
        "day": "2026-12-07",
        "secret": "s3cret&",
        "hidden": "<hidden>",
        "agree": "on",
        "body": "Line one\n<b>two</b> & three",
        "link": "https://example.org/?a=1&b=2",
    },
    {"choice": "XX", "number": "not a number", "several": ["nothing"], "text": "x" * 30},
]


def both(form_class, data, **kwargs):
    return form_class(data, renderer=PortalFormRenderer(), **kwargs), form_class(
        data, renderer=DjangoTemplates(), **kwargs
    )


@pytest.mark.parametrize("data", VALUES)
def test_every_field_is_written_as_django_writes_it(data):
    ours, theirs = both(Everything, data or None)
    for name in Everything.base_fields:
        assert str(ours[name]) == str(theirs[name]), name
        assert ours[name].label_tag() == theirs[name].label_tag(), name
    assert ours.as_p() == theirs.as_p()
    assert ours.as_div() == theirs.as_div()
    assert str(ours) == str(theirs)


@pytest.mark.parametrize("initial", [{}, {"choice": "FR", "when": datetime.datetime(2026, 12, 7, 9, 5), "agree": True}])
def test_initial_values_and_prefixes_are_written_as_django_writes_them(initial):
    ours, theirs = both(Everything, None, initial=initial, prefix="p", auto_id="field_%s")
    assert ours.as_p() == theirs.as_p()
    ours, theirs = both(Everything, None, initial=initial, auto_id=False)
    assert ours.as_p() == theirs.as_p()


@pytest.mark.django_db
def test_a_select_of_database_rows_is_written_as_django_writes_it():
    OrganisationFactory.create_batch(3)

    class Rows(forms.Form):
        organisation = forms.ModelChoiceField(queryset=Organisation.objects.order_by("name"), required=False)
        organisations = forms.ModelMultipleChoiceField(queryset=Organisation.objects.order_by("name"), required=False)

    chosen = str(Organisation.objects.order_by("name").first().pk)
    ours, theirs = both(Rows, {"organisation": chosen, "organisations": [chosen]})
    assert ours.as_p() == theirs.as_p()


def test_an_option_with_a_template_of_its_own_is_left_to_django():
    class Starred(forms.Select):
        option_template_name = "django/forms/widgets/input_option.html"

    class Form(forms.Form):
        starred = forms.ChoiceField(choices=CHOICES, widget=Starred)

    ours, theirs = both(Form, None)
    assert ours.as_p() == theirs.as_p()
    assert WRITERS[SELECT](Form()["starred"].field.widget.get_context("starred", "", {})) is None


def test_the_input_templates_written_here_are_still_the_bare_include_in_this_django():
    """If a release of Django gives one of these templates more than the shared <input>, this fails."""
    widgets = Path(django.__file__).parent / "forms" / "templates"
    for template in INPUTS:
        assert (widgets / template).read_text().strip() == '{% include "django/forms/widgets/input.html" %}', template


def test_the_portal_renders_its_forms_with_it():
    assert settings.FORM_RENDERER == "core.form_rendering.PortalFormRenderer"
    assert isinstance(Everything().renderer, PortalFormRenderer)
