"""The site's feeds written once a build: base.html writes the site's feed links
(_feed_links.html in <head>, _subscribe.html in the footer) through partial(),
then the page's own (`own_feeds`: an author's or a tag's); list.html includes
_pager.html only for a list of more than one page. Every page is the bytes that
base.html and list.html written the old way (a loop over `feeds`, the pager
always included) give, and a site's own base.html written that way still
renders the same."""

from __future__ import annotations

import pytest

from sitegen.build import build
from sitegen.config import load_config
from sitegen.loading import load_papers
from sitegen.pageparts import Pager
from sitegen.render import Renderer
from sitegen.site import build_site
from sitegen.theme import builtin_themes_dir, resolve_theme
from tests.sitekit import paper, stable, tree, write_site

_TEMPLATES = builtin_themes_dir() / "default" / "templates"
_BASE = (_TEMPLATES / "base.html").read_text(encoding="utf-8")
_LIST = (_TEMPLATES / "list.html").read_text(encoding="utf-8")

# base.html and list.html as they were: every feed's link and footer entry written from `feeds`
# on each page, and the pager included on every list page.
_HEAD_CALL = _BASE[_BASE.index("{# The feeds' links") : _BASE.index("{# The theme's stylesheets")]
_HEAD_LOOP = """{% for feed in feeds %}
<link rel="alternate" type="{{ feed.type }}" title="{{ feed.title }}" href="{{ feed.url }}">
{% endfor %}
"""
_FOOT_START = _BASE.index("      {# The site's feeds (_subscribe")
_FOOT_CALL = _BASE[_FOOT_START : _BASE.index("    </p>\n    {% endif %}\n    <p>Built")]
_FOOT_LOOP = (
    '      {% set first = feeds[0] %}<a href="{{ first.url }}" type="{{ first.type }}">{{ first.title }}</a>'
    "{% for feed in feeds[1:] %} &middot; "
    '<a href="{{ feed.url }}" type="{{ feed.type }}">{{ feed.title }}</a>{% endfor %}'
    " &middot; <a href=\"{{ url('feeds/') }}\">All feeds</a>\n"
)
_OLD_BASE = _BASE.replace(_HEAD_CALL, _HEAD_LOOP).replace(_FOOT_CALL, _FOOT_LOOP)
_PAGER_START = _LIST.index("{# _pager.html: only")
_PAGER_CALL = _LIST[_PAGER_START : _LIST.index("{% endset %}", _PAGER_START)]  # the content block's set
_OLD_LIST = _LIST.replace(_PAGER_CALL, '{% include "_pager.html" %}\n')
assert "own_feeds" not in _OLD_BASE and "partial('_subscribe" not in _OLD_BASE and _OLD_LIST != _LIST

_FEEDS = {
    "default": {},
    "one format, no tag or author feeds": {"formats": ["rss"], "tag_feeds": False, "author_feeds": False},
    "every author format": {"author_feeds": ["atom", "rss", "json"]},
    "none": {"formats": []},
}


def _site(root, theme, feeds, old=False):
    days = ["2025-03-10", "2025-03-11", "2025-03-11", "2025-03-12", "2025-03-13", "2025-03-14"]
    authors = ["Ada", "Bo", "Cy"]
    papers = [
        paper(f"p{i}", day, tags=["llm", "rl"][: 1 + i % 2], authors=authors[: 1 + i % 3], upvotes=i)
        for i, day in enumerate(days)
    ]
    site = write_site(root, papers, theme=theme, per_page=3, feeds=feeds)
    if old:
        (site / "templates").mkdir()
        (site / "templates" / "base.html").write_text(_OLD_BASE, encoding="utf-8")
        (site / "templates" / "list.html").write_text(_OLD_LIST, encoding="utf-8")
    return site


@pytest.mark.parametrize("theme", ["default", "compact"])
@pytest.mark.parametrize("feeds", list(_FEEDS))
def test_every_page_is_the_one_the_feeds_written_from_feeds_give(tmp_path, theme, feeds):
    build(_site(tmp_path / "old", theme, _FEEDS[feeds], old=True), tmp_path / "old-out", workers=1)
    build(_site(tmp_path / "new", theme, _FEEDS[feeds]), tmp_path / "new-out", workers=1)
    made, before = stable(tree(tmp_path / "new-out")), stable(tree(tmp_path / "old-out"))
    assert made == before
    home, cy = made["index.html"], made["authors/cy/index.html"]  # Cy: two papers, one page
    if feeds == "none":
        assert b"Subscribe:" not in home and b'rel="alternate"' not in home
        return
    assert home.count(b'rel="alternate"') == len(_FEEDS[feeds].get("formats", "abc"))
    # An author's page: the site's feeds, then the author's own, in <head> and in the footer.
    own = {"default": 2, "every author format": 3}.get(feeds, 0)
    assert cy.count(b'rel="alternate"') == home.count(b'rel="alternate"') + own
    assert cy.count(b"/authors/cy/") >= 2 * own
    # A list of more than one page has its pager; one of one page has none.
    assert b'class="pager"' in home and b'class="pager"' not in cy


def test_a_one_page_lists_pager_is_the_one_a_longer_list_would_make(tmp_path):
    config = load_config(_site(tmp_path / "s", "default", {}))
    renderer = Renderer(build_site(load_papers(config), config), resolve_theme(config))
    route_of = renderer.routes.home
    one = renderer.pager(1, 3, route_of)
    assert one == Pager(1, 1, None, None, tuple(renderer._page_links(1, 1, route_of)))
    assert one.pages[0].url == renderer.url(route_of(1)) and one.pages[0].number == 1
    assert renderer.pager(1, 4, route_of).total == 2
