"""Markdown as safe HTML: whatever the text contains, only plain formatting and safe links come out (nh3 cleans the
rendered HTML: no script, no event handler, no `javascript:` link). The one renderer for every app's Markdown."""

from functools import lru_cache

import markdown as markdown_lib
import nh3

ALLOWED_TAGS = frozenset({"p", "br", "strong", "em", "ul", "ol", "li", "a", "h3", "h4", "blockquote", "code", "pre"})
# Texts remembered per process. Rendering a post costs about a millisecond and a thread page shows dozens, on every
# request; the HTML depends on nothing but the text and the two options, so an edited text is simply another key,
# and which texts a reader may see is still decided by the page's query.
RENDERED_TEXTS = 2048


def safe_markdown(
    text: str, *, tags: frozenset[str] = ALLOWED_TAGS, link_rel: str | None = "noopener noreferrer"
) -> str:
    """`tags` and `link_rel` vary by medium: an e-mail keeps its `h2` headings and needs no `rel` on its links."""
    return _rendered(text or "", tags, link_rel)


@lru_cache(maxsize=RENDERED_TEXTS)
def _rendered(text: str, tags: frozenset[str], link_rel: str | None) -> str:
    html = markdown_lib.markdown(text, extensions=["sane_lists"])
    return nh3.clean(html, tags=set(tags), attributes={"a": {"href"}}, link_rel=link_rel)
