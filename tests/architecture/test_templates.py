"""Templates keep the layer rule too (docs/ARCHITECTURE.md): a lower app's template never extends or includes a
higher app's template, nor loads a higher app's tag library, and a lower app's Python never renders a higher
app's template. The shared shell (base.html, components/, allauth/, admin/*.html, the error pages) is below every
app.

A template belongs to the app its path names: `<app>/…` or `admin/<app>/…`. Tag libraries that the wiring
declares in TEMPLATES["OPTIONS"]["libraries"] are the sanctioned extension points and may be loaded anywhere.
"""

import re
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template import engines

from tests.architecture.layering import ROOT, app_files, apps, may_use, relative, string_literals

SHELL = "the shared shell"

# "template: tag": each use of a higher app's template or tag library. Exact: a line that no longer matches fails.
TEMPLATE_DEBT: set[str] = set()

_EXTENDS_OR_INCLUDE = re.compile(r"""{%-?\s*(extends|include)\s+(["'])([^"']+)\2""")
_LOAD = re.compile(r"{%-?\s*load\s+([^%]+?)\s*-?%}")
_TEMPLATE_NAME = re.compile(r"^[\w./-]+\.(?:html|txt)$")


def _template_dirs() -> list[tuple[Path, str | None]]:
    """(folder, owner) pairs: the project's folders, whose owner follows each path, and apps' own folders."""
    options: dict[str, Any] = settings.TEMPLATES[0]
    project: list[tuple[Path, str | None]] = [(Path(folder), None) for folder in options["DIRS"]]
    return project + [(ROOT / app / "templates", app) for app in apps() if (ROOT / app / "templates").is_dir()]


def _owner(name: str) -> str | None:
    """The app a template name belongs to, the shell, or None for a template of Django or a third party."""
    parts = name.split("/")
    app = parts[1] if parts[0] == "admin" and len(parts) > 2 else parts[0]
    if app in apps():
        return app
    if any((folder / name).is_file() for folder, owner in _template_dirs() if owner is None):
        return SHELL
    return None


def _library_owner(library: str) -> str | None:
    options: dict[str, Any] = settings.TEMPLATES[0]
    if library in options.get("OPTIONS", {}).get("libraries", {}):
        return None
    module = engines["django"].engine.libraries.get(library, "")  # type: ignore[attr-defined]
    app = module.split(".")[0]
    return app if app in apps() else None


def _allowed(user: str, used: str | None) -> bool:
    if used is None or used == SHELL:
        return True
    return user != SHELL and may_use(user, used)


def _template_uses() -> list[tuple[str, str, str, str | None]]:
    """(template path, use, owner of the template, owner of what it uses) for every extends, include and load."""
    found: list[tuple[str, str, str, str | None]] = []
    for folder, folder_owner in _template_dirs():
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            name = path.relative_to(folder).as_posix()
            user = folder_owner or _owner(name) or SHELL
            text = path.read_text()
            for tag, _, used in _EXTENDS_OR_INCLUDE.findall(text):
                found.append((relative(path), f"{tag} {used}", user, _owner(used)))
            for libraries in _LOAD.findall(text):
                words = libraries.split()
                for library in words[-1:] if "from" in words else words:
                    found.append((relative(path), f"load {library}", user, _library_owner(library)))
    return found


def test_the_scan_sees_extends_includes_and_loads():
    uses = {f"{path}: {use}" for path, use, _, _ in _template_uses()}
    assert {"templates/initiatives/home.html: extends members/home.html", *TEMPLATE_DEBT} <= uses
    assert "templates/ecosystem/red_flag.html: load related_work" in uses
    assert _library_owner("related_work") is None  # declared by the wiring: an extension point
    assert _owner("admin/roadmap/base_page.html") == "roadmap"
    assert _owner("components/pagination.html") == SHELL


def test_no_template_uses_a_higher_apps_templates_or_tags():
    violations = {f"{path}: {use}" for path, use, user, used in _template_uses() if not _allowed(user, used)}
    assert sorted(violations - TEMPLATE_DEBT) == [], "a lower template uses a higher app's; see docs/ARCHITECTURE.md"
    assert sorted(TEMPLATE_DEBT - violations) == [], "debt paid: remove these lines from TEMPLATE_DEBT"


def test_no_app_renders_a_higher_apps_template():
    violations = [
        f"{relative(path)}: {text}"
        for app in apps()
        for path in app_files(app, ".py")
        for text in string_literals(path)
        if _TEMPLATE_NAME.match(text) and not _allowed(app, _owner(text))
    ]
    assert violations == []
