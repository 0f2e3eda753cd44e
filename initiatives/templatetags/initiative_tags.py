from django import template
from django.utils.safestring import SafeString, mark_safe

from core.markdown import safe_markdown

register = template.Library()


@register.filter
def markdown(text: str) -> SafeString:
    """Staff write Markdown; whatever it contains, only plain formatting and safe links reach the page."""
    return mark_safe(safe_markdown(text))  # noqa: S308  (sanitised by nh3 in core.markdown)
