"""A source saved with changed text marks its translations stale, inside the transaction that saves it: a
revision that rolls back leaves them current, one that commits never leaves them looking current."""

from typing import Any

from django.db.models import Model
from django.db.models.signals import post_save
from django.dispatch import receiver

from translations.registry import translatable
from translations.services import translations_mark_stale


@receiver(post_save)
def source_saved(sender: type[Model], instance: Model, created: bool, **kwargs: Any) -> None:
    entry = translatable(sender)
    if entry is None or created or kwargs.get("raw"):
        return
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and not set(update_fields) & set(entry.fields):
        return
    translations_mark_stale(obj=instance)
