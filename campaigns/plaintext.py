"""The plain-text part of a campaign e-mail, written from its HTML part (itself rendered from the step's
Markdown): readable text with each link's address, already absolute and tracked, after its words. Mail
clients that show the plain text, and people who prefer it, get the same message and the same links."""

import re
from html.parser import HTMLParser

_BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "tr"}
_SPACES = re.compile(r"[ \t\r\n]+")
_LIST_ITEM = re.compile(r"^\s*(?:- |\d+\. )")


class _TextWriter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[tuple[str, int]] = []  # (address, where its words start in `parts`)
        self.lists: list[list[int | str]] = []  # ["ul" | "ol", the next number]
        self.pre = 0

    def _break(self, lines: int = 2) -> None:
        self.parts.append("\n" * lines)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self._break()
            self.pre += tag == "pre"
        elif tag == "br":
            self._break(1)
        elif tag in ("ul", "ol"):
            self._break(2 if not self.lists else 1)
            self.lists.append([tag, 1])
        elif tag == "li":
            kind = self.lists[-1] if self.lists else ["ul", 1]
            indent = "  " * max(len(self.lists) - 1, 0)
            if kind[0] == "ol":
                bullet = f"{kind[1]}. "
                kind[1] = int(kind[1]) + 1
            else:
                bullet = "- "
            self.parts.append(f"\n{indent}{bullet}")
        elif tag == "hr":
            self._break()
            self.parts.append("----")
            self._break()
        elif tag == "a":
            self.links.append((dict(attrs).get("href") or "", len(self.parts)))

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS:
            self.pre -= tag == "pre"
            self._break()
        elif tag in ("ul", "ol") and self.lists:
            self.lists.pop()
            self._break(2 if not self.lists else 1)
        elif tag == "a" and self.links:
            href, start = self.links.pop()
            words = "".join(self.parts[start:]).strip()
            if href and href != words:
                self.parts.append(f" <{href}>" if words else href)

    def handle_data(self, data: str) -> None:
        self.parts.append(data if self.pre else _SPACES.sub(" ", data))


def html_to_text(html: str) -> str:
    """Plain text from the message's HTML: paragraphs, headings and lists as lines, and links as
    "words <address>", the delimiters RFC 3986 (appendix C) suggests for an address in running text."""
    writer = _TextWriter()
    writer.feed(html)
    writer.close()
    # Lines keep a list item's indent and lose any other space at their ends; one blank line between blocks.
    lines = [line.rstrip() if _LIST_ITEM.match(line) else line.strip() for line in "".join(writer.parts).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
