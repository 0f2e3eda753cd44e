"""Markdown as safe HTML: whatever the text contains, only plain formatting and safe links come out (nh3 cleans the
rendered HTML: no script, no event handler, no `javascript:` link). The one renderer for every app's Markdown."""

import markdown as markdown_lib
import nh3

ALLOWED_TAGS = frozenset({"p", "br", "strong", "em", "ul", "ol", "li", "a", "h3", "h4", "blockquote", "code", "pre"})


def safe_markdown(
    text: str, *, tags: frozenset[str] = ALLOWED_TAGS, link_rel: str | None = "noopener noreferrer"
) -> str:
    """`tags` and `link_rel` vary by medium: an e-mail keeps its `h2` headings and needs no `rel` on its links."""
    html = markdown_lib.markdown(text or "", extensions=["sane_lists"])
    return nh3.clean(html, tags=set(tags), attributes={"a": {"href"}}, link_rel=link_rel)
