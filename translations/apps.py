from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TranslationsConfig(AppConfig):
    """Translated content: any app's model registers the fields members read (`translations.registry`); their
    translations, the source version each translates and whether it went stale live in one table here."""

    name = "translations"
    verbose_name = _("Translations")

    def ready(self) -> None:
        from translations import receivers  # noqa: F401  (connects the stale marking to post_save)
