"""`{{ obj|label_of:"field" }}`: what `obj.get_field_display` shows, translating only the label chosen. Django's
method translates the labels of all the field's choices to look the value up (it hashes them), a few translations
for each row of a list."""

from typing import Any

from django import template
from django.db import models

register = template.Library()


@register.filter
def label_of(obj: models.Model, field_name: str) -> Any:
    field = obj._meta.get_field(field_name)
    value = getattr(obj, field.attname)  # type: ignore[union-attr]
    for choice, label in field.flatchoices:  # type: ignore[union-attr]
        if choice == value:
            return label
    return value
