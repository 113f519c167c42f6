"""markup: Markdown + TeX -> safe HTML, inline HTML for titles, plain text."""

from __future__ import annotations

import random
import re
from html.parser import HTMLParser

import pytest
import yaml

from sitegen.charrefs import punctuation_as_references
from sitegen.markup import plain_text, render_inline, render_markdown, render_with_summary

ABSTRACT = (
    "Large language models achieve strong results, but inference costs $O(n^2)$ in the "
    "sequence length $n$. We propose **FlashThing**, which cuts memory by $\\sim$40\\% and "
    "gives a $2.3\\times$ speed-up. Training cost fell from $5 million to $1 million.\n\n"
    "$$\n\\mathcal{L} = -\\sum_i \\log p(x_i)\n$$\n\n"
    "Code: <https://github.com/x/y>."
)


# --- Markdown and math ---------------------------------------------------------


def test_paragraphs_emphasis_and_links() -> None:
    html = render_markdown("Hello *world* and **bold** `code` [site](https://example.org/a?b=1&c=2).")
    assert html == (
        "<p>Hello <em>world</em> and <strong>bold</strong> <code>code</code> "
        '<a href="https://example.org/a?b=1&amp;c=2" rel="nofollow noopener">site</a>.</p>'
    )


def test_empty_input_gives_empty_output() -> None:
    assert render_markdown("") == ""
    assert render_markdown("  \n ") == ""
    assert render_inline("") == ""
    assert plain_text("") == ""


def test_inline_and_display_math_become_mathml() -> None:
    html = render_markdown(ABSTRACT)
    assert html.count("<math ") == 5
    assert '<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline" alttext="O(n^2)">' in html
    block = '<div class="math" tabindex="0"><math xmlns="http://www.w3.org/1998/Math/MathML" display="block"'
    assert block in html
    assert "<msup><mi>n</mi><mn>2</mn></msup>" in html
    assert "$" not in html.replace("$5 million to $1 million", "")


def test_double_dollar_inside_a_paragraph_is_display_math_without_a_div() -> None:
    html = render_markdown("where $$x^2$$ holds")
    assert html.startswith('<p>where <span class="math" tabindex="0"><math ')
    assert 'display="block"' in html
    assert "<div" not in html


@pytest.mark.parametrize(
    "text",
    [
        "It costs $5 and $10 per month.",
        "Prices went from $5 to $10.",
        "A 5$ bill.",
        "Unbalanced $x and more text.",
        "Spaces inside are not math: $ x $.",
        "Escaped \\$x\\$ stays text.",
    ],
)
def test_dollars_that_are_not_math_stay_text(text: str) -> None:
    html = render_markdown(text)
    assert "<math" not in html
    assert "$" in html


def test_digit_after_closing_dollar_is_still_math() -> None:
    # "$\sim$100" is far more common in abstracts than "$5-$10" price ranges.
    assert "<math" in render_markdown("about $\\sim$100 tokens")


def test_broken_tex_falls_back_to_escaped_source() -> None:
    html = render_markdown("bad $\\begin{matrix}<i>$ and $x^$ formulas, then $x$")
    assert '<code class="math-error">\\begin{matrix}&lt;i&gt;</code>' in html
    assert '<code class="math-error">x^</code>' in html
    assert "<math " in html  # the good formula after it still renders


def test_dollars_around_unbalanced_braces_are_not_math() -> None:
    # pulldown-cmark closes inline math only where its braces balance.
    assert render_markdown("bad $\\frac{a}{$ here") == "<p>bad $\\frac{a}{$ here</p>"
    assert "<mo>&lt;</mo><mi>b</mi>" in render_markdown("fine $\\frac{<b>}{c}$ here")


def test_empty_double_dollars_stay_text() -> None:
    assert render_markdown("a $$$$ b") == "<p>a $$$$ b</p>"


def test_display_math_opening_a_block_and_ending_its_line_is_a_div() -> None:
    # As markdown-it's dollarmath read it: the lines after the formula are a paragraph.
    html = render_markdown("$$x^2$$\nmore text")
    assert html.startswith('<div class="math" tabindex="0"><math ')
    assert html.endswith("</div>\n<p>more text</p>")
    assert render_markdown("$$x$$\n$$y$$").count("<div") == 2
    assert "<li>\n<div" in render_markdown("- $$x$$\n- b")
    assert "<div" not in render_markdown("text\n$$x$$\nmore")  # inside a paragraph: a span


def test_text_inside_math_stays_escaped() -> None:
    html = render_markdown("$\\text{a<b & c}$")
    assert "<mtext>a&lt;b&amp;nbsp;" not in html
    assert "a&lt;b" in html
    assert "<b" not in html.replace("<mrow", "")


def test_headings_shift_below_the_page_headings() -> None:
    assert render_markdown("# One\n\n## Two\n\n##### Five") == "<h3>One</h3>\n<h4>Two</h4>\n<h6>Five</h6>"


def test_lists_quotes_code_tables_strikethrough() -> None:
    html = render_markdown(
        "- a\n- b\n\n> quote\n\n```python\nx = '<b>'\n```\n\n| a | b |\n|--:|---|\n| 1 | 2 |\n\n~~gone~~"
    )
    for fragment in ("<ul>", "<li>a</li>", "<blockquote>", "<pre><code>x = '&lt;b&gt;'", "<table>",
                     "<th>a</th>", "<td>2</td>", "<s>gone</s>"):  # fmt: skip
        assert fragment in html
    assert "style=" not in html and "class=" not in html


def test_single_tildes_stay_text_and_double_tildes_strike() -> None:
    # "~" means "about" in abstracts; GFM would strike "5% and 10" here.
    html = render_markdown("about ~5% and 10~20 ms, ~~wrong~~")
    assert html == "<p>about ~5% and 10~20 ms, <s>wrong</s></p>"
    assert plain_text("about ~5% and 10~20 ms") == "about ~5% and 10~20 ms"


def test_allowed_raw_html_is_kept_and_unknown_tags_show_as_text() -> None:
    html = render_markdown("H<sub>2</sub>O, the <think> token, <EOS>, x<y")
    assert html == "<p>H<sub>2</sub>O, the &lt;think&gt; token, &lt;EOS&gt;, x&lt;y</p>"


def test_image_becomes_a_link_with_its_alt_text() -> None:
    html = render_markdown("![a figure](https://example.org/f.png)")
    assert html == '<p><a href="https://example.org/f.png" rel="nofollow noopener">a figure</a></p>'


def test_email_autolinks_get_mailto_and_urls_are_percent_encoded() -> None:
    html = render_markdown("<x@y.example> [a](<b c/é>)")
    assert 'href="mailto:x@y.example"' in html
    assert 'href="b%20c/%C3%A9"' in html


def test_rendering_is_deterministic() -> None:
    assert render_markdown(ABSTRACT) == render_markdown(ABSTRACT)


# --- sanitising ------------------------------------------------------------------------

NASTY = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil/x.js></SCRIPT>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](jav&#x61;script:alert(1))",
    "[x](jav&#97;script:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD4=)",
    "[x](vbscript:msgbox(1))",
    "<javascript:alert(1)>",
    "![x](javascript:alert(1))",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<a href="javascript:alert(1)" onclick="alert(1)" style="color:red">l</a>',
    '<a href="jav&#x61;script:alert(1)">l</a>',
    '<a href="data:text/html,<script>alert(1)</script>">l</a>',
    '<p onmouseover="alert(1)" style="position:fixed">p</p>',
    '<div>\n<iframe src="https://evil"></iframe>\n<script>alert(1)</script>\n</div>',
    "<math><mi>x</mi><maction actiontype='statusline'>y</maction></math>",
    "<math><mtext><img src=x onerror=alert(1)></mtext></math>",
    "$\\href{javascript:alert(1)}{x}$",
    "$\\style{background:url(javascript:alert(1))}{x}$",
    "$\\text{<script>alert(1)</script>}$",
    "$\\text{<img src=x onerror=alert(1)>}$",
    "$$\n\\text{</math><script>alert(1)</script>}\n$$",
    "<!-- <script>alert(1)</script> -->",
    "<style>body{display:none}</style>",
    "<object data=x></object><embed src=x><form action=x><input>",
    '<span class="math" id="x" onclick="y">s</span>',
]

_FORBIDDEN_TAGS = {"script", "img", "svg", "iframe", "style", "object", "embed", "form", "input", "maction"}


class _Tags(HTMLParser):
    """Every (tag, attributes) pair as a browser's tokenizer would see them."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


def _assert_safe(html: str) -> None:
    for tag, attrs in _Tags(html).found:
        assert tag not in _FORBIDDEN_TAGS, html
        for name, value in attrs:
            assert not name.startswith("on") and name not in ("style", "id", "src"), html
            if name == "href":
                assert re.match(r"(https?:|mailto:|[^:]*$)", value or ""), html


@pytest.mark.parametrize("text", NASTY)
def test_nasty_markdown_is_neutralised(text: str) -> None:
    _assert_safe(render_markdown(text))


@pytest.mark.parametrize("text", NASTY)
def test_nasty_titles_are_neutralised(text: str) -> None:
    _assert_safe(render_inline(text))


def test_only_safe_url_schemes_survive() -> None:
    html = render_markdown(
        "[a](http://a.example/) [b](https://b.example/) [c](mailto:c@d.example) "
        "[d](../rel/) [e](/abs) [f](ftp://f.example/) [g](javascript:alert(1))"
    )
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert hrefs == ["http://a.example/", "https://b.example/", "mailto:c@d.example", "../rel/", "/abs"]
    assert html.count('rel="nofollow noopener"') == 5
    assert "</a> f g</p>" in html  # ftp: and javascript: links are only their text


def test_math_href_and_style_are_dropped() -> None:
    html = render_markdown("$\\href{javascript:alert(1)}{x}$ $\\style{color:red}{y}$")
    assert "javascript" not in html.split("alttext=")[0]
    assert "href=" not in html and "style=" not in html
    assert "<mi>x</mi>" in html and "<mi>y</mi>" in html


# --- titles -------------------------------------------------------------------------


def test_inline_has_no_paragraph_and_keeps_math() -> None:
    html = render_inline("Attention Is $\\mathcal{O}(n^2)$: *All* You Need")
    assert not html.startswith("<p>")
    assert "<math " in html and "<em>All</em>" in html


def test_inline_drops_links_but_keeps_their_text() -> None:
    # Titles sit inside card links; a nested <a> would be invalid.
    assert render_inline("See [this](https://x.example) and <https://y.example>") == (
        "See this and https://y.example"
    )


def test_inline_escapes_text() -> None:
    assert render_inline("Q&A <script>x</script> & <sub>2</sub>") == (
        "Q&amp;A &lt;script&gt;x&lt;/script&gt; &amp; <sub>2</sub>"
    )


def test_inline_does_not_make_blocks() -> None:
    html = render_inline("# Not a heading\n- not a list")
    assert "<h" not in html and "<li" not in html and "<p" not in html


# --- plain text ---------------------------------------------------------------------


def test_plain_text_strips_markup_and_writes_math_as_unicode() -> None:
    text = plain_text("# Title\n\nWe *show* $O(n)$ with [a link](https://x) and H<sub>2</sub>O.\n\n$$x^2$$")
    assert text == "Title We show O(n) with a link and H2O. x²"


def test_plain_text_decodes_entities_and_keeps_unknown_tags_as_text() -> None:
    assert plain_text("Q&amp;A &lt;b&gt; and the <think> token") == "Q&A <b> and the <think> token"


def test_plain_text_collapses_whitespace() -> None:
    assert plain_text("a\n  b\n\n\n- c\n- d\n\n```\ncode\n```") == "a b c d code"


def test_plain_text_limit_cuts_on_a_word_boundary() -> None:
    text = plain_text("alpha beta gamma delta epsilon", limit=18)
    assert text == "alpha beta gamma…"
    assert len(text) <= 18


def test_plain_text_limit_leaves_short_text_alone() -> None:
    assert plain_text("alpha beta", limit=10) == "alpha beta"


def test_plain_text_limit_drops_trailing_punctuation_before_the_ellipsis() -> None:
    assert plain_text("alpha, beta gamma", limit=10) == "alpha…"


def test_plain_text_limit_cuts_a_single_long_word() -> None:
    assert plain_text("a" * 50, limit=10) == "a" * 9 + "…"


# --- the plain-prose fast path must agree with the parser -------------------

PROSE_SAMPLES = [
    "One paragraph of plain words.",
    "  Leading spaces, a trailing space. \n and a second line",
    "First paragraph.\n\nSecond paragraph,\nwith a soft break.\n\n\n  Third one.",
    "Quotes \"double\" and 'single', 100% (parentheses), commas; colons: done.",
    "Ünïcödé — dashes – and … ellipses, 33 per cent.",
    "Line one\n \nLine after a blank line holding a space",
]


@pytest.mark.parametrize("text", PROSE_SAMPLES)
def test_fast_path_renders_exactly_like_the_parser(text):
    from sitegen import markup

    assert markup._plain_prose(text)
    slow_html = markup._BLOCK_CLEANER.clean(markup._render_events(text, block=True)[0]).strip()
    assert render_markdown(text) == punctuation_as_references(slow_html)
    slow_inline = markup._INLINE_CLEANER.clean(markup._render_inline_events(text.strip())[0]).strip()
    if "\n" not in text:
        assert render_inline(text) == punctuation_as_references(slow_inline)


def test_fast_path_agrees_on_every_sample_abstract():
    from sitegen import markup
    from tests.sitekit import REPO

    papers = yaml.safe_load((REPO / "content/papers/2025/2025-03-14.yaml").read_text(encoding="utf-8"))
    fast = [p["abstract"] for p in papers if markup._plain_prose(p["abstract"])]
    assert len(fast) > 20, "most real abstracts take the fast path"
    for text in fast:
        parsed = markup._render_events(text, block=True)[0]
        assert render_markdown(text) == punctuation_as_references(markup._BLOCK_CLEANER.clean(parsed).strip())


@pytest.mark.parametrize(
    "text",
    [
        "- a list", "# heading", "> quote", "1. item", "    code", "a  \nhard break", "a *b*", "x\r\ny",
        "tab\there", "no\u00a0break", "line\u2028separator", "nul\x00",
    ],
)  # fmt: skip
def test_anything_that_could_be_markup_takes_the_parser(text):
    from sitegen import markup

    assert not markup._plain_prose(text)


def test_fast_path_agrees_with_the_parser_on_generated_prose():
    from sitegen import markup

    pieces = ["word", "a", " ", " ", "  ", "\n", "\n\n", "\n \n", "2.", *"-+=.)1'\"é"]
    rng = random.Random(1)
    checked = 0
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))
        if text.isspace() or not markup._plain_prose(text):
            continue
        checked += 1
        html, plain = markup._render_events(text, block=True)
        assert render_with_summary(text, 20) == (
            markup._BLOCK_CLEANER.clean(html).strip(),
            markup._shorten(" ".join(plain.split()), 20),
        ), repr(text)
    assert checked > 500


@pytest.mark.parametrize("limit", [1, 5, 12, 40])
def test_summary_from_a_prefix_cuts_where_the_whole_text_would(limit):
    from sitegen import markup

    rng = random.Random(limit)
    pieces = ["ab", "c", "é", " ", "  ", "\n", "\n\n", "\t", "\x1c", "\xa0", "\u2028", "defghij"]
    for _ in range(300):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 60)))
        collapsed = " ".join(text.split())
        assert markup._single_spaced(text) == collapsed, repr(text)
        assert markup._one_line(text, limit) == markup._shorten(collapsed, limit), repr(text)


def test_latex_quotes_become_typographic_quotes_not_code():
    html = render_markdown("the `teacher' network and ``student'' models, but `real code` stays")
    # In HTML as references (see sitegen/charrefs.py), in plain text as the characters.
    assert "&lsquo;teacher&rsquo;" in html and "&ldquo;student&rdquo;" in html
    assert "<code>real code</code>" in html
    assert plain_text("a `teacher' net") == "a ‘teacher’ net"


def test_typographic_marks_in_html_are_references_and_letters_stay_characters():
    html = render_markdown("Schrödinger’s cat — 東京 … “quoted” end")
    assert html == "<p>Schrödinger&rsquo;s cat &mdash; 東京 &hellip; &ldquo;quoted&rdquo;&nbsp;end</p>"
    assert render_inline("Ask – don’t tell…") == "Ask &ndash; don&rsquo;t tell&hellip;"
    assert render_markdown("Plain ASCII *prose*.").isascii()


def test_display_formulas_are_reachable_by_keyboard_and_content_cannot_set_tabindex():
    html = render_markdown("Block:\n\n$$x^2 + y^2 = z^2$$\n\nInline $$a+b$$ display.")
    assert html.count('tabindex="0"') == 2
    assert '<div class="math" tabindex="0"><math' in html
    assert '<span class="math" tabindex="0"><math' in html
    assert "tabindex" not in render_markdown('<span tabindex="5">x</span> and <div tabindex="1">y</div>')


@pytest.mark.parametrize(
    "text",
    [
        "Plain prose, two sentences. Second one.",
        "Some *emphasis*, `code`, a [link](https://e.org) and $x^2$ math.\n\n$$y = mx + b$$\n\n- a list",
        "Hi <script>alert(1)</script> & <sub>2</sub>",
        "",
    ],
)
def test_one_parse_gives_the_same_html_and_summary_as_two(text):
    assert render_with_summary(text, 40) == (render_markdown(text), plain_text(text, 40) if text else "")


def test_a_lone_surrogate_is_shown_as_a_replacement_character_instead_of_failing():
    # The loader refuses them; markup still must not raise (pyromark and nh3 cannot take them).
    assert render_markdown("*a*\ud800 b") == "<p><em>a</em>\ufffd b</p>"
    assert render_inline("*a*\ud800") == "<em>a</em>\ufffd"
    assert plain_text("*a*\ud800") == "a\ufffd"
    assert render_with_summary("x\ud800 *y*", 10) == ("<p>x\ufffd <em>y</em></p>", "x\ufffd y")


def test_every_piece_of_content_html_goes_through_nh3(monkeypatch) -> None:
    """docs/performance.md, "One sanitiser": nh3 cleans every piece of content HTML, even
    plain prose whose HTML sitegen writes itself, with either engine, titles too."""
    from sitegen import markup
    from sitegen.markdown_settings import PYTHON_MARKDOWN, MarkdownSettings

    cleaned: list[str] = []

    class Counting:
        def __init__(self, real) -> None:
            self.real = real

        def clean(self, html: str) -> str:
            cleaned.append(html)
            return self.real.clean(html)

    monkeypatch.setattr(markup, "_BLOCK_CLEANER", Counting(markup._BLOCK_CLEANER))
    monkeypatch.setattr(markup, "_INLINE_CLEANER", Counting(markup._INLINE_CLEANER))
    python_markdown = MarkdownSettings(engine=PYTHON_MARKDOWN)
    for render, text, settings in (
        (render_markdown, "Plain words only.", None),
        (render_markdown, "Some *emphasis* and $x^2$.", None),
        (render_markdown, "Plain words only.", python_markdown),
        (lambda t, **s: render_with_summary(t, 10, **s), "Plain words only, again.", None),
        (render_inline, "A plain title", None),
        (render_inline, "A *marked* title with $x$", None),
        (render_inline, "A plain title", python_markdown),
    ):
        before = len(cleaned)
        html = render(text, **({"settings": settings} if settings else {}))
        assert len(cleaned) == before + 1, (text, settings)
        assert html  # what the cleaner gave back, then typeset
