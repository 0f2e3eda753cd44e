"""The one Markdown renderer: safe HTML, and a remembered rendering never outlives its text."""

from core.markdown import safe_markdown


def test_only_plain_formatting_and_safe_links_come_out():
    html = safe_markdown('**bold** <script>alert(1)</script> [x](javascript:alert(1)) <a href="/a" onclick="x()">a</a>')
    assert "<strong>bold</strong>" in html
    assert "<script" not in html
    assert "javascript:" not in html
    assert "onclick" not in html


def test_an_edited_text_is_rendered_anew():
    before = safe_markdown("The *first* words.")
    after = safe_markdown("The **second** words.")
    assert before == "<p>The <em>first</em> words.</p>"
    assert after == "<p>The <strong>second</strong> words.</p>"
    assert safe_markdown("The *first* words.") == before


def test_the_options_are_part_of_what_is_remembered():
    text = "[a link](https://example.org/)"
    page = safe_markdown(text)
    email = safe_markdown(text, link_rel=None)
    assert 'rel="noopener noreferrer"' in page
    assert "rel=" not in email
