"""The label of shared knowledge in templates: a badge beside the object, a line atop and below printouts."""

from django import template

from sharing.models import Label, label_line

register = template.Library()


@register.inclusion_tag("sharing/_label.html")
def tlp_badge(label: str) -> dict[str, str]:
    return {"value": label, "name": str(Label(label).label)}


@register.simple_tag
def tlp_line(label: str) -> str:
    return label_line(label)
