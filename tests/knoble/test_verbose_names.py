"""Every model and field of our apps names itself through a lazy translation, so form labels, the admin's column
headers and filter titles and the API schema's titles follow the reader's language instead of falling back to
the English Django derives from the Python name."""

from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db.models import Field, Model
from django.utils.functional import Promise


def _our_models() -> list[type[Model]]:
    base = Path(settings.BASE_DIR).resolve()
    ours = [
        config
        for config in apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(base) and "site-packages" not in Path(config.path).parts
    ]
    return [
        model
        for config in ours
        for model in config.get_models()
        # simple_history writes the historical models: their fields are copies of ours (checked on the originals)
        # plus its own history_* columns.
        if not hasattr(model, "instance_type")
    ]


def _named_fields(model: type[Model]) -> list[Field]:
    return [
        field
        for field in [*model._meta.local_fields, *model._meta.local_many_to_many]
        if not field.auto_created  # the implicit primary key and parent links
    ]


MODELS = _our_models()


def test_our_apps_are_found() -> None:
    labels = {model._meta.app_label for model in MODELS}
    assert {"members", "initiatives", "roadmap", "voice", "analytics", "translations"} <= labels


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model._meta.label)
def test_model_names_are_lazy_translations(model: type[Model]) -> None:
    # Set in Meta, not derived: Django's derived plural is lazy too, but only the English "s" appended.
    for option in ("verbose_name", "verbose_name_plural"):
        value = model._meta.original_attrs.get(option)
        assert isinstance(value, Promise), f"{model._meta.label}: Meta.{option} is not set to a gettext_lazy string"


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model._meta.label)
def test_field_names_are_lazy_translations(model: type[Model]) -> None:
    untranslated = [field.name for field in _named_fields(model) if not isinstance(field.verbose_name, Promise)]
    assert not untranslated, f"{model._meta.label}: verbose_name=_(...) missing on {', '.join(untranslated)}"
