"""Spanish and French translations of the demo's published red flags, open initiatives and personas
(`demo/translations/translations.json`), for `manage.py seed_demo`. Here in the wiring because the file names
models of several apps; each is saved through `translations.services.translation_save`, so it records the
English text and version it translates like a translator's own."""

from django.apps import apps

from core.demo_files import demo_json
from translations.models import Translation
from translations.registry import translatable
from translations.services import translation_save


def seed() -> list[tuple[str, str]]:
    """Idempotent: a translation already there (the demo's or a translator's) is left as it is."""
    for item in demo_json("translations/translations.json"):
        model = apps.get_model(item["model"])
        if translatable(model) is None:
            continue
        obj = model._default_manager.filter(**item["key"]).order_by("pk").first()
        if obj is None:
            continue
        for language in ("es", "fr"):
            done = Translation.objects.filter(
                content_type__app_label=model._meta.app_label,
                content_type__model=model._meta.model_name,
                object_id=obj.pk,
                language=language,
            ).exists()
            if language in item and not done:
                translation_save(obj=obj, language=language, fields=item[language])
    return []
