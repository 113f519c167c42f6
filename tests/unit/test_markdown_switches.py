"""Bare URLs become links (GFM autolink literals), in prose only, and each switch of
``markdown:`` in site.yaml changes what it says."""

from __future__ import annotations

import re

import pytest

from sitegen.autolinks import find_links
from sitegen.markdown_settings import MarkdownSettings
from sitegen.markup import plain_text, render_markdown, render_with_summary

OFF = MarkdownSettings(autolink=False, footnotes=False, tables=False, smart_punctuation=False)


def _linked(text: str) -> list[str]:
    return [text[start:end] for start, end, _ in find_links(text)]


@pytest.mark.parametrize(
    ("text", "links"),
    [
        ("open-sourced at https://github.com/taufeeque9/codebook-features.", ["https://github.com/taufeeque9/codebook-features"]),
        ("at https://github.com/tjunlp-lab/Lexical-Unit-Decoding-LUD-. Keywords", ["https://github.com/tjunlp-lab/Lexical-Unit-Decoding-LUD-"]),
        ("(see https://en.wikipedia.org/wiki/Foo_(bar)) and", ["https://en.wikipedia.org/wiki/Foo_(bar)"]),
        ("visit www.commonmark.org/help, then", ["www.commonmark.org/help"]),
        ("ends with an entity www.commonmark.org/a.b&hl;", ["www.commonmark.org/a.b"]),
        ("is it https://example.org/?q=1!", ["https://example.org/?q=1"]),
        ("glued:https://example.org is not a link", []),  # must follow a space or the start
        ("no dot in http://localhost:8000/ here", []),
        ("underscore in the last labels https://a.b_c.d_e/", []),
        ("two: https://a.org and http://b.org/x", ["https://a.org", "http://b.org/x"]),
        ("HTTPS://X.ORG and WWW.X.ORG stay text, as on GitHub", []),
    ],
)  # fmt: skip
def test_what_counts_as_a_bare_url(text: str, links: list[str]) -> None:
    assert _linked(text) == links


def test_www_links_point_to_http() -> None:
    assert find_links("see www.example.org")[0][2] == "http://www.example.org"


def test_bare_urls_become_links_in_prose_only() -> None:
    html = render_markdown(
        "Code at https://github.com/x/y_z. See [https://a.org](https://a.org), `https://code.org`, "
        '<a href="https://q.org">https://q.org</a>.\n\n    https://in.code.block\n'
    )
    assert '<a href="https://github.com/x/y_z" rel="nofollow noopener">https://github.com/x/y_z</a>.' in html
    assert html.count("<a ") == 3  # the bare URL, the Markdown link, the raw one: no link inside a link
    assert "<code>https://code.org</code>" in html
    assert "<pre><code>https://in.code.block\n</code></pre>" in html


def test_plain_prose_links_like_the_parser() -> None:
    from sitegen import markup

    text = "Plain prose with a link https://github.com/x/y\nand www.example.org on the next line."
    assert markup._plain_prose(text)  # the fast path that skips the parser
    parsed = markup._BLOCK_CLEANER.clean(markup._render_events(text, True)[0]).strip()
    assert render_markdown(text) == parsed
    assert parsed.count("<a href=") == 2


def test_autolink_can_be_switched_off() -> None:
    text = "Code at https://github.com/x/y."
    assert "<a " not in render_markdown(text, MarkdownSettings(autolink=False))
    assert plain_text(text) == plain_text(text, settings=OFF) == text


def test_a_javascript_url_is_never_linked() -> None:
    assert "<a " not in render_markdown("see javascript://example.org/%0Aalert(1)")


def test_footnotes_link_both_ways_with_ids_scoped_to_their_document() -> None:
    text = "A claim[^a] and another[^b], and the first again[^a].\n\n[^a]: First *note*.\n\n[^b]: Second."
    html, summary = render_with_summary(text, 200)
    assert html.count('class="footnote-reference"') == 3
    assert html.count('class="footnote-definition"') == 2
    assert "<p><sup>1</sup> First <em>note</em>.</p>" in html  # the number opens the note's line
    ids = re.findall(r' id="([^"]+)"', html)
    assert len(ids) == len(set(ids)) == 4  # two references with ids (a repeat has none), two notes
    assert all(i.startswith(ids[0].split("-")[0] + "-") for i in ids)  # one scope for the document
    for target in re.findall(r'href="#([^"]+)"', html):
        assert target in ids
    other = render_markdown("Elsewhere[^a].\n\n[^a]: Note.")
    assert not set(ids) & set(re.findall(r' id="([^"]+)"', other))  # a note on the same page
    assert summary == "A claim and another, and the first again."  # footnotes stay out of summaries


def test_footnotes_can_be_switched_off() -> None:
    html = render_markdown("A claim[^a].\n\n[^a]: Note.", MarkdownSettings(footnotes=False))
    assert "footnote" not in html  # plain CommonMark: "[^a]: Note." defines a link "^a"


def test_tables_can_be_switched_off() -> None:
    text = "| a | b |\n|---|---|\n| 1 | 2 |"
    assert "<table>" in render_markdown(text)
    assert "<table>" not in render_markdown(text, MarkdownSettings(tables=False))


def test_smart_punctuation_is_off_by_default_and_can_be_switched_on() -> None:
    text = 'It\'s "quoted" -- and so on...'
    assert render_markdown(text) == '<p>It\'s "quoted" -- and so on...</p>'
    smart = render_markdown(text, MarkdownSettings(smart_punctuation=True))
    assert smart == "<p>It&rsquo;s &ldquo;quoted&rdquo; &ndash; and so on&hellip;</p>"
    assert plain_text(text, settings=MarkdownSettings(smart_punctuation=True)) == "It’s “quoted” – and so on…"


@pytest.mark.parametrize(
    "text",
    [
        "a\\*b https://x.org/a\\_b &amp; c",
        "x&#42;y https://a.org/&lt;x",
        'it\'s "q" -- x... https://y.org',
        "a ~b~ c https://z.org/~x",
    ],
)
def test_a_run_of_text_comes_in_one_event(text: str) -> None:
    """What autolinking relies on: a URL is found within one text event."""
    import pyromark

    from sitegen.mdevents import _options

    for settings in (MarkdownSettings(), MarkdownSettings(smart_punctuation=True)):
        events = list(pyromark.events(text, options=_options(settings, True)))
        texts = [isinstance(e, dict) and "Text" in e for e in events]
        assert not any(a and b for a, b in zip(texts, texts[1:], strict=False))
