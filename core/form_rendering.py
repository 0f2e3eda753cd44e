"""The portal's form renderer (settings.FORM_RENDERER): Django's, with its most used templates written in Python.

Django renders a template for every widget, another for each option of a select and another for each set of
attributes: a filter form of a few selects costs milliseconds on every request of the pages that show it, and
a list of countries about six. The templates written here (selects, the plain `<input>` types, textareas and
labels) give character for character what Django's own give (tests/core/test_form_rendering.py compares them),
so every form of the portal and of the admin gets them without naming a widget. Any other template, or an
option of a widget that names a template of its own, is rendered by Django as before.
"""

from collections.abc import Callable, Mapping
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.template import Context
from django.template.base import render_value_in_context
from django.utils.html import escape
from django.utils.safestring import SafeData

WIDGETS = "django/forms/widgets/"
SELECT = f"{WIDGETS}select.html"
SELECT_OPTION = f"{WIDGETS}select_option.html"
TEXTAREA = f"{WIDGETS}textarea.html"
LABEL = "django/forms/label.html"
# Django's templates of these input types are each `{% include "django/forms/widgets/input.html" %}` alone.
INPUT_TYPES = (
    "checkbox",
    "color",
    "date",
    "datetime",
    "email",
    "file",
    "hidden",
    "number",
    "password",
    "search",
    "tel",
    "text",
    "time",
    "url",
)
INPUTS = frozenset(f"{WIDGETS}{name}.html" for name in INPUT_TYPES)


AUTOESCAPING = Context(autoescape=True)  # read, never written: how `{{ value }}` is shown by the templates


def _shown(value: Any) -> str:
    """`{{ value }}` in an autoescaping template."""
    return render_value_in_context(value, AUTOESCAPING)


def _formatted(value: Any) -> str:
    """`{{ value|stringformat:'s' }}`: the filter keeps a safe value safe, and escapes anything else."""
    try:
        text = "%s" % (str(value) if isinstance(value, tuple) else value)
    except (ValueError, TypeError):
        text = ""
    return text if isinstance(value, SafeData) else escape(text)


def _attrs(attrs: Mapping[str, Any]) -> str:
    """django/forms/widgets/attrs.html and django/forms/attrs.html."""
    return "".join(
        f" {_shown(name)}" + ("" if value is True else f'="{_formatted(value)}"')
        for name, value in attrs.items()
        if value is not False
    )


def _select(context: Mapping[str, Any]) -> str | None:
    widget = context["widget"]
    parts = [f'<select name="{_shown(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_shown(group_name)}">')
        for option in group_choices:
            if option["template_name"] != SELECT_OPTION:
                return None
            parts.append(
                f'\n  <option value="{_formatted(option["value"])}"{_attrs(option["attrs"])}>'
                f"{_shown(option['label'])}</option>\n"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _input(context: Mapping[str, Any]) -> str:
    widget = context["widget"]
    value = "" if widget["value"] == None else f' value="{_formatted(widget["value"])}"'  # noqa: E711 - the template's test
    return f'<input type="{_shown(widget["type"])}" name="{_shown(widget["name"])}"{value}{_attrs(widget["attrs"])}>'


def _textarea(context: Mapping[str, Any]) -> str:
    widget = context["widget"]
    value = _shown(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{_shown(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>'


def _label(context: Mapping[str, Any]) -> str:
    if not context["use_tag"]:
        return _shown(context["label"])
    tag = _shown(context["tag"])
    return f"<{tag}{_attrs(context['attrs'])}>{_shown(context['label'])}</{tag}>"


WRITERS: dict[str, Callable[[Mapping[str, Any]], str | None]] = {
    SELECT: _select,
    TEXTAREA: _textarea,
    LABEL: _label,
    **dict.fromkeys(INPUTS, _input),
}


class PortalFormRenderer(DjangoTemplates):
    def render(self, template_name: str, context: Any, request: Any = None) -> str:
        write = WRITERS.get(template_name)
        html = write(context) if write is not None else None
        if html is None:
            return super().render(template_name, context, request)
        return html.strip()  # as Django's renderer strips what its template gave
