"""`{{ obj|translated:"title" }}` shows a field in the reader's language when translated, else in English;
`{% translations_for objects %}` loads a list's translations in one query first; `{% translation_notice obj %}`
says when the translation shown is older than the English text."""

from typing import Any

from django import template

from translations.languages import active_target
from translations.selectors import translated_text, translation_of, translations_attach

register = template.Library()


@register.filter
def translated(obj: Any, field: str) -> Any:
    return translated_text(obj, field)


@register.simple_tag
def translations_for(objects: Any) -> str:
    translations_attach(list(objects))
    return ""


@register.inclusion_tag("translations/_notice.html")
def translation_notice(obj: Any) -> dict[str, Any]:
    translation = translation_of(obj)
    return {"translation": translation, "untranslated": translation is None and active_target() is not None}
