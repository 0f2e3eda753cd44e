"""The source language (the one content is written in) and the languages content is translated into."""

from django.conf import settings
from django.utils import translation


def source_language() -> str:
    return settings.LANGUAGE_CODE


def is_source(language: str | None) -> bool:
    """English in any variant reads the source text itself."""
    generic = (language or source_language()).split("-")[0].lower()
    return generic == source_language().split("-")[0].lower()


def target_languages() -> list[tuple[str, str]]:
    """The languages of settings.LANGUAGES that content is translated into: all but the source's."""
    return [(code, str(name)) for code, name in settings.LANGUAGES if not is_source(code)]


def target_of(language: str | None) -> str | None:
    """The language content is translated into that `language` reads, else None (the source text is shown)."""
    if not language or is_source(language):
        return None
    codes = {code for code, _name in target_languages()}
    generic = language.split("-")[0].lower()
    return language if language in codes else (generic if generic in codes else None)


def active_target() -> str | None:
    """The active language when it is a translation target, else None (the source text is shown)."""
    return target_of(translation.get_language())
