"""The BibTeX importer: what a user's .bib file becomes, and what is skipped with a warning."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import bibtexparser
import pytest
from bibtexparser.exceptions import ParserStateException
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitegen.importers.base import Imported, SourceError
from sitegen.importers.bibtex import parse_bibtex
from sitegen.routes import is_valid_id

RECORDED = Path(__file__).parent / "recorded"


def parse(text: str, day: date | None = None) -> tuple[list[Imported], list[str]]:
    warnings: list[str] = []
    return parse_bibtex(text, day, warn=warnings.append), warnings


def one(text: str) -> Imported:
    papers, warnings = parse(text)
    assert len(papers) == 1, warnings
    return papers[0]


def test_recorded_library_imports_every_good_entry_and_reports_the_broken_one() -> None:
    day = date(2025, 3, 14)
    papers, warnings = parse((RECORDED / "papers.bib").read_text(encoding="utf-8"), day)

    assert papers == [
        Imported(
            id="2403.09629",
            day=day,
            source="bibtex",
            fields={
                "title": "Quiet-STaR: Language Models Can Teach Themselves to Think Before Speaking",
                "authors": [
                    "Eric Zelikman",
                    "Georges Harik",
                    "Yijia Shao",
                    "Varuna Jayasiri",
                    "Nick Haber",
                    "Noah D. Goodman",
                ],
                "abstract": (
                    "When writing and talking, people sometimes pause to think. We generalize STaR so"
                    " that the model learns to generate rationales at each token, e.g. $p(x_t)$.\n\n"
                    "Quiet-STaR improves zero-shot reasoning by 10.9%."
                ),
                "tags": ["reasoning", "LLM", "self-improvement"],
                "links": {
                    "arxiv": "https://arxiv.org/abs/2403.09629",
                    "pdf": "https://arxiv.org/pdf/2403.09629",
                },
            },
        ),
        Imported(
            id="1706.03762",
            day=day,
            source="bibtex",
            fields={
                "title": "Attention Is All You Need",
                "authors": ["Ashish Vaswani", "Noam Shazeer", "Łukasz Kaiser"],
                # The url is the arXiv page again, so it is not a second link.
                "links": {
                    "arxiv": "https://arxiv.org/abs/1706.03762",
                    "pdf": "https://arxiv.org/pdf/1706.03762",
                },
            },
        ),
        Imported(
            id="mueller2023probing",
            day=day,
            source="bibtex",
            fields={
                "title": "Probing BERT for Syntax & Semantics – a Survey",
                "authors": ["Thomas Müller", "François Dupont", "Émile Durand"],
                "links": {
                    "doi": "https://doi.org/10.18653/v1/2023.acl-long.1",
                    "url": "https://aclanthology.org/2023.acl-long.1",
                },
                "venue": "Annual Meeting of the Association for Computational Linguistics 2023",
            },
        ),
        Imported(
            id="Lovelace-Notes-1843",
            day=day,
            source="bibtex",
            fields={
                "title": "Sketch of the Analytical Engine",
                "authors": ["Ada Lovelace", "Hans Müller"],
                "tags": ["computing", "history"],
                "published": "1843-10-05T00:00:00Z",
                "venue": "Taylor's Scientific Memoirs 1843",
            },
        ),
    ]
    assert warnings == [
        "line 43: not a valid BibTeX entry (Unexpected block start: `@article`."
        " Was still looking for field-value closing `}`); skipped"
    ]


@pytest.mark.parametrize(
    "fields",
    [
        "eprint = {2403.09629v2}, archivePrefix = {arXiv}",
        "eprint = {2403.09629}, eprinttype = {arxiv}",
        "eprint = {arXiv:2403.09629v1}",
        "journal = {arXiv preprint arXiv:2403.09629}",
        "journal = {CoRR}, volume = {abs/2403.09629}",
        "journal = {ArXiv}, volume = {abs/2403.09629v3}",
        "url = {https://arxiv.org/abs/2403.09629v2}",
        "url = {https://arxiv.org/pdf/2403.09629.pdf}",
        "doi = {10.48550/arXiv.2403.09629}",
        "doi = {https://doi.org/10.48550/ARXIV.2403.09629}",
    ],
)
def test_arxiv_id_is_found_in_each_way_bib_files_spell_it(fields: str) -> None:
    paper = one(f"@article{{key, title = {{T}}, {fields}}}")
    assert paper.id == "2403.09629"
    # The arXiv links only: a url or doi that is the same paper is not repeated.
    assert paper.fields["links"] == {
        "arxiv": "https://arxiv.org/abs/2403.09629",
        "pdf": "https://arxiv.org/pdf/2403.09629",
    }
    assert "venue" not in paper.fields


def test_old_style_arxiv_id_keeps_its_slash_and_loses_its_version() -> None:
    paper = one("@article{k, title={T}, eprint={hep-th/9901001v3}, archivePrefix={arXiv}}")
    assert paper.id == "hep-th/9901001"
    assert paper.fields["links"]["arxiv"] == "https://arxiv.org/abs/hep-th/9901001"


@pytest.mark.parametrize(
    "fields",
    [
        "eprint = {2403.09629}",  # no archivePrefix: could be any e-print server
        "eprint = {2403.09629}, archivePrefix = {HAL}",
        "journal = {Nature}, volume = {abs/2403.09629}",
        "url = {https://example.org/abs/2403.09629}",
    ],
)
def test_citation_key_is_the_id_when_no_arxiv_id_is_recognisable(fields: str) -> None:
    assert one(f"@article{{smith2024, title = {{T}}, {fields}}}").id == "smith2024"


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("vaswani2017attention", "vaswani2017attention"),
        ("DBLP:conf/nips/X17", "DBLP-conf-nips-X17"),
        ("Müller2020", "Muller2020"),
        ("_hidden..key.", "hidden.key"),
        ("a" * 250, "a" * 200),
    ],
)
def test_citation_key_is_made_a_safe_id(key: str, expected: str) -> None:
    paper = one(f"@article{{{key}, title = {{T}}}}")
    assert paper.id == expected
    assert is_valid_id(paper.id)


def test_key_that_cannot_be_made_an_id_is_skipped_with_a_warning() -> None:
    papers, warnings = parse("@article{:::, title={Lost}}\n@article{kept, title={Kept}}")
    assert [p.id for p in papers] == ["kept"]
    assert len(warnings) == 1
    assert warnings[0].startswith("line 1: :::: the citation key cannot be made a valid id")


@pytest.mark.parametrize(
    ("latex", "expected"),
    [
        (r"{\L}ukasz Kaiser", "Łukasz Kaiser"),
        (r"M{\"u}ller, Thomas", "Thomas Müller"),
        (r"M\"{u}ller, Thomas", "Thomas Müller"),
        (r"Fran\c{c}ois Chollet", "François Chollet"),
        (r"{\'E}mile Zola", "Émile Zola"),
        (r"van Beethoven, Ludwig", "Ludwig van Beethoven"),
        (r"King, Jr., Martin Luther", "Martin Luther King Jr."),
        (r"{Barnes and Noble}", "Barnes and Noble"),
        (r"D.~E. Knuth", "D. E. Knuth"),
    ],
)
def test_author_names_are_decoded_and_written_first_name_first(latex: str, expected: str) -> None:
    assert one(f"@article{{k, title={{T}}, author={{{latex} and Second Author}}}}").fields["authors"] == [
        expected,
        "Second Author",
    ]


def test_others_is_not_an_author() -> None:
    paper = one("@article{k, title={T}, author={Ada Lovelace and others}}")
    assert paper.fields["authors"] == ["Ada Lovelace"]


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        (r"{BERT}: Pre-training of {Deep} Transformers", "BERT: Pre-training of Deep Transformers"),
        (r"Syntax \& Semantics", "Syntax & Semantics"),
        (r"Pages 1--12", "Pages 1–12"),
        (r"Na\"{\i}ve {\'E}tudes", "Naïve Études"),
        (r"Fewer by 50% and 10\%", "Fewer by 50% and 10%"),  # a bare % is not a LaTeX comment here
        (r"Bounds on $\epsilon$-nets", r"Bounds on $\epsilon$-nets"),
        ("A Title\n   Wrapped  Over\tLines", "A Title Wrapped Over Lines"),
    ],
)
def test_title_is_one_line_of_plain_text(title: str, expected: str) -> None:
    assert one(f"@article{{k, title = {{{title}}}}}").fields["title"] == expected


def test_abstract_is_unwrapped_keeping_paragraphs() -> None:
    paper = one("@article{k, title={T}, abstract={First line\n  continues.\n\n  Second\n  paragraph.}}")
    assert paper.fields["abstract"] == "First line continues.\n\nSecond paragraph."


def test_keywords_become_trimmed_tags_without_repeats() -> None:
    paper = one("@article{k, title={T}, keywords={ LLM ; reasoning,llm,, Self-Play ;}}")
    assert paper.fields["tags"] == ["LLM", "reasoning", "Self-Play"]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ("year=2024, month=mar, day=14", "2024-03-14T00:00:00Z"),
        ("year=2024, month={March}, day={14}", "2024-03-14T00:00:00Z"),
        ("year={2024}, month={3}, day={4}", "2024-03-04T00:00:00Z"),
        ("year={2024}, month={Sept.}, day={30}", "2024-09-30T00:00:00Z"),
        ("date={2024-03-14}", "2024-03-14T00:00:00Z"),
        ("year=2024, month=mar", None),  # no day: not made up
        ("year=2024", None),
        ("year=2024, month=feb, day=30", None),
        ("year=2024, month={Spring}, day=1", None),
        # Digits to str.isdigit() but not numbers: no date, and no crash.
        ("year=2024, month={²}, day=1", None),
        ("year={٢٠٢٤}, month=mar, day={١}", None),
    ],
)
def test_published_only_when_the_whole_day_is_known(fields: str, expected: str | None) -> None:
    assert one(f"@article{{k, title={{T}}, {fields}}}").fields.get("published") == expected


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ("booktitle={NeurIPS}, year={2024}", "NeurIPS 2024"),
        ("booktitle={Proceedings of NeurIPS 2024}, year={2024}", "Proceedings of NeurIPS 2024"),
        ("journal={Nature}", "Nature"),
        ("journal={Nature}, booktitle={Ignored}, year={1999}", "Nature 1999"),
        ("journal={CoRR}, booktitle={ICML}, year={2020}", "ICML 2020"),
        ("journal={arXiv preprint arXiv:2001.00001}", None),
    ],
)
def test_venue_is_journal_or_booktitle_with_the_year(fields: str, expected: str | None) -> None:
    assert one(f"@article{{k, title={{T}}, {fields}}}").fields.get("venue") == expected


def test_string_macros_are_expanded() -> None:
    paper = one(
        '@string{icml = "International Conference on Machine Learning"}\n'
        "@inproceedings{k, title={T}, booktitle=icml, year=2020}"
    )
    assert paper.fields["venue"] == "International Conference on Machine Learning 2020"


@pytest.mark.parametrize(
    ("doi", "expected"),
    [
        ("10.1145/3292500.3330701", "https://doi.org/10.1145/3292500.3330701"),
        ("https://doi.org/10.1145/3292500.3330701", "https://doi.org/10.1145/3292500.3330701"),
        ("http://dx.doi.org/10.1145/3292500.3330701", "https://doi.org/10.1145/3292500.3330701"),
        (
            "doi:10.1002/(SICI)1097-4571(199806)49:8<693::AID-ASI4>3.0.CO;2-0",
            "https://doi.org/10.1002/(SICI)1097-4571(199806)49:8%3C693::AID-ASI4%3E3.0.CO;2-0",
        ),
        (r"10.1000/a\_b", "https://doi.org/10.1000/a_b"),
    ],
)
def test_doi_link_is_normalised(doi: str, expected: str) -> None:
    assert one(f"@article{{k, title={{T}}, doi={{{doi}}}}}").fields["links"] == {"doi": expected}


def test_url_is_kept_as_written_not_read_as_latex() -> None:
    paper = one(r"@article{k, title={T}, url={https://example.org/a\_b%20c~d}}")
    assert paper.fields["links"] == {"url": "https://example.org/a_b%20c~d"}


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "ftp://example.org/x", "/relative/path", "https://", "http://[::1"]
)
def test_url_that_is_not_http_is_left_out_with_a_warning(url: str) -> None:
    papers, warnings = parse(f"@article{{k, title={{T}}, url={{{url}}}}}")
    assert "links" not in papers[0].fields
    assert warnings == [f"line 1: k: url '{url}' is not an http(s) address; left out"]


def test_link_order_is_arxiv_pdf_doi_url() -> None:
    paper = one(
        "@inproceedings{k, title={T}, url={https://proceedings.mlr.press/v1/k.html},"
        " doi={10.5555/123.456}, eprint={2001.00001}, archivePrefix={arXiv}}"
    )
    assert list(paper.fields["links"].items()) == [
        ("arxiv", "https://arxiv.org/abs/2001.00001"),
        ("pdf", "https://arxiv.org/pdf/2001.00001"),
        ("doi", "https://doi.org/10.5555/123.456"),
        ("url", "https://proceedings.mlr.press/v1/k.html"),
    ]


def test_absent_fields_are_absent_and_day_and_source_are_passed_on() -> None:
    papers, _ = parse("@misc{k, title={Only a Title}}", date(2025, 1, 2))
    assert papers == [
        Imported(id="k", day=date(2025, 1, 2), fields={"title": "Only a Title"}, source="bibtex")
    ]


def test_entries_without_a_title_are_skipped_with_a_warning() -> None:
    papers, warnings = parse("@article{a, author={X}}\n\n@article{b, title={ {} }}\n@article{c, title={C}}")
    assert [p.id for p in papers] == ["c"]
    assert warnings == ["line 1: a: no title; skipped", "line 3: b: no title; skipped"]


def test_repeated_ids_keep_the_first_entry() -> None:
    text = """
@article{first, title={First}, eprint={2001.00001}, archivePrefix={arXiv}}
@article{second, title={Second}, url={https://arxiv.org/abs/2001.00001v2}}
@article{Key, title={Key}}
@article{key, title={Other Key}}
@article{Key, title={Same Key}}
"""
    papers, warnings = parse(text)
    assert [(p.id, p.fields["title"]) for p in papers] == [("2001.00001", "First"), ("Key", "Key")]
    assert warnings == [
        "line 3: second: duplicate id '2001.00001' (first given at line 2); skipped",
        # Ids are unique ignoring case: both would be the same page.
        "line 5: key: duplicate id 'key' (first given at line 4); skipped",
        "line 6: Key: duplicate citation key (first used at line 4); skipped",
    ]


def test_entry_with_a_field_given_twice_is_skipped() -> None:
    papers, warnings = parse("@article{a, title={A}, title={B}}\n@article{b, title={B}}")
    assert [p.id for p in papers] == ["b"]
    assert warnings == ["line 1: a: field given twice: title; skipped"]


def test_unreadable_name_list_skips_the_entry_with_the_reason() -> None:
    papers, warnings = parse("@article{a, title={A}, author={One, Two, Three, Four}}")
    assert papers == []
    assert warnings == [
        "line 1: a: Cannot split the following name `One, Two, Three, Four` into parts:"
        " Too many commas; skipped"
    ]


def test_comments_preambles_and_strings_are_not_papers() -> None:
    text = '@comment{x}\n@preamble{"\\newcommand{\\x}{}"}\n@string{s = "v"}\nplain text between\n'
    assert parse(text) == ([], [])


@pytest.mark.parametrize("text", ["", "   \n", "Just some notes, not BibTeX.", "{ } } @ , ="])
def test_text_without_entries_gives_no_papers_and_no_error(text: str) -> None:
    papers, _ = parse(text)
    assert papers == []


def test_truncated_file_reports_the_unfinished_entry() -> None:
    papers, warnings = parse("@article{ok, title={OK}}\n@article{cut, title={Cut")
    assert [p.id for p in papers] == ["ok"]
    assert warnings == ["line 2: not a valid BibTeX entry (Unexpectedly reached end of file.); skipped"]


_BIB_ALPHABET = st.sampled_from(
    list('@{}"(),=#%\\~$ \n\tabcAZ09.:/-_')
    + ["and", "others", r"\"u", "{\\L}", "\x00", "²", "٣", "arxiv", "abs/", "http://", "10.1234/"]
)
_BIB_TEXT = st.lists(_BIB_ALPHABET, max_size=60).map("".join)


def _assert_usable(papers: list[Imported]) -> None:
    assert isinstance(papers, list)
    for paper in papers:
        assert isinstance(paper, Imported)
        assert is_valid_id(paper.id), paper.id
        assert paper.fields["title"] and "\n" not in paper.fields["title"]
        assert all(isinstance(a, str) and a for a in paper.fields.get("authors", []))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300) | _BIB_TEXT)
def test_any_text_gives_a_list_of_valid_papers(text: str) -> None:
    _assert_usable(parse_bibtex(text))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    entry_type=st.sampled_from(["article", "misc", "inproceedings", "x"]),
    key=st.from_regex(r"[A-Za-z][A-Za-z0-9:/_.-]{0,12}", fullmatch=True) | _BIB_TEXT,
    values=st.lists(
        st.tuples(
            st.sampled_from(
                [
                    "author",
                    "eprint",
                    "archiveprefix",
                    "journal",
                    "volume",
                    "url",
                    "doi",
                    "month",
                    "day",
                    "year",
                    "keywords",
                    "abstract",
                    "booktitle",
                ]
            ),
            _BIB_TEXT,
        ),
        max_size=8,
    ),
)
def test_any_entry_gives_a_list_of_valid_papers(
    entry_type: str, key: str, values: list[tuple[str, str]]
) -> None:
    # A title, so that most entries get past the first check and into the field mapping.
    body = ", ".join(f"{name} = {{{value}}}" for name, value in [("title", "T"), *values])
    _assert_usable(parse_bibtex(f"@{entry_type}{{{key}, {body}}}\n@misc{{after, title={{After}}}}"))


def test_the_parser_s_own_log_lines_do_not_reach_the_terminal() -> None:
    # Its messages count lines from 0 and would repeat our warnings; a fresh
    # interpreter, because pytest installs logging handlers of its own.
    code = (
        "from sitegen.importers.bibtex import parse_bibtex; parse_bibtex('@article{a, title={x}\\n@misc{b}')"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stderr == ""


def test_an_internal_parser_failure_is_one_source_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise ParserStateException("Found a field-value that is both quote-escaped and curly-escaped.")

    monkeypatch.setattr(bibtexparser, "parse_string", broken)
    with pytest.raises(SourceError, match=r"^bibtex: the BibTeX parser failed on this file \(Found a field"):
        parse_bibtex("@article{a, title={A}}")
