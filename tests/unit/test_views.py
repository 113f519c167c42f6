"""What a paper page shows about a paper, made once per paper."""

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from sitegen.config import load_config
from sitegen.loading import load_papers
from sitegen.markdown_settings import DEFAULT_MARKDOWN, MarkdownSettings
from sitegen.markup import plain_text, render_with_summary, render_with_text
from sitegen.render import Renderer
from sitegen.schedule import Schedule
from sitegen.site import build_site
from sitegen.theme import resolve_theme
from sitegen.views import PaperView, has_words, json_ld
from tests.sitekit import paper, write_site

SAMPLE_SITE = Path(__file__).resolve().parents[2]


def _reference(view: PaperView, site_title: str) -> str:
    """What json_ld() must write: json.dumps of the schema.org data, made safe
    for a <script> element."""
    p = view.paper
    data: dict = {
        "@context": "https://schema.org",
        "@type": "ScholarlyArticle",
        "headline": view.title[:110],
        "name": view.title,
        "url": view.abs_url,
        "datePublished": (p.published or p.date).date().isoformat(),
        "dateModified": (p.updated or p.published or p.date).date().isoformat(),
        "description": view.summary,
        "isPartOf": {"@type": "WebSite", "name": site_title},
    }
    if p.authors:
        data["author"] = [{"@type": "Person", "name": a.name} for a in p.authors]
    if p.tags:
        data["keywords"] = ", ".join(p.tags)
    if view.arxiv_id:
        data["identifier"] = f"arXiv:{view.arxiv_id}"
    if p.thumbnail:
        data["image"] = view.thumbnail_abs_url
    if view.pdf_url:
        data["encoding"] = {
            "@type": "MediaObject",
            "contentUrl": view.pdf_url,
            "encodingFormat": "application/pdf",
        }
    text = json.dumps(data, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _views(site_dir: Path) -> tuple[list[PaperView], str]:
    config = load_config(site_dir)
    site = build_site(load_papers(config), config)
    renderer = Renderer(site, resolve_theme(config))
    return [renderer.view(p.id) for p in site.papers], config.title


def test_json_ld_is_the_json_of_its_data_for_awkward_text(tmp_path):
    awkward = 'A "quoted" \\ back</script><!-- & é 数学 \U0001f600 \u2028 title that runs on ' + "long " * 30
    papers = [
        paper(
            "2403.09629",
            title=awkward,
            authors=['Ann "Q" O\'Neil', "Zoë\\Back"],
            tags=["a&b", "<c>"],
            thumbnail="thumbs/<a>&b.png",
        ),
        paper("no-authors", title="Plain", venue="NeurIPS", published="2025-01-02", updated="2025-02-03"),
        paper(
            "with-pdf",
            title="$x^2$ and *emphasis*",
            abstract='An `abstract` with "quotes".\n\nAnd a second paragraph.',
            links={"pdf": "https://example.org/a.pdf?x=1&y=<2>"},
            authors=[{"name": "B. Tab", "affiliation": "Lab"}],
        ),
    ]
    views, title = _views(write_site(tmp_path / "s", papers, title='Site "&" <Title>'))
    assert len(views) == 3
    for view in views:
        text = str(json_ld(view, title))
        assert text == _reference(view, title)
        assert "<" not in text and ">" not in text and "&" not in text
        assert json.loads(text)["name"] == view.title
    assert json.loads(str(json_ld(views[0], title)))["image"] == "https://example.org/thumbs/%3Ca%3E&b.png"
    # The title as text: no Markdown marks, math as Unicode.
    assert [json.loads(str(json_ld(v, title)))["name"] for v in views][2] == "x² and emphasis"


def test_json_ld_of_every_sample_paper_is_the_json_of_its_data():
    views, title = _views(SAMPLE_SITE)
    assert len(views) == 42
    for view in views:
        assert str(json_ld(view, title)) == _reference(view, title)


def test_views_share_one_link_per_author_and_tag_and_keep_each_affiliation(tmp_path):
    turing = {"name": "Alan Turing"}
    papers = [
        paper("a", authors=["Ada Lovelace", {**turing, "affiliation": "Manchester"}], tags=["LLM"]),
        paper("b", authors=["Ada Lovelace", {**turing, "affiliation": "Bletchley"}], tags=["LLM"]),
    ]
    views, _ = _views(write_site(tmp_path / "s", papers))
    by_id = {view.id: view for view in views}
    a, b = by_id["a"], by_id["b"]
    assert a.authors[0] is b.authors[0], "one Named for a name shown on many papers"
    assert a.tags[0] is b.tags[0]
    assert (a.authors[0].url, a.tags[0].url) == ("/authors/ada-lovelace/", "/tags/llm/")
    # One author page for both spellings of the byline, each paper with its own affiliation.
    assert [n.detail for n in (a.authors[1], b.authors[1])] == ["Manchester", "Bletchley"]
    assert a.authors[1].url == b.authors[1].url == "/authors/alan-turing/"


def test_an_arxiv_link_gives_an_arxiv_id_only_when_it_names_one(tmp_path):
    papers = [
        paper("a", links={"arxiv": "https://arxiv.org/abs/2403.09629v2"}),
        paper("b", links={"arxiv": "https://arxiv.org/pdf/hep-th/9901001.pdf"}),
        paper("c", links={"arxiv": "https://arxiv.org/abs/see the list"}),
    ]
    views, _ = _views(write_site(tmp_path / "s", papers))
    assert [view.arxiv_id for view in views] == ["2403.09629v2", "hep-th/9901001", None]
    assert [view.pdf_url for view in views] == [
        "https://arxiv.org/pdf/2403.09629v2",
        "https://arxiv.org/pdf/hep-th/9901001",
        None,
    ]
    assert views[2].links[0].url == "https://arxiv.org/abs/see%20the%20list"


def _striptags_wordcount(html: str) -> bool:
    """What paper.html asked with ``|striptags|wordcount`` before has_words."""
    import jinja2

    return jinja2.Environment().from_string("{{ s|striptags|wordcount }}").render(s=Markup(html)) != "0"


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet="<>!-&;#x0aAé_ \n\t", max_size=40))
def test_has_words_is_striptags_and_wordcount_for_any_html(html):
    # Tags, comments (closed or not), references that make a word ("&#65;") or take one in ("&amp;").
    assert has_words(html) == _striptags_wordcount(html)


@pytest.mark.parametrize(
    "html",
    [
        "",
        " ",
        "<p></p> ",
        "<p>x</p>",
        "<math><mi>x</mi></math> ",
        "<!-- a --> ",
        "<!-- a ",
        "<p",
        "a<p",
        "&#65;",
        "&amp;",
        "&amp;a",
        "&am<b>p;",
        "<p>&hellip;</p> <p>&ldquo;x</p>",
        "<p>&hellip;</p>",
        "&#x5f;",
        "_",
        "<a title='w'>",
        "<!---->w",
        "<a>&</a>b",
        "<!-->w",
        "<!-->w-->",
        "<!-- <p> -->w",
        "<!-- x --",
        "<b\n>w",
        "<p>\n</p><p>&lt;</p>",
        "<p>. , ;</p><p",
        "<p>. <!-- & -->w",
        "<p>- <b w",
        "<p>- <b &amp;",
    ],
)
def test_has_words_on_the_shapes_it_takes_apart(html):
    assert has_words(html) == _striptags_wordcount(html)


def test_the_paper_header_is_left_out_of_the_index_only_with_words_and_a_theme_may_ask_with_the_filters(
    tmp_path,
):
    """prose_has_words, as paper.html used it, and the filters it replaced in a site's own paper.html."""
    from sitegen.build import build
    from sitegen.theme import builtin_themes_dir

    papers = [
        paper("words", abstract="Some *words* here."),
        paper("bare"),
        paper("marks", abstract="... -- &"),
        paper("formula", abstract="$x$"),
        paper("note", note="A note."),
    ]
    pages = {}
    for name, own in (("default", False), ("own", True)):
        site = write_site(tmp_path / name, papers)
        if own:
            template = (builtin_themes_dir() / "default/templates/paper.html").read_text(encoding="utf-8")
            assert "{% if prose_has_words %}" in template
            old = "((paper.abstract_html or '') ~ ' ' ~ (paper.note_html or ''))|striptags|wordcount"
            (site / "templates").mkdir()
            (site / "templates/paper.html").write_text(
                template.replace("prose_has_words", old), encoding="utf-8"
            )
        build(site, workers=1)
        pages[name] = {p["id"]: (site / "output/papers" / p["id"] / "index.html").read_text() for p in papers}
    assert pages["own"] == pages["default"]
    ignored = {
        key
        for key, html in pages["default"].items()
        if '<header class="paper-header" data-pagefind-ignore>' in html
    }
    assert ignored == {"words", "formula", "note"}


_MARKDOWNISH = st.text(alphabet="ab é*_`$\\^{}[]()<>&#-+>1.\n\t\xa0\u2028x", max_size=80)
_PYTHON_MARKDOWN = MarkdownSettings(
    engine="python-markdown", autolink=False, footnotes=False, tables=False, smart_punctuation=False
)


@settings(max_examples=1500, deadline=None)
@given(_MARKDOWNISH, st.sampled_from([1, 20, 200]), st.sampled_from([DEFAULT_MARKDOWN, _PYTHON_MARKDOWN]))
def test_one_parse_with_the_whole_text_is_the_summary_and_plain_text_made_apart(text, limit, markdown):
    """render_with_text (the views of papers whose cite.ris renders with them):
    the HTML and summary render_with_summary makes, and plain_text's whole text."""
    whole = plain_text(text, None, markdown) if text and not text.isspace() else ""
    assert render_with_text(text, limit, markdown) == (*render_with_summary(text, limit, markdown), whole)


def test_cite_ris_from_the_text_made_with_the_view_is_the_one_made_apart(tmp_path):
    abstracts = [
        "Plain prose.\nOn two lines.",
        "Some *emphasis*, `code`, a [link](https://e.org), $x^2$ and $\\alpha$ math.\n\n$$y = mx$$"
        + "\n\n- a list and a long tail of words" * 20,
        "",
    ]
    root = write_site(
        tmp_path / "s", [paper(f"p{i}", "2025-03-14", abstract=a) for i, a in enumerate(abstracts)]
    )
    config = load_config(root)
    site = build_site(load_papers(config), config)
    prepared, apart = (Renderer(site, resolve_theme(config)) for _ in range(2))
    outputs = [o for o in Schedule(site, (), cold=False).outputs if o.kind in ("paper", "cite")]
    ris = [o for o in outputs if o.kind == "cite" and o.key[1] == "ris"]
    assert len(ris) == 3
    prepared.prepare_views(outputs)
    assert len(prepared._abstract_texts) == 3, "the text is made with the views"
    for output in ris:
        assert prepared.render(output) == apart.render(output)
    assert not prepared._abstract_texts, "taken by the cite.ris, once"


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=30))
def test_a_names_pagefind_filter_is_the_name_forceescaped_three_times(name):
    """What paper.html wrote with three filter calls a tag, a page: made once a tag."""
    import jinja2

    from sitegen.views import Named

    template = jinja2.Environment(autoescape=True).from_string("{{ n|forceescape|forceescape|forceescape }}")
    value = Named(name, "/tags/x/").pagefind_filter
    assert isinstance(value, Markup)  # shown as it is, not escaped a fourth time
    assert str(value) == template.render(n=name)


def test_the_tags_pagefind_values_are_those_the_filters_made_in_a_sites_own_paper_html(tmp_path):
    """t.pagefind_filter and ', '.join(tags) in the default paper.html, and the filters
    they replaced (|forceescape three times, |join) in a site's own paper.html: the same pages."""
    from sitegen.build import build
    from sitegen.theme import builtin_themes_dir

    papers = [
        paper("awkward", tags=["a&b", "<c> \"q\" 'x'", "&amp; é…"]),
        paper("plain", tags=["cs.CL"]),
        paper("none", tags=[]),
    ]
    pages = {}
    for name, own in (("default", False), ("own", True)):
        site = write_site(tmp_path / name, papers)
        if own:
            template = (builtin_themes_dir() / "default/templates/paper.html").read_text(encoding="utf-8")
            old = {
                "{{ t.pagefind_filter }}": "{{ t.name|forceescape|forceescape|forceescape }}",
                "{{ ', '.join(p.tags) }}": "{{ p.tags|join(', ') }}",
            }
            for new, filters in old.items():
                assert new in template
                template = template.replace(new, filters)
            (site / "templates").mkdir()
            (site / "templates/paper.html").write_text(template, encoding="utf-8")
        build(site, workers=1)
        pages[name] = {p["id"]: (site / "output/papers" / p["id"] / "index.html").read_text() for p in papers}
    assert pages["own"] == pages["default"]
    assert 'data-pagefind-filter="tag:a&amp;amp;amp;b"' in pages["default"]["awkward"]
    assert (
        'data-pagefind-meta="tags:a&amp;b, &lt;c&gt; &#34;q&#34; &#39;x&#39;, &amp;amp; é&hellip;"'
        in (pages["default"]["awkward"])
    )


def test_a_view_its_links_and_its_citation_cannot_be_changed(tmp_path):
    """Named tuples, not frozen dataclasses (made faster): as immutable."""
    papers = [paper("2403.09629", authors=["A. Author"], links={"code": "https://example.org/c"})]
    view = _views(write_site(tmp_path / "s", papers))[0][0]
    for obj, field in ((view, "title"), (view.links[0], "url"), (view.citation, "key")):
        with pytest.raises(AttributeError):
            setattr(obj, field, "changed")


def test_json_ld_days_stay_right_past_the_days_kept_and_the_kept_ones_stay_few():
    from datetime import datetime, timedelta, timezone

    from sitegen import views

    start = datetime(2019, 12, 31, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    for n in range(2500):
        moment = start + timedelta(days=n)
        assert views._iso_day(moment) == moment.date().isoformat()  # the moment's own day, not UTC's
        assert len(views._iso_days) <= 1024
