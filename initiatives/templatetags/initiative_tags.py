import markdown as markdown_lib
import nh3
from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "h3", "h4", "blockquote", "code", "pre"}


@register.filter
def markdown(text: str) -> SafeString:
    """Staff write Markdown; whatever it contains, only plain formatting and safe links reach the page."""
    html = markdown_lib.markdown(text or "", extensions=["sane_lists"])
    cleaned = nh3.clean(html, tags=ALLOWED_TAGS, attributes={"a": {"href"}}, link_rel="noopener noreferrer")
    return mark_safe(cleaned)  # noqa: S308  (sanitised by nh3 just above)
