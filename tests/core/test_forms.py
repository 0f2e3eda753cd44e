"""BlankRenderedOnce: a blank form's HTML is Django's, rendered once per key; a bound form is always rendered."""

import pytest
from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy

from core.forms import BlankRenderedOnce, _blank_html


class Note(BlankRenderedOnce):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=20)
    kind = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], initial="a")


class PlainNote(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=20)
    kind = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], initial="a")


@pytest.fixture(autouse=True)
def forget_rendered_forms():
    _blank_html.cache_clear()
    yield
    _blank_html.cache_clear()


@pytest.mark.parametrize("prefix", [None, "note"])
@pytest.mark.parametrize("initial", [{}, {"kind": "b", "title": "Draft"}])
def test_blank_html_is_what_django_renders(prefix, initial):
    ours, django = Note(prefix=prefix, initial=initial), PlainNote(prefix=prefix, initial=initial)
    assert ours.as_p() == django.as_p()
    assert str(ours) == str(django)
    assert ours.as_div() == django.as_div()


def test_a_blank_form_is_rendered_once_per_key():
    Note().as_p()
    Note().as_p()
    Note(initial={"kind": "b"}).as_p()
    assert _blank_html.cache_info().hits == 1
    assert _blank_html.cache_info().currsize == 2


def test_initial_values_and_prefixes_are_kept_apart():
    assert 'value="b" selected' in Note(initial={"kind": "b"}).as_p()
    assert 'value="a" selected' in Note().as_p()
    assert 'name="other-title"' in Note(prefix="other").as_p()


def test_each_language_has_its_own_html():
    with translation.override("es"):
        spanish = Note().as_p()
    english = Note().as_p()
    assert "Título" in spanish
    assert "Title" in english
    assert "Título" not in english


def test_a_bound_form_shows_the_visitors_values_and_errors():
    Note().as_p()
    bound = Note({"title": "x" * 30, "kind": "b"})
    assert not bound.is_valid()
    html = bound.as_p()
    assert "x" * 30 in html
    assert "errorlist" in html
    assert _blank_html.cache_info().currsize == 1


def test_an_unhashable_initial_value_is_rendered_the_usual_way():
    html = Note(initial={"title": ["not", "hashable"]}).as_p()
    assert "not" in html
    assert _blank_html.cache_info().currsize == 0
