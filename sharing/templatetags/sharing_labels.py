"""The label of shared knowledge in templates: a badge beside the object, its name, a line atop and below printouts."""

from django import template

from sharing.models import Label, label_line

register = template.Library()


@register.inclusion_tag("sharing/_label.html")
def tlp_badge(label: str) -> dict[str, str]:
    return {"value": label, "name": str(Label(label).label)}


@register.filter
def label_name(label: str) -> str:
    """The label's name in the reader's language: one translation, where `get_label_display` translates the names
    of all five labels to find it (a thread page shows one per post)."""
    return str(Label(label).label)


@register.simple_tag
def tlp_line(label: str) -> str:
    return label_line(label)
