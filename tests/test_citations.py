"""Citation files in a built site: cite.bib and cite.ris per paper, papers.bib, the paper
page's BibTeX block, its links and copy button, and content's own citation_key."""

from __future__ import annotations

import re
from html import unescape

import bibtexparser
import pytest

from sitegen.build import build
from sitegen.errors import ConfigError, ContentError
from tests.sitekit import paper, tree

PAPERS = [
    paper(
        "2403.09629",
        "2025-03-14",
        title="Quiet-STaR: *Language* Models & $x_t$",
        authors=["Eric Zelikman", {"name": "Noah D. Goodman", "affiliation": "Stanford"}],
        venue="COLM 2024",
        published="2024-03-14",
        tags=["cs.CL", "reasoning"],
        abstract="We *generalize* STaR, with $\\log p$.",
    ),
    paper("same-a", "2025-03-10", title="Quiet minds", authors=["Eric Zelikman"], published="2024-05-01"),
    paper("untitled", "2025-03-12", title="Notes", links={"doi": "10.1000/xyz_1"}),
    paper("fixed", "2025-03-13", title="Whatever", authors=["Ada Lovelace"], citation_key="Lovelace:Notes"),
]


def bib_entries(text: str) -> dict[str, dict[str, str]]:
    library = bibtexparser.parse_string(text)
    assert library.failed_blocks == []
    return {e.key: {name: f.value for name, f in e.fields_dict.items()} for e in library.entries}


def page_bibtex(html: str) -> str:
    return unescape(
        re.search(r'<pre class="bibtex" id="bibtex-entry"><code>(.*?)</code></pre>', html, re.S).group(1)
    )


@pytest.fixture(scope="module")
def output(tmp_path_factory: pytest.TempPathFactory):
    from tests.sitekit import write_site

    site = write_site(
        tmp_path_factory.mktemp("cite") / "site", PAPERS, base_url="https://example.org/sub/path/"
    )
    build(site)
    return site / "output"


def test_each_paper_has_a_bib_and_a_ris_file_and_the_page_shows_the_same_entry(output) -> None:
    for entry in PAPERS:
        folder = output / "papers" / entry["id"]
        bib = (folder / "cite.bib").read_text(encoding="utf-8")
        assert bib.endswith("}\n")
        assert page_bibtex((folder / "index.html").read_text()) + "\n" == bib, entry["id"]
        assert len(bib_entries(bib)) == 1
        ris = (folder / "cite.ris").read_bytes()
        assert ris.startswith(b"TY  - ") and ris.endswith(b"ER  - \r\n")
        assert b"\n" not in ris.replace(b"\r\n", b""), "every line ends with CR LF"


def test_the_site_bibliography_holds_every_paper_once_sorted_by_key(output) -> None:
    text = (output / "papers.bib").read_text(encoding="utf-8")
    entries = bib_entries(text)
    assert list(entries) == ["Lovelace:Notes", "anon2025notes", "zelikman2024quiet", "zelikman2024quieta"]
    assert entries["zelikman2024quiet"]["title"] == "{Quiet minds}"
    quiet = entries["zelikman2024quieta"]
    assert quiet["booktitle"] == "COLM 2024" and quiet["year"] == "2024"
    assert quiet["title"] == "{Quiet-STaR: Language Models \\& xₜ}", "plain text as the page shows it"
    assert quiet["eprint"] == "2403.09629" and quiet["primaryClass"] == "cs.CL"
    assert entries["anon2025notes"]["url"] == "https://example.org/sub/path/papers/untitled/"
    assert entries["anon2025notes"]["doi"] == "10.1000/xyz_1"
    for entry in PAPERS:
        bib = (output / "papers" / entry["id"] / "cite.bib").read_text(encoding="utf-8")
        assert bib in text


def test_collisions_are_resolved_by_listing_date(output) -> None:
    """'same-a' was published later but listed first: it keeps the bare key."""
    assert "@misc{zelikman2024quiet," in (output / "papers/same-a/cite.bib").read_text()
    assert "@inproceedings{zelikman2024quieta," in (output / "papers/2403.09629/cite.bib").read_text()


def test_the_ris_record_has_the_fields_reference_managers_read(output) -> None:
    ris = (output / "papers/2403.09629/cite.ris").read_bytes().decode().split("\r\n")
    assert ris[:5] == [
        "TY  - CONF",
        "ID  - zelikman2024quieta",
        "TI  - Quiet-STaR: Language Models & xₜ",
        "AU  - Zelikman, Eric",
        "AU  - Goodman, Noah D.",
    ]
    assert "PY  - 2024" in ris and "DA  - 2024/03/14/" in ris and "T2  - COLM 2024" in ris
    assert "AB  - We generalize STaR, with log p." in ris
    assert "UR  - https://arxiv.org/abs/2403.09629" in ris


def test_the_page_links_its_files_under_the_sub_path_and_loads_the_script_only_there(output) -> None:
    html = (output / "papers/2403.09629/index.html").read_text()
    assert 'href="/sub/path/papers/2403.09629/cite.bib"' in html
    assert 'href="/sub/path/papers/2403.09629/cite.ris"' in html
    assert 'download="zelikman2024quieta.bib"' in html and 'download="zelikman2024quieta.ris"' in html
    button = '<button type="button" class="button copy-button" data-copy="bibtex-entry"'
    button += ' data-status="copy-status" hidden>'
    assert button in html
    assert re.search(r'<script src="/sub/path/static/cite\.js\?v=[0-9a-f]+" defer></script>', html)
    assert (output / "static/cite.js").is_file()
    for other in ("index.html", "tags/index.html", "days/index.html", "authors/index.html", "404.html"):
        assert "cite.js" not in (output / other).read_text(), other


def test_a_fixed_key_is_used_everywhere(output) -> None:
    html = (output / "papers/fixed/index.html").read_text()
    assert "@misc{Lovelace:Notes," in page_bibtex(html)
    assert "ID  - Lovelace:Notes\r\n" in (output / "papers/fixed/cite.ris").read_bytes().decode()


def test_two_papers_fixing_one_key_is_an_error(site_factory) -> None:
    site = site_factory([paper("a", citation_key="same"), paper("b", citation_key="SAME")])
    with pytest.raises(ContentError) as raised:
        build(site)
    assert [str(p) for p in raised.value.problems] == [
        "content/papers/papers.yaml: citation_key: citation key 'SAME' is also the key of 'a' "
        "(content/papers/papers.yaml)"
    ]


@pytest.mark.parametrize("bad", ["has space", "a{b}", "", "x" * 101, 3, "-dash", ".dot", "_under", ":colon"])
def test_a_citation_key_must_be_a_bibtex_key(site_factory, bad) -> None:
    site = site_factory([paper("a", citation_key=bad)])
    with pytest.raises(ContentError, match="citation_key: expected a BibTeX key"):
        build(site)


@pytest.mark.parametrize("key", ["A_b.c:d-e", "9lives", "x" * 100, "Smith:2024_v1.2-final"])
def test_a_citation_key_of_the_documented_characters_is_used_as_it_is(site_factory, key) -> None:
    site = site_factory([paper("a", citation_key=key)])
    build(site)
    assert f"@misc{{{key}," in (site / "output/papers/a/cite.bib").read_text(encoding="utf-8")


def test_the_site_bibliography_has_a_blank_line_between_entries_and_no_abstract(output) -> None:
    text = (output / "papers.bib").read_text(encoding="utf-8")
    entries = text.rstrip("\n").split("\n\n")
    assert len(entries) == len(PAPERS) and all(e.startswith("@") and e.endswith("}") for e in entries)
    assert "abstract" not in text and "generalize" not in text, "the abstract is in RIS only"


def test_the_copy_script_writes_fixed_words_as_text_and_never_html() -> None:
    """docs/security.md: cite.js handles no content. It copies the entry's text and
    writes only its own fixed words into the status line, through textContent."""
    from tests.sitekit import REPO

    script = (REPO / "themes/default/static/cite.js").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "Function("):
        assert sink not in script, sink
    assert re.findall(r"\bstatus\.(\w+)\s*=", script) == ["textContent", "textContent"]
    said = re.findall(r"\bsay\((.*?)\)[;,]", script)
    assert said and all(re.fullmatch(r'"[^"]*"', words) for words in said), said
    assert re.search(r"\bsource\.textContent\b", script), "the entry is read as text"


# --- citation_files: in site.yaml (docs/content.md, "Citations") ------------------------


def _cite_files(output) -> list[str]:
    return sorted(p.relative_to(output).as_posix() for p in (output / "papers").rglob("cite.*"))


def test_citation_files_false_leaves_out_each_papers_files_and_every_mention_of_them(site_factory) -> None:
    site = site_factory(PAPERS, base_url="https://example.org/sub/path/")
    build(site)
    output = site / "output"
    assert len(_cite_files(output)) == 2 * len(PAPERS)
    with_files = (output / "papers/2403.09629/index.html").read_text()
    settings = (site / "site.yaml").read_text()
    (site / "site.yaml").write_text(settings.replace("search: false", "citation_files: false\nsearch: false"))
    build(site)
    assert _cite_files(output) == [], "the next build removes the files an earlier one wrote"
    for file in output.rglob("*"):  # pages, sitemap, feeds, JSON-LD: no link to a file not made
        if file.is_file() and file.suffix in (".html", ".xml", ".json", ".txt", ".opml"):
            text = file.read_text(encoding="utf-8")
            assert "cite.bib" not in text and "cite.ris" not in text, file
    html = (output / "papers/2403.09629/index.html").read_text()
    assert "Download .bib" not in html and "Download .ris" not in html
    # The BibTeX block, its copy button and the site's papers.bib stay as they were.
    assert page_bibtex(html) == page_bibtex(with_files)
    assert 'class="button copy-button" data-copy="bibtex-entry"' in html and "static/cite.js" in html
    actions = re.search(r'<p class="cite-actions">\s*(.*?)\s*</p>', html, re.S).group(1)
    assert actions == '<span class="copy-status" id="copy-status" role="status"></span>'
    assert len(bib_entries((output / "papers.bib").read_text(encoding="utf-8"))) == len(PAPERS)


def test_citation_files_can_name_the_kinds_to_make(site_factory) -> None:
    site = site_factory(PAPERS, citation_files=["ris"])
    build(site)
    output = site / "output"
    assert _cite_files(output) == sorted(f"papers/{p['id']}/cite.ris" for p in PAPERS)
    html = (output / "papers/2403.09629/index.html").read_text()
    assert 'href="/papers/2403.09629/cite.ris"' in html and "Download .ris" in html
    assert "cite.bib" not in html and "Download .bib" not in html
    both = site_factory(PAPERS, name="both", citation_files=["ris", "bibtex"])
    build(both)
    default = site_factory(PAPERS, name="default")
    build(default)
    assert tree(both / "output") == tree(default / "output"), "both kinds, in any order, is the default"


@pytest.mark.parametrize(
    "value,shown",
    [
        ("yes", "'yes'"),
        (1, "1"),
        (["bib"], "['bib']"),
        ([True], "[True]"),
        ({"bibtex": True}, "{'bibtex': True}"),
    ],
)
def test_a_bad_citation_files_value_names_file_line_and_field(site_factory, value, shown) -> None:
    site = site_factory(PAPERS, citation_files=value)
    with pytest.raises(ConfigError) as raised:
        build(site)
    lines = (site / "site.yaml").read_text().splitlines()
    line = next(number for number, text in enumerate(lines, 1) if text.startswith("citation_files:"))
    assert [str(p) for p in raised.value.problems] == [
        f"site.yaml:{line}: citation_files: expected true, false or a list of bibtex, ris; got {shown}"
    ]
    assert not (site / "output").exists()
