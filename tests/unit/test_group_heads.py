"""partials.PerValue: list.html's _group_head.html (a run of cards' section and
day heading) rendered once a day when it reads only ``day``, ``day_url`` and
the build's globals, else included for each run; the pages are the bytes of a
list.html that includes it for every run (the reference), and, with the
theme's own, of the list.html that wrote it inline before it was a partial."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitegen.build import build
from sitegen.config import load_config
from sitegen.loading import load_papers
from sitegen.render import Renderer
from sitegen.site import build_site
from sitegen.theme import builtin_themes_dir, resolve_theme
from tests.sitekit import paper, tree, write_site

_LIST = (builtin_themes_dir() / "default" / "templates" / "list.html").read_text(encoding="utf-8")
_SHOWN = (
    "{% if group.head is none %}{% with day = group.day, day_url = group.url %}"
    '{% include "_group_head.html" %}{% endwith %}{% else %}{{ group.head }}{% endif %}'
)
assert _SHOWN in _LIST
# Included for every run, whatever the partial reads.
_REFERENCE_LIST = _LIST.replace(
    _SHOWN, '{% with day = group.day, day_url = group.url %}{% include "_group_head.html" %}{% endwith %}'
)
# list.html as it was before the partial (a theme's own copy of it from then).
_INLINE_LIST = _LIST.replace(
    _SHOWN + "\n",
    '<section class="day-group"{% if group.day %} aria-labelledby="day-{{ group.day }}"'
    '{% else %} aria-label="Papers"{% endif %}>\n'
    "  {% if group.day %}\n"
    '  <h2 id="day-{{ group.day }}" class="day-heading"><a href="{{ group.url }}">'
    '<time datetime="{{ group.day }}">{{ group.day|full_date }}</time></a></h2>\n'
    "  {% else %}\n"
    '  <h2 class="visually-hidden">Papers</h2>\n'
    "  {% endif %}\n"
    '  <div class="cards">\n',
)
assert _INLINE_LIST != _LIST

_HEADS = {
    "the theme's own": None,
    "the day and globals": (
        "<section>{% if day %}<h2><a href='{{ day_url }}'>{{ day|long_date }}</a> {{ site.title }}"
        "{{ url('days/') }}</h2>{% endif %}{% for n in range(2) %}{{ n }}{% endfor %}<div>\n"
    ),
    "the page's kind": "<section data-kind='{{ kind }}'><h2>{{ day }}</h2><div>\n",
    "the page's heading": "<section><h2>{{ heading }}: {{ day }}</h2><div>\n",
    "the run's cards": "<section><h2>{{ day }} ({{ group.cards|length }})</h2><div>\n",
    "an include": '<section>{% include "_day_extra.html" %}<div>\n',
}


def _site(root: Path, theme: str, head: str | None, list_html: str | None) -> Path:
    # Ada's papers on five days, two of them on 2025-03-11: runs of one and of two cards.
    days = ["2025-03-10", "2025-03-11", "2025-03-11", "2025-03-12", "2025-03-13", "2025-03-14"]
    papers = [
        paper(f"p{i}", day, tags=["llm", "rl"][: 1 + i % 2], authors=["Ada", "Bo"][: 1 + i % 2])
        for i, day in enumerate(days)
    ]
    site = write_site(root, papers, theme=theme, per_page=3)
    templates = site / "templates"
    templates.mkdir()
    (templates / "_day_extra.html").write_text("<h2>{{ day }} {{ route }}</h2>", encoding="utf-8")
    if head is not None:
        (templates / "_group_head.html").write_text(head, encoding="utf-8")
    if list_html is not None:
        (templates / "list.html").write_text(list_html, encoding="utf-8")
    return site


@pytest.mark.parametrize("theme", ["default", "compact"])
@pytest.mark.parametrize("head", list(_HEADS))
def test_pages_are_those_of_a_list_that_includes_the_head_in_each_group(tmp_path, theme, head):
    text = _HEADS[head]
    build(_site(tmp_path / "ref", theme, text, _REFERENCE_LIST), tmp_path / "ref-out", workers=1)
    build(_site(tmp_path / "fast", theme, text, None), tmp_path / "fast-out", workers=1)
    made, reference = tree(tmp_path / "fast-out"), tree(tmp_path / "ref-out")
    assert made == reference
    page = reference["authors/ada/index.html"].decode()
    if head == "the page's kind":  # each page shows its own
        assert "data-kind='author'" in page and "data-kind='tag'" in reference["tags/llm/index.html"].decode()
    if head == "an include":
        assert "<h2>2025-03-14 authors/ada/</h2>" in page


@pytest.mark.parametrize("theme", ["default", "compact"])
def test_the_themes_own_head_is_the_list_page_as_it_was_written_inline(tmp_path, theme):
    build(_site(tmp_path / "old", theme, None, _INLINE_LIST), tmp_path / "old-out", workers=1)
    build(_site(tmp_path / "new", theme, None, None), tmp_path / "new-out", workers=1)
    made, before = tree(tmp_path / "new-out"), tree(tmp_path / "old-out")
    assert made == before
    assert b'<section class="day-group" aria-labelledby="day-2025-03-14">' in made["authors/ada/index.html"]
    two = [path for path, data in made.items() if data.count(b'aria-labelledby="day-2025-03-11"') == 1]
    assert any(b"/papers/p1/" in made[path] and b"/papers/p2/" in made[path] for path in two)  # a run of two


def _renderer(root: Path, head: str | None) -> Renderer:
    config = load_config(_site(root, "default", head, None))
    return Renderer(build_site(load_papers(config), config), resolve_theme(config))


def test_a_head_of_the_day_is_rendered_once_a_day_and_one_reading_the_page_is_not(tmp_path):
    renderer = _renderer(tmp_path / "own", None)
    heads, _ = renderer._group_heads
    for author in renderer.site.authors:
        groups = renderer.groups_by_day(author.papers)
        assert all(g.head is not None and f'id="day-{g.day}"' in g.head for g in groups)
    assert len(heads._made) == len(renderer.site.days)  # one text a day, reused by every page
    again = renderer.groups_by_day(renderer.site.papers)
    assert [g.head for g in again] == [renderer.day_group(g.day, g.url, []).head for g in again]
    assert renderer.day_group(None, None, []).head is not None  # a day page's one run
    for name in ("the page's kind", "the page's heading", "the run's cards", "an include"):
        made = _renderer(tmp_path / str(len(list(tmp_path.iterdir()))), _HEADS[name])
        assert made._group_heads[0].html(day=None, day_url=None) is None, name
        assert all(g.head is None for g in made.groups_by_day(made.site.papers)), name


def test_values_equal_but_of_other_types_are_heads_of_their_own(tmp_path):
    renderer = _renderer(tmp_path / "s", "<b>{{ day }}</b>{{ day_url }}\n")
    heads = renderer._group_heads[0]
    from markupsafe import Markup

    assert heads.html(day="<i>", day_url=1) == "<b>&lt;i&gt;</b>1\n"
    assert heads.html(day=Markup("<i>"), day_url=True) == "<b><i></b>True\n"
    assert heads.html(day="<i>", day_url=1) == "<b>&lt;i&gt;</b>1\n"


def test_a_page_that_sets_a_global_the_head_reads_renders_the_head_itself(tmp_path):
    renderer = _renderer(tmp_path / "s", "<section><h2>{{ day }} {{ version }}</h2><div>\n")
    groups = renderer.groups_by_day(renderer.site.papers)
    assert groups[0].head is not None
    context = dict(kind="author", heading="H", title="T", pager=None, count=6, home=None, author_feeds=[])
    page = renderer.page("list.html", "x/", groups=groups, **context)
    assert page.count(b"the page&#39;s own") == 0
    page = renderer.page("list.html", "x/", groups=groups, version="the page's own", **context)
    assert page.count(b"the page&#39;s own") == len(groups)
