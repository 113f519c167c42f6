"""bench/: the Hugo (and Pelican) sites make the page kinds sitegen makes (issue 18 item 1).

sitegen builds a tiny corpus; every file it writes must fall under one of the kinds
below, so a new kind of page fails here until the peers make it too (or the docs say
why not). The Hugo site must declare an output for each kind, with a template for it;
where the hugo binary is at hand (bench/work/peers-venv, or on PATH) it builds the same
corpus and each kind's files must exist. Likewise Pelican, for the kinds it makes.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import tomllib

from sitegen.build import build
from tests.sitekit import bench_module

REPO = Path(__file__).resolve().parents[2]
generate = bench_module("generate")

PAPERS = 300
ID, DAY, SLUG = r"\d{4}\.\d{5}", r"\d{4}-\d{2}-\d{2}", r"[^/]+"

# sitegen's output, kind by kind: (its paths, Hugo's paths for the same pages, Pelican's or
# None where Pelican makes none; bench/README.md's table says why).
KINDS: dict[str, tuple[str, str, str | None]] = {
    "paper page": (rf"papers/{ID}/index\.html", rf"papers/{ID}/index\.html", rf"papers/{ID}/index\.html"),
    "paper cite.bib": (rf"papers/{ID}/cite\.bib", rf"papers/{ID}/cite\.bib", None),
    "paper cite.ris": (rf"papers/{ID}/cite\.ris", rf"papers/{ID}/cite\.ris", None),
    "papers.bib": (r"papers\.bib", r"papers\.bib", r"papers\.bib"),
    "home": (r"index\.html", r"index\.html", r"index\.html"),
    "home pages": (r"page/\d+/index\.html", r"page/\d+/index\.html", r"index\d+\.html"),
    "site Atom": (r"atom\.xml", r"atom\.xml", r"feeds/all\.atom\.xml"),
    "site RSS": (r"rss\.xml", r"rss\.xml", r"feeds/all\.rss\.xml"),
    "site JSON Feed": (r"feed\.json", r"feed\.json", None),
    "tag index": (r"tags/index\.html", r"tags/index\.html", r"tags\.html"),
    "tag page": (rf"tags/{SLUG}/index\.html", rf"tags/{SLUG}/index\.html", rf"tag/{SLUG}(?<!\d)\.html"),
    "tag pages": (
        rf"tags/{SLUG}/page/\d+/index\.html",
        rf"tags/{SLUG}/page/\d+/index\.html",
        rf"tag/{SLUG}\d+\.html",
    ),
    "tag Atom": (rf"tags/{SLUG}/atom\.xml", rf"tags/{SLUG}/atom\.xml", rf"feeds/tag/{SLUG}\.atom\.xml"),
    "tag RSS": (rf"tags/{SLUG}/rss\.xml", rf"tags/{SLUG}/rss\.xml", rf"feeds/tag/{SLUG}\.rss\.xml"),
    "tag JSON Feed": (rf"tags/{SLUG}/feed\.json", rf"tags/{SLUG}/feed\.json", None),
    "author index": (r"authors/index\.html", r"authors/index\.html", r"authors\.html"),
    "author page": (
        rf"authors/{SLUG}/index\.html",
        rf"authors/{SLUG}/index\.html",
        rf"author/{SLUG}(?<!\d)\.html",
    ),
    "author pages": (
        rf"authors/{SLUG}/page/\d+/index\.html",
        rf"authors/{SLUG}/page/\d+/index\.html",
        rf"author/{SLUG}\d+\.html",
    ),
    "author Atom": (
        rf"authors/{SLUG}/atom\.xml",
        rf"authors/{SLUG}/atom\.xml",
        rf"feeds/author/{SLUG}\.atom\.xml",
    ),
    "author RSS": (
        rf"authors/{SLUG}/rss\.xml",
        rf"authors/{SLUG}/rss\.xml",
        rf"feeds/author/{SLUG}\.rss\.xml",
    ),
    "day index": (r"days/index\.html", r"days/index\.html", r"archives\.html"),
    "day page": (rf"days/{DAY}/index\.html", rf"days/{DAY}/index\.html", rf"days/{DAY}/index\.html"),
    "day in listing order": (rf"days/{DAY}/listed/index\.html", rf"listed/days/{DAY}/index\.html", None),
    "digest page": (rf"digest/{DAY}/index\.html", rf"digest/days/{DAY}/index\.html", None),
    "digest text": (rf"digest/{DAY}\.txt", rf"digest/days/{DAY}/index\.txt", None),
    "digest feed": (r"digest/atom\.xml", r"digest/atom\.xml", None),
    "trending": (r"trending/index\.html", r"trending/index\.html", r"trending/index\.html"),
    "trending month": (
        r"trending/month/index\.html",
        r"trending/month/index\.html",
        r"trending/month/index\.html",
    ),
    "trending all": (r"trending/all/index\.html", r"trending/all/index\.html", r"trending/all/index\.html"),
    "feeds page": (r"feeds/index\.html", r"feeds/index\.html", r"feeds/index\.html"),
    "feeds.opml": (r"feeds\.opml", r"feeds\.opml", r"feeds\.opml"),
    "sitemap": (r"sitemap\.xml", r"sitemap\.xml", None),
    "robots.txt": (r"robots\.txt", r"robots\.txt", None),
    "404": (r"404\.html", r"404\.html", None),
    "static files": (r"static/[^/]+", r"(style\.css|favicon\.svg)", r"theme/.+"),
}

# Each kind's Hugo output format(s), as hugo.toml and the index pages' cascades declare them.
HUGO_OUTPUTS = {
    "home": {"html", "rss", "atom", "jsonfeed", "papersbib", "opml", "digestatom"},
    "page": {"html", "bib", "ris"},
    "tags": {"html", "rss", "atom", "jsonfeed"},
    "authors": {"html", "rss", "atom"},
    "days": {"html", "listed", "digest", "digesttext"},
}


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def _kinds(files: list[str], column: int) -> dict[str, list[str]]:
    """Which kind each file is (the first whose pattern matches it whole); None: no kind."""
    found: dict[str, list[str]] = {}
    for path in files:
        kind = next(
            (k for k, row in KINDS.items() if row[column] is not None and re.fullmatch(row[column], path)),
            None,
        )
        found.setdefault(kind, []).append(path)
    return found


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("peers")
    generate.write_corpus(
        {"day-sitegen": root / "sitegen", "hugo": root / "hugo", "pelican": root / "pelican"}, PAPERS, seed=3
    )
    return root


@pytest.fixture(scope="module")
def sitegen_kinds(corpus: Path) -> dict[str, list[str]]:
    build(corpus / "sitegen", output=corpus / "out-sitegen", workers=1)
    return _kinds(_files(corpus / "out-sitegen"), 0)


def test_every_file_sitegen_writes_is_a_kind_the_bench_knows(sitegen_kinds):
    """A new kind of page sitegen makes fails here until the peers' sites are told of it."""
    assert None not in sitegen_kinds, sitegen_kinds.get(None, [])[:10]
    assert set(sitegen_kinds) == set(KINDS)  # and every kind listed is one sitegen makes


def test_the_hugo_config_declares_an_output_and_a_template_for_each_kind(corpus):
    site = corpus / "hugo"
    config = tomllib.loads((site / "hugo.toml").read_text(encoding="utf-8"))
    outputs = config["outputs"]
    assert set(outputs["home"]) == HUGO_OUTPUTS["home"]
    assert set(outputs["page"]) == HUGO_OUTPUTS["page"]
    assert set(outputs["term"]) == HUGO_OUTPUTS["tags"]  # tags: the default for terms
    for taxonomy in ("authors", "days"):
        front = (site / "content" / taxonomy / "_index.md").read_text(encoding="utf-8")
        cascade = json.loads(re.search(r"cascade:\n  outputs: (\[.*\])", front).group(1))
        assert set(cascade) == HUGO_OUTPUTS[taxonomy], taxonomy
    formats = config["outputFormats"]
    media = config["mediaTypes"]
    builtin = {"text/html": "html", "text/plain": "txt"}  # Hugo's own media types
    suffix = {"html": "html", "rss": "xml"} | {
        name: media[f["mediaType"]]["suffixes"][0] if f["mediaType"] in media else builtin[f["mediaType"]]
        for name, f in formats.items()
        if "mediaType" in f
    }
    layouts = site / "layouts"
    for kind, names in (("home", HUGO_OUTPUTS["home"]), ("page", HUGO_OUTPUTS["page"])):
        for name in names - {"html"}:
            found = [layouts / f"{k}.{name}.{suffix[name]}" for k in (kind, "list")]
            assert any(p.is_file() for p in found), (kind, name)
    for name in HUGO_OUTPUTS["days"] - {"html"}:
        assert (layouts / "days" / f"term.{name}.{suffix[name]}").is_file(), name
    for name in HUGO_OUTPUTS["tags"] - {"html"}:
        assert (layouts / f"list.{name}.{suffix[name]}").is_file(), name
    # the citation files and feeds land where sitegen's do
    assert formats["bib"]["baseName"] == formats["ris"]["baseName"] == "cite"
    assert (formats["papersbib"]["baseName"], formats["opml"]["baseName"]) == ("papers", "feeds")
    assert (formats["atom"]["baseName"], formats["jsonfeed"]["baseName"], formats["rss"]["baseName"]) == (
        "atom",
        "feed",
        "rss",
    )
    # related papers from Hugo's related content, on front-matter keys (docs/performance.md)
    assert [i["name"] for i in config["related"]["indices"]] == ["tags", "authors"]
    assert "site.RegularPages.Related ." in (layouts / "page.html").read_text(encoding="utf-8")
    for name in ("trending/_index.md", "trending/month.md", "trending/all.md", "feeds/_index.md"):
        assert (site / "content" / name).is_file(), name


def _binary(name: str) -> str | None:
    venv = REPO / "bench" / "work" / "peers-venv"
    if name == "hugo":
        found = sorted(venv.glob("lib/python*/site-packages/hugo/binaries/hugo"))
        return str(found[0]) if found else shutil.which("hugo")
    local = venv / "bin" / name
    return str(local) if local.is_file() else None


def _counts(kinds: dict[str, list[str]]) -> dict[str, int]:
    return {kind: len(paths) for kind, paths in kinds.items()}


def test_hugo_builds_each_kind_sitegen_makes(corpus, sitegen_kinds):
    hugo = _binary("hugo")
    if hugo is None:
        pytest.skip("no hugo binary (`make peers` installs one in bench/work/peers-venv)")
    out = corpus / "out-hugo"
    subprocess.run([hugo, "--source", str(corpus / "hugo"), "--destination", str(out), "--quiet"], check=True)
    hugo_kinds = _kinds(_files(out), 1)
    assert None not in hugo_kinds, hugo_kinds.get(None, [])[:10]
    expected = _counts(sitegen_kinds)
    del expected["static files"]  # sitegen's theme has 5, the bench's Hugo site 2
    got = _counts(hugo_kinds)
    assert {k: got.get(k) for k in expected} == expected
    paper = sorted(out.glob("papers/*/index.html"))[0].read_text(encoding="utf-8")
    assert 'name="citation_title"' in paper and 'class="related"' in paper and "@misc{" in paper
    json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', paper).group(1))
    assert len(json.loads((out / "feed.json").read_text(encoding="utf-8"))["items"]) == 50


def test_pelican_builds_the_kinds_it_can(corpus, sitegen_kinds):
    pelican = _binary("pelican")
    if pelican is None:
        pytest.skip("no pelican (`make peers` installs it in bench/work/peers-venv)")
    out = corpus / "out-pelican"
    site = corpus / "pelican"
    subprocess.run([pelican, "content", "-s", "pelicanconf.py", "-o", str(out), "-q"], cwd=site, check=True)
    got = _counts(_kinds(_files(out), 2))
    for kind, (_, _, pattern) in KINDS.items():
        if pattern is not None and kind != "static files":
            assert got.get(kind), kind
    paper = sorted(out.glob("papers/*/index.html"))[0].read_text(encoding="utf-8")
    assert 'name="citation_title"' in paper and 'class="related"' in paper and "@misc{" in paper
