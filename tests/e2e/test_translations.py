"""The main member and leadership pages, on the demo data, in Spanish and in French: no visible text of a page is
an English msgid of the catalogue (the msgids whose translation is the same word, such as "API" or a TLP label,
are left out; user content, proper nouns and numbers are not msgids, so they never match, and text the database
holds is skipped).

The language comes from the browser (`Accept-Language`) and from LANGUAGE_CODE, so the test holds with or without
a language negotiated per request."""

import re
from collections.abc import Iterable
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from tests.knoble.test_translations import LOCALE, read_po

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MEMBER_PAGES = [
    "/",
    "/initiatives/",
    "/initiatives/imb-red-flag-working-group/",
    "/notifications/",
    "/roadmap/",
    "/ecosystem/",
    "/ecosystem/illicit-massage-businesses/",
    "/ecosystem/red-flags/",
    "/ecosystem/suggestions/",
    "/ecosystem/indicator-sets/",
    "/voice/ideas/",
    "/spaces/",
    "/outcomes/",
    "/activity/",
    "/profile/",
]
# The brand as the header shows it: a name, though the page title translates it ("Portal de The Knoble").
PROPER_NOUNS = {"The Knoble", "The Knoble Portal"}
LEADERSHIP_PAGES = ["/dashboards/", "/dashboards/how-these-numbers-are-computed/"]

# Every visible text node, and the whole text of the elements that hold a sentence (a link or <strong> inside a
# sentence splits it into several text nodes), whitespace collapsed.
VISIBLE_TEXT = """() => {
  const seen = new Set();
  const visible = (element) => element && element.getClientRects().length > 0
    && getComputedStyle(element).visibility !== "hidden";
  const add = (text) => { text = (text || "").replace(/\\s+/g, " ").trim(); if (text) seen.add(text); };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const parent = walker.currentNode.parentElement;
    if (parent && !parent.closest("script, style, noscript") && visible(parent)) add(walker.currentNode.nodeValue);
  }
  for (const element of document.body.querySelectorAll(
      "p, li, td, th, dt, dd, h1, h2, h3, h4, caption, legend, label, button, a, summary, option")) {
    if (visible(element)) add(element.innerText ?? element.textContent);  // SVG links have no innerText
  }
  return [...seen];
}"""


def _pattern(msgid: str) -> re.Pattern[str]:
    """The msgid as the page shows it: tags dropped, placeholders standing for any text."""
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", msgid)).strip().replace("%%", "%")
    parts = re.split(r"%\(\w+\)[sdr]", text)
    return re.compile(".+?".join(re.escape(part) for part in parts))


def english_msgids(language: str) -> list[tuple[str, re.Pattern[str]]]:
    entries = read_po(Path(LOCALE) / language / "LC_MESSAGES" / "django.po")
    found = []
    for (_, msgid, plural), (translations, _) in entries.items():
        for english in filter(None, (msgid, plural)):
            if (
                english in translations
                or english in PROPER_NOUNS
                or not re.search(r"[A-Za-z]{3}", re.sub(r"%\(\w+\)[sdr]", "", english))
            ):
                continue  # the same in both languages, a name, or nothing but placeholders and punctuation
            found.append((english, _pattern(english)))
    return found


def stored_texts() -> tuple[set[str], set[str]]:
    """Text the database holds, written in the language of the moment it was made: the notifications (their
    title and body are written when the event happens), which a heading may show after a translated tag ("New"),
    and the roadmap's horizon names, shown alone. It is content, like a member's post, even where it reads like a
    msgid ("Next", "… has changed")."""
    from members.models import Notification
    from roadmap.models import Horizon

    def normal(texts: Iterable[str]) -> set[str]:
        return {" ".join(text.split()) for text in texts if text}

    notifications = normal(text for pair in Notification.objects.values_list("title", "body") for text in pair)
    return notifications, normal(Horizon.objects.values_list("name", flat=True))


def _english_left(
    page, path: str, msgids: list[tuple[str, re.Pattern[str]]], stored: tuple[set[str], set[str]]
) -> list[str]:
    response = page.goto(path)
    assert response is not None, f"{path}: no response"
    assert response.ok, f"{path}: HTTP {response.status}"
    within, whole = stored
    texts = [
        text
        for text in page.evaluate(VISIBLE_TEXT)
        if text not in whole and not any(content in text for content in within)
    ]
    return sorted({english for english, pattern in msgids for text in texts if pattern.fullmatch(text)})


def _sign_in(page, email: str) -> None:
    """By the fields' names, not their labels: the labels are in the page's language."""
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(settings.DEMO_PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_member_and_leadership_pages_show_no_english_msgid(browser, live_server, settings, without_mfa_requirement):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", stdout=None)
    stored = stored_texts()
    left: dict[str, list[str]] = {}
    for language in ("es", "fr"):
        settings.LANGUAGE_CODE = language
        msgids = english_msgids(language)
        context = browser.new_context(base_url=live_server.url, locale=language)
        context.set_default_timeout(15_000)
        page = context.new_page()
        try:
            for email, pages in [("member@example.org", MEMBER_PAGES), ("leader@example.org", LEADERSHIP_PAGES)]:
                _sign_in(page, email)
                for path in pages:
                    if english := _english_left(page, path, msgids, stored):
                        left[f"{language} {path}"] = english
        finally:
            context.close()
    assert not left, f"English left on the translated pages: {left}"
