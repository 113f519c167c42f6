"""The merge rules of `sitegen import` on real sites: what changes, what stays, what is never written."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from sitegen.build import build
from sitegen.config import load_config
from sitegen.errors import ContentError, OutputError
from sitegen.importers.apply import apply_import
from sitegen.importers.base import Imported
from sitegen.loading import load_papers
from tests.sitekit import tree

DAY = date(2025, 3, 14)
TODAY = date(2025, 3, 20)


def hf(paper_id: str, **fields: object) -> Imported:
    """A paper as the HF importer gives it; ``fields`` override the defaults."""
    base: dict[str, object] = {
        "title": f"Paper {paper_id}",
        "authors": ["Ada Lovelace", "Alan Turing"],
        "abstract": f"We study {paper_id}.\n\nA second paragraph.",
        "tags": ["llm"],
        "links": {
            "arxiv": f"https://arxiv.org/abs/{paper_id}",
            "pdf": f"https://arxiv.org/pdf/{paper_id}",
            "hf": f"https://huggingface.co/papers/{paper_id}",
        },
        "upvotes": 3,
        "published": "2025-03-13T17:59:00Z",
    }
    base.update(fields)
    return Imported(paper_id, DAY, base, "hf-daily")


SITE_YAML = "title: Test\nbase_url: https://example.org/\n"

HAND_WRITTEN = """\
# Curated by hand. Comments, quoting and key order must survive an import.
- id: "2403.09629"   # quoted on purpose
  title: 'My Own Title For Quiet-STaR'
  date: 2025-03-14
  authors: [Ada Lovelace, Alan Turing]
  tags: [reasoning, llm]
  links:
    arxiv: https://arxiv.org/abs/2403.09629
    slides: https://example.org/slides.pdf   # added by hand
  upvotes: 1
  note: We discussed this on Friday.
  abstract: |-
    Old abstract.

- id: hand-made
  title: A paper no source knows
  date: 2025-03-14
"""


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    (root / "content" / "papers").mkdir(parents=True)
    (root / "site.yaml").write_text(SITE_YAML, encoding="utf-8")
    return root


def run(site: Path, papers: list[Imported], **kw: object):
    return apply_import(load_config(site), papers, TODAY, **kw)


def test_new_papers_go_to_their_day_file_which_builds(site: Path) -> None:
    outcome = run(site, [hf("2403.09629"), hf("2403.09630", upvotes=9)])
    assert outcome.added == ["2403.09629", "2403.09630"]
    day_file = site / "content/papers/2025/2025-03-14.yaml"
    assert outcome.files == ["content/papers/2025/2025-03-14.yaml"]
    text = day_file.read_text(encoding="utf-8")
    assert text.startswith("# Papers listed on 2025-03-14, added by `sitegen import`.")
    assert "- id: '2403.09629'\n" in text  # an arXiv id stays a string
    assert "  tags: [llm]\n" in text
    assert "  abstract: |-\n    We study 2403.09629.\n\n    A second paragraph.\n" in text
    assert "\n\n- id: '2403.09630'" in text  # a blank line between papers
    result = build(site, None, write=False)
    assert result.papers == 2


def test_a_paper_without_a_day_is_listed_today(site: Path) -> None:
    run(site, [Imported("2403.09629", None, {"title": "T"}, "bibtex")])
    assert (site / "content/papers/2025/2025-03-20.yaml").is_file()


def test_import_twice_changes_no_byte_and_touches_no_file(site: Path) -> None:
    papers = [hf("2403.09629"), hf("2403.09630")]
    run(site, papers)
    before = tree(site / "content")
    mtimes = {p: p.stat().st_mtime_ns for p in (site / "content").rglob("*")}
    outcome = run(site, papers)
    assert outcome.added == outcome.updated == [] and outcome.files == []
    assert outcome.unchanged == ["2403.09629", "2403.09630"]
    assert tree(site / "content") == before
    assert {p: p.stat().st_mtime_ns for p in (site / "content").rglob("*")} == mtimes


def test_reimport_refreshes_what_the_source_owns_and_keeps_the_curators_part(site: Path) -> None:
    path = site / "content/papers/curated.yaml"
    path.write_text(HAND_WRITTEN, encoding="utf-8")
    fresh = hf(
        "2403.09629",
        title="Quiet-STaR: Language Models Can Teach Themselves to Think Before Speaking",
        abstract="New abstract from the source.",
        tags=["llm", "self-improvement"],
        upvotes=42,
        authors=["Eric Zelikman", "Noah D. Goodman"],
    )
    outcome = run(site, [fresh])
    assert outcome.updated == ["2403.09629"] and outcome.added == []
    text = path.read_text(encoding="utf-8")
    expected = (
        HAND_WRITTEN.replace("[Ada Lovelace, Alan Turing]", "[Eric Zelikman, Noah D. Goodman]")
        .replace("tags: [reasoning, llm]", "tags: [reasoning, llm, self-improvement]")
        .replace(
            "    slides: https://example.org/slides.pdf   # added by hand\n",
            "    slides: https://example.org/slides.pdf   # added by hand\n"
            "    pdf: https://arxiv.org/pdf/2403.09629\n"
            "    hf: https://huggingface.co/papers/2403.09629\n",
        )
        .replace("upvotes: 1", "upvotes: 42")
        .replace("    Old abstract.\n", "    New abstract from the source.\n")
        .replace(
            "  abstract: |-\n    New abstract from the source.\n",
            "  abstract: |-\n    New abstract from the source.\n  published: '2025-03-13T17:59:00Z'\n",
        )
    )
    assert text == expected  # title, note, comments, quotes and the other paper untouched


def test_pinned_fields_are_never_changed(site: Path) -> None:
    path = site / "content/papers/curated.yaml"
    path.write_text(HAND_WRITTEN.replace("  upvotes: 1\n", "  upvotes: 1\n  pinned: [upvotes, tags]\n"))
    run(site, [hf("2403.09629", upvotes=99, tags=["diffusion"], abstract="Refreshed.")])
    text = path.read_text(encoding="utf-8")
    assert "upvotes: 1\n" in text and "tags: [reasoning, llm]\n" in text
    assert "Refreshed." in text  # what is not pinned still refreshes


def test_a_paper_in_any_file_is_updated_in_place_never_duplicated(site: Path) -> None:
    elsewhere = site / "content/papers/old/notes.json"
    elsewhere.parent.mkdir()
    entry = {"id": "2403.09629", "title": "Kept", "date": "2025-01-02", "upvotes": 1}
    elsewhere.write_text(json.dumps([entry], indent=4) + "\n", encoding="utf-8")
    outcome = run(site, [hf("2403.09629", upvotes=5)])
    assert outcome.updated == ["2403.09629"] and outcome.added == []
    assert not (site / "content/papers/2025").exists()
    data = json.loads(elsewhere.read_text(encoding="utf-8"))
    assert len(data) == 1 and data[0]["upvotes"] == 5 and data[0]["title"] == "Kept"
    assert data[0]["date"] == "2025-01-02"  # the listing day is the curator's
    assert elsewhere.read_text(encoding="utf-8").startswith('[\n    {\n        "id"')  # its indentation kept
    assert build(site, None, write=False).papers == 1


def test_old_style_arxiv_ids_match_either_spelling(site: Path) -> None:
    (site / "content/papers/a.yaml").write_text(
        "- id: hep-th/9901001\n  title: Old\n  date: 2025-03-14\n", encoding="utf-8"
    )
    outcome = run(site, [hf("hep-th/9901001", upvotes=2)])
    assert outcome.updated == ["hep-th/9901001"]
    assert build(site, None, write=False).papers == 1


def test_two_sources_giving_one_paper_make_one_entry(site: Path) -> None:
    arxiv = Imported("2403.09629", DAY, {"title": "From arXiv", "venue": "ICML 2024"}, "arxiv")
    outcome = run(site, [hf("2403.09629"), arxiv])
    assert outcome.added == ["2403.09629"]
    text = (site / "content/papers/2025/2025-03-14.yaml").read_text(encoding="utf-8")
    assert text.count("- id:") == 1
    assert "title: Paper 2403.09629" in text and "venue: ICML 2024" in text


def test_a_paper_that_would_not_check_is_skipped_with_a_warning_and_the_rest_imported(site: Path) -> None:
    path = site / "content/papers/curated.yaml"
    path.write_text(HAND_WRITTEN, encoding="utf-8")
    bad = hf("2403.09630", links={"code": "javascript:alert(1)"})
    warnings: list[str] = []
    outcome = run(site, [hf("2403.09629", upvotes=7), bad], warn=warnings.append)
    assert outcome.skipped == ["2403.09630"] and outcome.updated == ["2403.09629"]
    scheme = "URL scheme 'javascript' is not allowed (use http, https or mailto)"
    assert warnings == [f"hf-daily: skipped 2403.09630: links.code: {scheme}"]
    assert "upvotes: 7" in path.read_text(encoding="utf-8")
    assert not (site / "content/papers/2025").exists()
    assert build(site, None, write=False).papers == 2


def test_a_file_that_would_not_check_after_all_is_not_written(site: Path, monkeypatch) -> None:
    """The last guard: whatever the merge made of a file is checked whole before writing."""
    from sitegen.importers import contentfiles

    path = site / "content/papers/curated.yaml"
    path.write_text(HAND_WRITTEN, encoding="utf-8")
    before = tree(site)
    real_text = contentfiles.ContentFile.text
    dateless = "- id: dateless\n  title: T\n"
    monkeypatch.setattr(contentfiles.ContentFile, "text", lambda self: real_text(self) + dateless)
    with pytest.raises(ContentError, match=r"curated.yaml:\d+: date: the import would make this invalid"):
        run(site, [hf("2403.09629", upvotes=7), hf("2403.09630")])
    assert tree(site) == before


def test_a_site_that_does_not_check_is_not_imported_into(site: Path) -> None:
    (site / "content/papers/broken.yaml").write_text("- id: x\n  title: T\n", encoding="utf-8")
    before = tree(site)
    with pytest.raises(ContentError, match="date: required field is missing"):
        run(site, [hf("2403.09629")])
    assert tree(site) == before


def test_excluded_ids_are_never_imported_again(site: Path) -> None:
    (site / "site.yaml").write_text(SITE_YAML + 'import:\n  exclude: ["2403.09629"]\n', encoding="utf-8")
    outcome = run(site, [hf("2403.09629"), hf("2403.09630")])
    assert outcome.excluded == ["2403.09629"] and outcome.added == ["2403.09630"]
    assert "2403.09629" not in (site / "content/papers/2025/2025-03-14.yaml").read_text(encoding="utf-8")


def test_dry_run_writes_nothing_but_says_what_it_would(site: Path) -> None:
    outcome = run(site, [hf("2403.09629")], dry_run=True)
    assert outcome.files == ["content/papers/2025/2025-03-14.yaml"]
    assert not (site / "content/papers/2025").exists()


def test_new_papers_are_appended_below_a_day_file_left_byte_for_byte(site: Path) -> None:
    path = site / "content/papers/2025/2025-03-14.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(HAND_WRITTEN, encoding="utf-8")
    run(site, [hf("2403.09630")])
    text = path.read_text(encoding="utf-8")
    assert text.startswith(HAND_WRITTEN.rstrip("\n") + "\n\n- id: '2403.09630'\n")
    assert build(site, None, write=False).papers == 3


def test_a_file_that_cannot_be_written_leaves_every_file_as_it_was(site: Path) -> None:
    path = site / "content/papers/curated.yaml"
    path.write_text(HAND_WRITTEN, encoding="utf-8")
    # A plain file where the year folder must go: the day file cannot be made (even as root).
    (site / "content/papers/2025").write_text("not a folder", encoding="utf-8")
    before = tree(site)
    with pytest.raises(OutputError, match="could not write"):
        run(site, [hf("2403.09629", upvotes=8), hf("2403.09630")])
    assert tree(site) == before  # curated.yaml's update was staged, then withdrawn


ENDINGS = {
    "a literal abstract": "  abstract: |-\n    Old.\n",
    "a plain scalar with a comment": "  upvotes: 1   # from the meeting\n",
    "a block author list": "  authors:\n    - Ada Lovelace\n    - Alan Turing\n",
    "a block tag list": "  tags:\n    - llm\n",
    "a links mapping": "  links:\n    slides: https://example.org/s.pdf\n",
    "a flow tag list": "  tags: [llm]\n",
}


@pytest.mark.parametrize("ending", list(ENDINGS.values()), ids=list(ENDINGS))
def test_an_entry_keeps_its_blank_line_whatever_field_ends_it(site: Path, ending: str) -> None:
    first = '- id: "2403.09629"\n  title: Mine\n  date: 2025-03-14\n' + ending
    path = site / "content/papers/curated.yaml"
    path.write_text(first + "\n# the next paper\n- id: other\n  title: O\n  date: 2025-03-14\n")
    fresh = hf("2403.09629", authors=["Eric Zelikman"], tags=["llm", "new-tag"], upvotes=5, abstract="One.")
    run(site, [fresh])
    text = path.read_text(encoding="utf-8")
    head, sep, rest = text.partition("\n\n# the next paper\n- id: other\n")
    assert sep and rest == "  title: O\n  date: 2025-03-14\n", text
    assert "\n\n" not in head, text  # no blank line moved inside the entry
    assert "upvotes: 5" in head and "new-tag" in head
    assert "hf: https://huggingface.co/papers/2403.09629" in head
    if "# from the meeting" in ending:
        assert "upvotes: 5   # from the meeting\n" in head
    assert build(site, None, write=False).papers == 2
    again = run(site, [fresh])
    assert again.files == [] and path.read_text(encoding="utf-8") == text


def test_a_source_never_deletes_a_field_it_does_not_give(site: Path) -> None:
    path = site / "content/papers/curated.yaml"
    path.write_text(HAND_WRITTEN.replace("  upvotes: 1\n", "  upvotes: 1\n  venue: ICML 2024\n"))
    bare = Imported("2403.09629", DAY, {"title": "T", "links": {"arxiv": "https://arxiv.org/abs/2403.09629"}})
    outcome = run(site, [bare])
    assert outcome.unchanged == ["2403.09629"] and outcome.files == []
    assert "venue: ICML 2024" in path.read_text(encoding="utf-8")


def test_authors_the_curator_enriched_keep_their_details_while_the_names_agree(site: Path) -> None:
    path = site / "content/papers/curated.yaml"
    rich = (
        "  authors:\n    - name: Ada Lovelace\n      affiliation: Analytical Engines Ltd\n    - Alan Turing\n"
    )
    path.write_text(HAND_WRITTEN.replace("  authors: [Ada Lovelace, Alan Turing]\n", rich))
    run(site, [hf("2403.09629", authors=["Ada Lovelace", "Alan Turing"])])
    assert rich in path.read_text(encoding="utf-8")
    run(site, [hf("2403.09629", authors=["Ada Lovelace", "Alan Turing", "Grace Hopper"])])
    text = path.read_text(encoding="utf-8")
    assert "Analytical Engines" not in text and "Grace Hopper" in text  # a new author list is the source's


def test_the_documented_example_file_changes_only_in_the_lines_that_changed(site: Path) -> None:
    """docs/content.md's example mixes styles (papers at the margin, authors indented, comments)."""
    import difflib
    import re

    doc = (Path(__file__).parents[2] / "docs/content.md").read_text(encoding="utf-8")
    example = re.search(r"<!-- example: 2025-03-14.yaml -->\n```yaml\n(.*?)```", doc, re.S)
    assert example
    path = site / "content/papers/2025-03-14.yaml"
    path.write_text(example.group(1), encoding="utf-8")
    links = {"arxiv": "https://arxiv.org/abs/2403.09629", "hf": "https://huggingface.co/papers/2403.09629"}
    fields = {"upvotes": 50, "authors": ["Eric Zelikman", "Noah D. Goodman"], "links": links}
    run(site, [Imported("2403.09629", DAY, fields, "hf-daily")])
    after = path.read_text(encoding="utf-8")
    changes = [
        line
        for line in difflib.ndiff(example.group(1).splitlines(), after.splitlines())
        if line.startswith(("- ", "+ "))
    ]
    # The author list is the same people, so Goodman's affiliation and URL stay as written.
    assert changes == [
        "+     hf: https://huggingface.co/papers/2403.09629",
        "-   upvotes: 42",
        "+   upvotes: 50",
    ]


def test_text_that_yaml_readers_disagree_on_is_quoted_not_put_in_a_block(site: Path) -> None:
    """U+2028 ends a line for ruamel but not for libyaml: in a literal block the two read
    different things, and the next import could not edit the file."""
    abstract = "First line.\nA line\u2028separator and a\u2029paragraph separator."
    run(site, [hf("2403.09629", abstract=abstract)])
    [paper] = load_papers(load_config(site))
    assert paper.abstract == abstract
    assert run(site, [hf("2403.09629", abstract=abstract)]).files == []
    assert run(site, [hf("2403.09629", abstract="Plain again.\nTwo lines.")]).updated == ["2403.09629"]


def test_a_file_ruamel_cannot_read_is_a_located_error_not_a_traceback(site: Path) -> None:
    path = site / "content/papers/odd.yaml"
    # A block that libyaml (the site's loader) reads and ruamel (the editor) does not.
    path.write_text('- id: "2403.09629"\n  title: T\n  date: 2025-03-14\n  abstract: |2+\n\n\u2028...\n')
    assert load_papers(load_config(site))  # the site itself reads it
    before = tree(site)
    with pytest.raises(ContentError, match=r"content/papers/odd.yaml(:\d+)?: sitegen import cannot edit"):
        run(site, [hf("2403.09629", upvotes=4)])
    assert tree(site) == before


def test_a_layout_no_style_reproduces_is_rewritten_whole_and_still_reads_back(site: Path) -> None:
    path = site / "content/papers/2025/2025-03-14.yaml"
    path.parent.mkdir(parents=True)
    wide = '-   id: "2403.09629"\n    title: Q\n    date: 2025-03-14\n    tags:\n      - reasoning\n'
    path.write_text(wide, encoding="utf-8")
    outcome = run(site, [hf("2403.09630")])
    assert outcome.added == ["2403.09630"]
    papers = load_papers(load_config(site))
    assert [p.id for p in papers] == ["2403.09629", "2403.09630"] and papers[0].tags == ("reasoning",)


def test_a_new_paper_before_an_existing_one_of_the_same_day_file(site: Path) -> None:
    """A listing gives papers in its own order: new and known ones of one day interleave."""
    run(site, [hf("2403.09629")])
    outcome = run(site, [hf("2403.09630"), hf("2403.09629", upvotes=9), hf("2403.09631")])
    assert outcome.added == ["2403.09630", "2403.09631"] and outcome.updated == ["2403.09629"]
    papers = load_papers(load_config(site))
    assert [p.id for p in papers] == ["2403.09629", "2403.09630", "2403.09631"]
    assert papers[0].upvotes == 9
