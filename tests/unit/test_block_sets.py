"""paper.html and list.html make each block's text as one ``{% set %}`` and
output it at once, instead of yielding each piece through three generators.
Every page is the bytes the templates written the plain way (each block's body
output directly) give, with the default theme and with compact, and so a
theme's own paper.html or list.html written the plain way renders the same."""

from __future__ import annotations

import re

import pytest

from sitegen.build import build
from sitegen.theme import builtin_themes_dir
from tests.sitekit import paper, stable, tree, write_site

_TEMPLATES = builtin_themes_dir() / "default" / "templates"
_SET = re.compile(
    r"\{% block (\w+) %\}\n\{% set (\w+) %\}\n(.*?)\{% endset %\}\{\{ \2 \}\}\{% endblock %\}", re.S
)
_LINKED = {"venue": "NeurIPS", "links": {"pdf": "https://example.org/p.pdf", "code": "https://example.org/c"}}


def _plain(name: str) -> str:
    """The template ``name`` with each block's body output directly, as before."""
    text = (_TEMPLATES / name).read_text(encoding="utf-8")
    plain, count = _SET.subn(lambda m: f"{{% block {m[1]} %}}\n{m[3]}{{% endblock %}}", text)
    assert count == {"paper.html": 2, "list.html": 1}[name], f"{name}: its set blocks changed shape"
    assert "{% set body %}" not in plain and "{% set meta %}" not in plain
    return plain


def _site(root, theme, plain=False):
    days = ["2025-03-10", "2025-03-11", "2025-03-11", "2025-03-12", "2025-03-13", "2025-03-14"]
    authors = ["Ada", "Bo", "Cy"]
    papers = [
        paper(
            f"p{i}",
            day,
            tags=["llm", "rl"][: 1 + i % 2],
            authors=authors[: 1 + i % 3],
            upvotes=i,
            abstract=f"An abstract with *emphasis*, $x^{i}$ and a [link](https://example.org/{i}).",
            **(_LINKED if i % 2 else {}),
        )
        for i, day in enumerate(days)
    ]
    site = write_site(root, papers, theme=theme, per_page=3)
    if plain:
        (site / "templates").mkdir()
        for name in ("paper.html", "list.html"):
            (site / "templates" / name).write_text(_plain(name), encoding="utf-8")
    return site


@pytest.mark.parametrize("theme", ["default", "compact"])
def test_every_page_is_the_one_the_plain_blocks_give(tmp_path, theme):
    build(_site(tmp_path / "plain", theme, plain=True), tmp_path / "plain-out", workers=1)
    build(_site(tmp_path / "set", theme), tmp_path / "set-out", workers=1)
    made, before = stable(tree(tmp_path / "set-out")), stable(tree(tmp_path / "plain-out"))
    assert made.keys() == before.keys()
    assert [path for path in made if made[path] != before[path]] == []
    # The pages the set blocks are in: a paper's, a day's, a tag's (two pages), an author's.
    page = made["papers/p1/index.html"]
    assert b"<em>emphasis</em>" in page and b'name="citation_conference_title"' in page
    assert b'class="pager"' in made["index.html"] and b"Papers by Cy" in made["authors/cy/index.html"]
