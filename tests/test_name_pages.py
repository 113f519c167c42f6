"""Tag and author pages in whole builds: names that share a slug keep pages of
their own, every link to a name reaches its page, and the owner is told."""

from __future__ import annotations

import re
import shutil

import yaml

from sitegen.build import build
from sitegen.cli import main
from tests.sitekit import paper, tree

SITE_ID = "tag:example.org,2025:"
PAPERS = [
    paper("new", "2025-03-14", abstract="N.", tags=["C#", "LLM"], authors=["Jose Garcia", "Łukasz Kaiser"]),
    paper("mid", "2025-03-13", abstract="M.", tags=["C"], authors=["李明"]),
    paper("old", "2025-03-12", abstract="O.", tags=["C++", "LLM"], authors=["José García", "李明"]),
]


def hrefs(html: str, folder: str) -> list[str]:
    return re.findall(rf'href="/sub/({folder}/[^"]+/)"', html)


def test_names_that_share_a_slug_get_their_own_pages_and_papers_link_them(site_factory):
    site = site_factory(PAPERS, base_url="https://example.org/sub/", id=SITE_ID)
    build(site)
    out = tree(site / "output")
    assert {p.split("/")[1] for p in out if p.startswith("tags/") and p.count("/") > 1} == {
        "c",  # C++, listed first
        "c--2",
        "c--3",
        "llm",
    }
    assert {p.split("/")[1] for p in out if p.startswith("authors/") and p.count("/") > 1} == {
        "jose-garcia",  # José García, listed first
        "jose-garcia--2",
        "lukasz-kaiser",
        "li-ming",
    }
    new = out["papers/new/index.html"].decode()
    assert hrefs(new, "authors") == ["authors/jose-garcia--2/", "authors/lukasz-kaiser/"]
    assert hrefs(new, "tags") == ["tags/c--3/", "tags/llm/"]
    assert hrefs(out["papers/old/index.html"].decode(), "authors") == [
        "authors/jose-garcia/",
        "authors/li-ming/",
    ]
    c_sharp = out["tags/c--3/index.html"].decode()
    assert "C#" in c_sharp and "/sub/papers/new/" in c_sharp and "/sub/papers/old/" not in c_sharp
    # Every link to a tag or an author page, on every page, reaches a page that was built.
    for path, data in out.items():
        if path.endswith(".html"):
            for link in hrefs(data.decode(), "(?:tags|authors)"):
                assert link + "index.html" in out, (path, link)


def test_the_owner_is_told_which_names_were_kept_apart_and_where_each_is(site_factory, capsys, monkeypatch):
    monkeypatch.chdir(site_factory(PAPERS, id=SITE_ID))
    assert main(["check"]) == 0
    warnings = [line for line in capsys.readouterr().err.splitlines() if "share the slug" in line]
    where = "content/papers/papers.yaml"
    assert warnings == [
        f"warning: {where}:24: tags: 'C++' and 'C' (content/papers/papers.yaml:16) share the slug 'c': "
        "kept apart, 'C' (listed later) is at tags/c--2/; if they are one tag, write them alike",
        f"warning: {where}:24: tags: 'C++' and 'C#' (content/papers/papers.yaml:6) share the slug 'c': "
        "kept apart, 'C#' (listed later) is at tags/c--3/; if they are one tag, write them alike",
        f"warning: {where}:27: authors: 'José García' and 'Jose Garcia' (content/papers/papers.yaml:9) share "
        "the slug 'jose-garcia': kept apart, 'Jose Garcia' (listed later) is at authors/jose-garcia--2/; "
        "if they are one author, write them alike",
    ]
    assert main(["check", "--strict"]) == 1


def test_author_spellings_that_differ_only_in_case_share_a_page_with_a_warning(site_factory, capsys):
    papers = [
        paper("a", abstract="A.", authors=["Yann LeCun"]),
        paper("b", abstract="B.", authors=["Yann Lecun"]),
    ]
    site = site_factory(papers, id=SITE_ID)
    assert main(["build", "--site", str(site)]) == 0
    assert (
        "warning: authors 'Yann LeCun' and 'Yann Lecun' differ only in case: they share one page; "
        "write them one way" in capsys.readouterr().err.splitlines()
    )
    assert [p.name for p in (site / "output/authors").iterdir() if p.is_dir()] == ["yann-lecun"]


def test_an_older_paper_that_takes_a_slug_moves_the_later_name_on_every_page(site_factory, tmp_path):
    site = site_factory(PAPERS[:2], id=SITE_ID)
    build(site)
    assert 'href="/authors/jose-garcia/"' in (site / "output/papers/new/index.html").read_text()
    (site / "content/papers/older.yaml").write_text(yaml.safe_dump([PAPERS[2]], allow_unicode=True))
    build(site)
    assert 'href="/authors/jose-garcia--2/"' in (site / "output/papers/new/index.html").read_text()
    cold = tmp_path / "cold"
    shutil.copytree(site, cold, ignore=shutil.ignore_patterns("output", ".sitegen-cache"))
    build(cold)
    assert tree(site / "output") == tree(cold / "output")


def test_an_authors_url_is_a_link_beside_their_name_on_papers_and_on_their_page(site_factory):
    ada = {"name": "Ada Lovelace", "affiliation": "Analytical Engine"}
    papers = [
        paper("new", "2025-03-14", authors=[{**ada, "url": "https://ada.example/ä b/"}, "Bo"]),
        paper("mid", "2025-03-13", authors=[ada, {"name": "Bo", "url": "mailto:bo@example.org"}]),
        paper("old", "2025-03-12", authors=[{**ada, "url": "people/ada/"}]),
    ]
    site = site_factory(papers, base_url="https://example.org/sub/", id=SITE_ID)
    build(site)
    out = site / "output"

    def homes(page: str) -> list[str]:
        html = (out / page / "index.html").read_text()
        return re.findall(
            r'<a class="author-home" href="([^"]*)">(\w+)<span class="visually-hidden">: ([^<]*)</span>', html
        )

    assert homes("papers/new") == [("https://ada.example/%C3%A4%20b/", "homepage", "Ada Lovelace")]
    assert homes("papers/mid") == [("mailto:bo@example.org", "email", "Bo")]
    assert homes("papers/old") == [("/sub/people/ada/", "homepage", "Ada Lovelace")]
    # The author's page: the url of the newest paper that gives one.
    ada_page = (out / "authors/ada-lovelace/index.html").read_text()
    assert '&middot; <a href="https://ada.example/%C3%A4%20b/">homepage</a>' in ada_page
    assert '<a href="mailto:bo@example.org">email</a>' in (out / "authors/bo/index.html").read_text()


def test_an_author_without_url_has_no_homepage_link(site_factory):
    site = site_factory([paper("a", authors=["Ada Lovelace"])], id=SITE_ID)
    build(site)
    assert "author-home" not in (site / "output/papers/a/index.html").read_text()
    assert "homepage" not in (site / "output/authors/ada-lovelace/index.html").read_text()


def test_a_pair_kept_apart_renders_every_page_once_when_it_comes_and_goes(site_factory, monkeypatch):
    """docs/content.md, "Tag and author pages": any page may link one of the names,
    so every page is rendered again when a pair appears or goes; other builds stay
    incremental (a pair that stays changes no page's key)."""
    from sitegen.render import Renderer

    rendered: list[str] = []
    real = Renderer.render
    monkeypatch.setattr(Renderer, "render", lambda self, out: rendered.append(out.path) or real(self, out))
    fillers = [paper(f"f{i}", f"2025-03-{i + 1:02d}", abstract="F.", tags=[f"t{i}"]) for i in range(12)]
    old = paper("old", "2025-03-13", abstract="O.", tags=["C++"])
    new = paper("new", "2025-03-14", abstract="N.", tags=["C#"])
    site = site_factory([*fillers, old], id=SITE_ID)

    def build_with(papers: list[dict]) -> set[str]:
        (site / "content/papers/papers.yaml").write_text(yaml.safe_dump(papers), encoding="utf-8")
        rendered.clear()
        build(site, workers=1)
        return set(rendered)

    build_with([*fillers, old])
    unrelated = {"papers/f5/index.html", "tags/t5/index.html", "days/2025-03-06/index.html"}
    assert unrelated <= build_with([*fillers, old, new]), "the pair appeared: every page again"
    assert 'href="/tags/c--2/"' in (site / "output/papers/new/index.html").read_text()
    edited = [{**fillers[0], "abstract": "Edited."}, *fillers[1:], old, new]
    assert not unrelated & build_with(edited), "the pair stays: incremental"
    assert unrelated <= build_with([*edited[:-1]]), "the pair went: every page again"
    assert not unrelated & build_with([*edited[:-1]]), "nothing changed: nothing rendered"
