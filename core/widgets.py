"""Form widgets of our own: Django's, made cheaper where a page pays for them on every request."""

from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString


class FlatSelect(forms.Select):
    """A select of flat options (no groups) written in Python. Django renders two templates per option: about 6 ms
    for the list of countries, and a few milliseconds for a filter form's handful of selects, on every request of
    the pages that show them. The same HTML otherwise: the field's attributes, the first option matching the value
    selected."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        wanted = {str(item) for item in self.format_value(value)}
        rows = []
        for choice, label in self.choices:
            chosen = str(choice) in wanted
            wanted = set() if chosen else wanted  # a single select selects one option only
            rows.append((choice, " selected" if chosen else "", label))
        options = format_html_join("", '<option value="{}"{}>{}</option>', rows)
        written_attrs = flatatt(self.build_attrs(self.attrs, attrs))
        return format_html('<select name="{}"{}>{}</select>', name, written_attrs, options)
