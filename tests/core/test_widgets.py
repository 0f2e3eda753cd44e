"""FlatSelect writes what Django's Select writes, without a template per option."""

import pytest
from django import forms
from django.test.html import parse_html

from core.widgets import FlatSelect

CHOICES = [("", "Any"), ("FR", "France"), ("GB", "United Kingdom"), ("CI", "Côte d'Ivoire & <more>")]


class Both(forms.Form):
    django = forms.ChoiceField(choices=CHOICES, required=False)
    ours = forms.ChoiceField(choices=CHOICES, required=False, widget=FlatSelect)
    required_django = forms.ChoiceField(choices=CHOICES)
    required_ours = forms.ChoiceField(choices=CHOICES, widget=FlatSelect)


@pytest.mark.parametrize("value", [None, "", "GB", "CI", "XX"])
def test_the_same_html_as_django_select(value):
    data = None if value is None else {"django": value, "ours": value, "required_django": value, "required_ours": value}
    form = Both(data)
    for theirs, ours in (("django", "ours"), ("required_django", "required_ours")):
        expected = str(form[theirs]).replace(f'"{theirs}"', '"NAME"').replace(f'"id_{theirs}', '"id_NAME')
        written = str(form[ours]).replace(f'"{ours}"', '"NAME"').replace(f'"id_{ours}', '"id_NAME')
        assert parse_html(written) == parse_html(expected)


def test_labels_and_values_are_escaped():
    html = str(Both()["ours"])
    assert "Côte d&#x27;Ivoire &amp; &lt;more&gt;" in html
    assert "<more>" not in html
