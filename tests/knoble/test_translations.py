"""The Spanish and French catalogues are complete (no untranslated or fuzzy entry), compiled (the committed .mo
is what `compilemessages` makes of the .po) and up to date with the source (`makemessages`, run into a
temporary directory, finds exactly the msgids the catalogues hold). `make messages` refreshes them."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

LOCALE = Path(settings.BASE_DIR) / "locale"
LANGUAGES = ("es", "fr")
# What `make messages` leaves out: the same list as the Makefile's target.
IGNORED = ["node_modules", "static/vendor", "var", "tests", "locale"]

Entry = tuple[str | None, str, str | None]  # (msgctxt, msgid, msgid_plural)


def _unquote(lines: list[str]) -> str:
    return "".join(eval(line) for line in lines)  # noqa: S307 - the .po's own C-quoted strings


def read_po(path: Path) -> dict[Entry, tuple[list[str], bool]]:
    """Each entry of a .po file (the header and obsolete entries left out): its translations and whether it
    is fuzzy."""
    entries: dict[Entry, tuple[list[str], bool]] = {}
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        lines = [line for line in block.splitlines() if line and not line.startswith("#~")]
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        fields: dict[str, list[str]] = {}
        key = None
        for line in lines:
            if line.startswith("#"):
                continue
            match = re.match(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (\".*\")$", line)
            if match:
                key = match.group(1)
                fields[key] = [match.group(2)]
            elif key and line.startswith('"'):
                fields[key].append(line)
        if "msgid" not in fields:
            continue
        msgid = _unquote(fields["msgid"])
        if msgid == "":
            continue
        entry = (
            _unquote(fields["msgctxt"]) if "msgctxt" in fields else None,
            msgid,
            _unquote(fields["msgid_plural"]) if "msgid_plural" in fields else None,
        )
        translations = [_unquote(value) for name, value in sorted(fields.items()) if name.startswith("msgstr")]
        entries[entry] = (translations, fuzzy)
    return entries


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_entry_is_translated_and_none_is_fuzzy(language: str) -> None:
    entries = read_po(LOCALE / language / "LC_MESSAGES" / "django.po")
    assert len(entries) > 1000
    untranslated = [msgid for (_, msgid, _), (translations, _) in entries.items() if not all(translations)]
    fuzzy = [msgid for (_, msgid, _), (_, is_fuzzy) in entries.items() if is_fuzzy]
    assert not untranslated, f"{len(untranslated)} untranslated in {language}: {untranslated[:10]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy in {language}: {fuzzy[:10]}"
    header = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8").split("\n\n")[0]
    assert "fuzzy" not in header, f"the {language} catalogue's header is marked fuzzy"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_committed_mo_is_the_compiled_po(language: str, tmp_path: Path) -> None:
    compiled = tmp_path / "django.mo"
    directory = LOCALE / language / "LC_MESSAGES"
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "GNU gettext's msgfmt is needed (it is what compilemessages runs)"
    subprocess.run([msgfmt, "--check-format", "-o", compiled, directory / "django.po"], check=True)  # noqa: S603
    assert compiled.read_bytes() == (directory / "django.mo").read_bytes(), (
        f"locale/{language}/LC_MESSAGES/django.mo is stale: run `make messages`"
    )


def test_the_catalogues_hold_exactly_the_strings_of_the_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """makemessages writes next to the sources it finds under a `locale` directory, so it runs in a temporary
    directory of links to the project's (the project's own `locale` left out)."""
    source = tmp_path / "source"
    source.mkdir()
    base = Path(settings.BASE_DIR)
    for child in base.iterdir():
        if child.name.startswith(".") or child.name in {"locale", "node_modules", "var", "tests"}:
            continue
        (source / child.name).symlink_to(child)
    monkeypatch.chdir(source)
    with override_settings(LOCALE_PATHS=[str(source / "locale")]):
        call_command("makemessages", locale=["es"], ignore_patterns=IGNORED, symlinks=True, verbosity=0)
    fresh = set(read_po(source / "locale" / "es" / "LC_MESSAGES" / "django.po"))
    for language in LANGUAGES:
        committed = set(read_po(LOCALE / language / "LC_MESSAGES" / "django.po"))
        missing, stale = sorted(fresh - committed, key=str), sorted(committed - fresh, key=str)
        advice = f"locale/{language} is out of date with the source: run `make messages` and translate"
        assert not missing, f"{advice}; {len(missing)} new msgids, e.g. {missing[:5]}"
        assert not stale, f"{advice}; {len(stale)} msgids no longer in the source, e.g. {stale[:5]}"
