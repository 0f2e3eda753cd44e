"""Shared helpers for the browser tests: axe-core on a page, screenshots, and the horizontal-scroll check.

axe-core is vendored from npm into static/vendor/axe-core/ (scripts/vendor.sh) and injected by the test through
the browser's DevTools protocol, which the site's Content-Security-Policy does not govern: no page of the site
loads it. Use it from any e2e test:

    from tests.e2e.a11y import assert_accessible
    page.goto("/some/page/")
    assert_accessible(page)

or, to check many pages and report every finding at once, collect `serious_violations(page)` per page.
"""

import os
from pathlib import Path
from typing import Any

from django.conf import settings

AXE_SOURCE = Path(settings.BASE_DIR) / "static" / "vendor" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(os.environ.get("KNOBLE_SCREENSHOTS", Path(settings.BASE_DIR) / "var" / "screenshots"))

# The impacts that fail a test. "moderate" and "minor" findings are reported by `violations` but do not fail.
FAILING_IMPACTS = ("serious", "critical")

WIDE = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

_RUN_AXE = """async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
  }));
}"""


def _inject_axe(page: Any) -> None:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated over the DevTools protocol: the page's CSP, which refuses inline scripts, does not apply.
        page.evaluate("source => { (0, eval)(source); }", AXE_SOURCE.read_text())


def violations(page: Any) -> list[dict[str, Any]]:
    """Every axe-core violation on the page as it is now, with up to five of its elements."""
    _inject_axe(page)
    return page.evaluate(_RUN_AXE)


def serious_violations(page: Any) -> list[dict[str, Any]]:
    return [found for found in violations(page) if found["impact"] in FAILING_IMPACTS]


def describe(found: list[dict[str, Any]], where: str = "") -> str:
    prefix = f"{where}: " if where else ""
    return "\n".join(f"{prefix}{v['impact']} {v['id']} ({v['help']}) at {', '.join(v['targets'])}" for v in found)


def assert_accessible(page: Any) -> None:
    """No serious or critical axe-core violation on the page."""
    found = serious_violations(page)
    assert not found, "axe-core found:\n" + describe(found, page.url)


def horizontal_overflow(page: Any) -> int:
    """How many CSS pixels the page is wider than the window (0 when nothing scrolls sideways)."""
    return page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")


def screenshot(page: Any, name: str) -> Path:
    """A full-page screenshot in var/screenshots/ (kept by CI as an artefact), named <name>-<width>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}-{page.viewport_size['width']}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
