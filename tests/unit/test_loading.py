"""loading.py: content files -> validated Papers; every problem located and reported at once."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sitegen.config import load_config
from sitegen.errors import ContentError
from sitegen.loading import load_papers
from sitegen.model import Author, Paper
from sitegen.urls import check_image_url, check_url
from tests.sitekit import worker_goes_first

ENTRY = 'id: "2403.09629"\ntitle: A paper\ndate: 2025-03-14\n'


def make_site(tmp_path: Path, files: dict[str, str | bytes], settings: str = "") -> Path:
    (tmp_path / "site.yaml").write_text(f"title: T\nbase_url: https://example.org/\n{settings}")
    for name, content in files.items():
        path = tmp_path / "content" / "papers" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            content = content.encode("utf-8")
        path.write_bytes(content)
    return tmp_path


def papers(tmp_path: Path, files: dict[str, str | bytes], settings: str = "") -> list[Paper]:
    return load_papers(load_config(make_site(tmp_path, files, settings)))


def problems(tmp_path: Path, files: dict[str, str | bytes], settings: str = "") -> list[str]:
    with pytest.raises(ContentError) as caught:
        papers(tmp_path, files, settings)
    return [str(p) for p in caught.value.problems]


def one_problem(tmp_path: Path, extra: str) -> str:
    """The single problem of a one-paper file: ENTRY plus ``extra`` lines (from line 4 on)."""
    [message] = problems(tmp_path, {"p.yaml": ENTRY + extra})
    return message


# --- happy paths ---


def test_single_mapping_with_every_field(tmp_path: Path) -> None:
    text = """\
id: "2403.09629"
title: |
  Quiet-STaR: Language Models
    Can Teach Themselves
date: 2025-03-14T09:30:00Z
authors:
  - Eric Zelikman
  - name: Noah D. Goodman
    affiliation: Stanford
    url: https://example.org/ndg
abstract: We *study* $x^2$.
note: Worth a read.
venue: COLM 2024
tags: [reasoning, " llm ", reasoning]
links:
  arxiv: https://arxiv.org/abs/2403.09629
  pdf: /files/2403.09629.pdf
  contact: mailto:someone@example.org
thumbnail: https://example.org/t.png
upvotes: 0
published: 2024-03-14
updated: 2024-03-18T10:00:00+02:00
extra:
  stars: 12
  nested: {a: [1, 2]}
"""
    [paper] = papers(tmp_path, {"2025-03-14.yaml": text})
    assert paper.id == "2403.09629"
    assert paper.title == "Quiet-STaR: Language Models Can Teach Themselves"
    assert paper.date == datetime(2025, 3, 14, 9, 30, tzinfo=timezone.utc)
    assert paper.day == date(2025, 3, 14)
    assert paper.authors == (
        Author("Eric Zelikman"),
        Author("Noah D. Goodman", "Stanford", "https://example.org/ndg"),
    )
    assert paper.abstract == "We *study* $x^2$."
    assert (paper.note, paper.venue) == ("Worth a read.", "COLM 2024")
    assert paper.tags == ("reasoning", "llm")
    assert paper.links == (
        ("arxiv", "https://arxiv.org/abs/2403.09629"),
        ("pdf", "/files/2403.09629.pdf"),
        ("contact", "mailto:someone@example.org"),
    )
    assert paper.link("pdf") == "/files/2403.09629.pdf"
    assert paper.thumbnail == "https://example.org/t.png"
    assert paper.upvotes == 0
    assert paper.published == datetime(2024, 3, 14, tzinfo=ZoneInfo("UTC"))
    assert paper.updated == datetime(2024, 3, 18, 8, 0, tzinfo=timezone.utc)
    assert paper.extra == {"stars": 12, "nested": {"a": [1, 2]}}
    assert paper.source == Path("content/papers/2025-03-14.yaml")


def test_minimal_entry_defaults(tmp_path: Path) -> None:
    [paper] = papers(tmp_path, {"p.yaml": ENTRY + "note:\nvenue: null\n"})
    assert paper.authors == () and paper.tags == () and paper.links == ()
    assert paper.abstract == "" and paper.note is None and paper.venue is None
    assert paper.upvotes is None and paper.extra == {}


def test_list_file_json_and_nested_folders_in_order(tmp_path: Path) -> None:
    files = {
        "b.yml": '- {id: "b1", title: B1, date: 2025-03-02}\n- {id: "b2", title: B2, date: 2025-03-01}\n',
        "a.JSON": '[{"id": "a1", "title": "A1", "date": "2025-03-05"}]',
        "2024/12/z.yaml": 'id: "z"\ntitle: Z\ndate: 2024-12-01\n',
        "2024/a.yaml": 'id: "y"\ntitle: Y\ndate: 2024-12-02\n',
        "empty.yaml": "",
        "empty.json": "",
        "list.yaml": "[]\n",
        "readme.md": "not a paper",
        ".hidden.yaml": "not even: [valid",
        ".drafts/x.yaml": "not even: [valid",
    }
    ids = [p.id for p in papers(tmp_path, files)]
    # Sorted by path parts: folder '2024' first, and in it '12' sorts before 'a.yaml'.
    assert ids == ["z", "y", "a1", "b1", "b2"]


def test_missing_papers_folder_means_no_papers(tmp_path: Path) -> None:
    assert papers(tmp_path, {}) == []


def test_custom_content_dir(tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_text("title: T\nbase_url: https://example.org/\ncontent_dir: entries\n")
    folder = tmp_path / "entries" / "papers"
    folder.mkdir(parents=True)
    (folder / "p.yaml").write_text("id: x\ntitle: [\n")
    with pytest.raises(ContentError) as caught:
        load_papers(load_config(tmp_path))
    assert str(caught.value.problems[0]).startswith("entries/papers/p.yaml:3: invalid YAML")


def test_old_arxiv_id(tmp_path: Path) -> None:
    [paper] = papers(tmp_path, {"p.yaml": "id: hep-th/9901001\ntitle: Old\ndate: 1999-01-04\n"})
    assert paper.id == "hep-th/9901001"


# --- dates ---


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2025-03-14", datetime(2025, 3, 14, tzinfo=ZoneInfo("Europe/Paris"))),
        ('"2025-03-14"', datetime(2025, 3, 14, tzinfo=ZoneInfo("Europe/Paris"))),
        ("2025-03-14T09:30:00Z", datetime(2025, 3, 14, 9, 30, tzinfo=timezone.utc)),
        ('"2025-03-14T09:30:00Z"', datetime(2025, 3, 14, 9, 30, tzinfo=timezone.utc)),
        ('"2025-03-14T09:30:00.5+02:00"', datetime(2025, 3, 14, 7, 30, 0, 500000, tzinfo=timezone.utc)),
        ('"2025-03-14 09:30-0130"', datetime(2025, 3, 14, 11, 0, tzinfo=timezone.utc)),
        # Naive: the site's timezone.
        ("2025-03-14 09:30:00", datetime(2025, 3, 14, 9, 30, tzinfo=ZoneInfo("Europe/Paris"))),
        ('"2025-03-14T09:30"', datetime(2025, 3, 14, 9, 30, tzinfo=ZoneInfo("Europe/Paris"))),
    ],
)
def test_date_formats(tmp_path: Path, value: str, expected: datetime) -> None:
    [paper] = papers(tmp_path, {"p.yaml": f'id: "x"\ntitle: X\ndate: {value}\n'}, "timezone: Europe/Paris\n")
    assert paper.date == expected
    assert paper.date.utcoffset() is not None


def test_json_dates(tmp_path: Path) -> None:
    text = (
        '[{"id": "a", "title": "A", "date": "2025-03-14"},\n'
        ' {"id": "b", "title": "B", "date": "2025-03-14T23:30:00Z"}]'
    )
    a, b = papers(tmp_path, {"p.json": text})
    assert a.date == datetime(2025, 3, 14, tzinfo=ZoneInfo("UTC"))
    assert b.date == datetime(2025, 3, 14, 23, 30, tzinfo=timezone.utc)


def test_day_is_bucketed_in_the_site_timezone(tmp_path: Path) -> None:
    files = {
        "p.yaml": '- {id: a, title: A, date: "2025-03-14T23:30:00Z"}\n- {id: b, title: B, date: 2025-03-14}\n'
    }
    a, b = papers(tmp_path, files, "timezone: Asia/Tokyo\n")
    assert a.day == date(2025, 3, 15)  # 08:30 next morning in Tokyo
    assert b.day == date(2025, 3, 14)  # date-only: midnight in Tokyo, the same day
    assert b.date.utcoffset() == timedelta(hours=9)
    a, _ = papers(tmp_path, files, "timezone: America/New_York\n")
    assert a.day == date(2025, 3, 14)


@pytest.mark.parametrize(
    "value, message",
    [
        ('"2025-02-30"', "impossible date '2025-02-30' (day is out of range for month)"),
        ('"2025-13-01"', "impossible date '2025-13-01' (month must be in 1..12)"),
        ('"2025-03-14T24:00:00Z"', "impossible date '2025-03-14T24:00:00Z' (hour must be in 0..23)"),
        (
            '"2025-03-14T10:00:00+25:00"',
            "impossible date '2025-03-14T10:00:00+25:00' (time zone offset out of range)",
        ),
        (
            '"14 March 2025"',
            "expected a date such as 2025-03-14 or 2025-03-14T09:30:00Z, got '14 March 2025'",
        ),
        ("20250314", "expected a date such as 2025-03-14 or 2025-03-14T09:30:00Z, got 20250314"),
        ("[2025]", "expected a date such as 2025-03-14 or 2025-03-14T09:30:00Z, got [2025]"),
    ],
)
def test_bad_dates(tmp_path: Path, value: str, message: str) -> None:
    assert problems(tmp_path, {"p.yaml": f'id: "x"\ntitle: X\ndate: {value}\n'}) == [
        f"content/papers/p.yaml:3: date: {message}"
    ]


def test_impossible_unquoted_date_is_located(tmp_path: Path) -> None:
    assert problems(
        tmp_path, {"p.yaml": '- id: "x"\n  title: X\n  date: 2025-01-01\n  updated: 2025-02-30\n'}
    ) == ["content/papers/p.yaml:4: updated: impossible date '2025-02-30' (day is out of range for month)"]


# --- ids ---


def test_numeric_id_is_not_silently_changed(tmp_path: Path) -> None:
    assert problems(tmp_path, {"p.yaml": "id: 2403.09630\ntitle: X\ndate: 2025-03-14\n"}) == [
        'content/papers/p.yaml:1: id: expected a string, got a number; quote arXiv ids such as "2403.09630"'
    ]
    assert problems(
        tmp_path, {"p.yaml": "", "q.json": '{"id": 2403.09630, "title": "X", "date": "2025-03-14"}'}
    ) == [
        'content/papers/q.json:1: id: expected a string, got a number; quote arXiv ids such as "2403.09630"'
    ]


@pytest.mark.parametrize("bad", ["../x", "../../etc", "/etc", "a/b", "a\\\\b", ".hidden", "x.", "a..b", "é"])
def test_unsafe_ids(tmp_path: Path, bad: str) -> None:
    [message] = problems(tmp_path, {"p.yaml": f'id: "{bad}"\ntitle: X\ndate: 2025-03-14\n'})
    assert message.startswith("content/papers/p.yaml:1: id: invalid id ")
    assert "use letters, digits" in message


def test_duplicate_ids_across_files_and_within_one(tmp_path: Path) -> None:
    files = {
        "a.yaml": "title: First\nid: '2403.09629'\ndate: 2025-03-14\n",
        "b.yaml": "- {id: other, title: O, date: 2025-03-14}\n"
        "- id: '2403.09629'\n  title: Again\n  date: 2025-03-14\n",
        "c.json": '[\n {"id": "OTHER", "title": "Case", "date": "2025-03-14"}\n]',
    }
    assert problems(tmp_path, files) == [
        "content/papers/b.yaml:2: id: duplicate id '2403.09629' (also in content/papers/a.yaml:2)",
        "content/papers/c.json:2: id: duplicate id 'OTHER' (same page as 'other' in content/papers/b.yaml:1)",
    ]


def test_old_arxiv_id_clashes_with_its_slug(tmp_path: Path) -> None:
    files = {
        "a.yaml": "id: hep-th/9901001\ntitle: A\ndate: 1999-01-04\n",
        "b.yaml": ENTRY.replace("2403.09629", "hep-th-9901001"),
    }
    assert problems(tmp_path, files) == [
        "content/papers/b.yaml:1: id: duplicate id 'hep-th-9901001' "
        "(same page as 'hep-th/9901001' in content/papers/a.yaml:1)"
    ]


# --- fields ---


def test_required_fields(tmp_path: Path) -> None:
    files = {
        "a.yaml": "note: nothing else\n",
        "b.yaml": "- id: x\n  title: X\n  date: 2025-03-14\n- title:\n  id: ''\n",
    }
    assert problems(tmp_path, files) == [
        "content/papers/a.yaml:1: date: required field is missing",
        "content/papers/a.yaml:1: id: required field is missing",
        "content/papers/a.yaml:1: title: required field is missing",
        "content/papers/b.yaml:4: date: required field is missing",
        "content/papers/b.yaml:4: title: must not be empty",
        "content/papers/b.yaml:5: id: must not be empty",
    ]


@pytest.mark.parametrize(
    "extra, expected",
    [
        ("tags: llm\n", "4: tags: expected a list of strings, got 'llm'"),
        ("tgas: [llm]\n", "4: tgas: unknown field (did you mean 'tags'?)"),
        ("downloads: 3\n", "4: downloads: unknown field; custom data goes under 'extra'"),
        ("upvotes: -3\n", "4: upvotes: must not be negative, got -3"),
        ("upvotes: true\n", "4: upvotes: expected a whole number, got true"),
        ("upvotes: 2.5\n", "4: upvotes: expected a whole number, got 2.5"),
        ("abstract: [x]\n", "4: abstract: expected a string, got ['x']"),
        ("venue: 2024\n", "4: venue: expected a string, got 2024"),
        ("extra: [1]\n", "4: extra: expected a mapping, got [1]"),
        ("links: [https://x.org]\n", "4: links: expected a mapping of name: URL, got ['https://x.org']"),
        ("links:\n  code: 5\n", "5: links.code: expected a URL string, got 5"),
        (
            "thumbnail: 'ftp://x.org/t.png'\n",
            "4: thumbnail: URL scheme 'ftp' is not allowed (use http, https or a path inside the site)",
        ),
        (
            "authors: Ada and Alan\n",
            "4: authors: expected a list of names, got 'Ada and Alan'; give one name per item, "
            "e.g. [Ada Lovelace, Alan Turing]",
        ),
        ("authors:\n  - Ada\n  - affiliation: X\n", "6: authors[1].name: required field is missing"),
        (
            "authors:\n  - name: Ada\n    affilation: X\n",
            "6: authors[0].affilation: unknown field (did you mean 'affiliation'?)",
        ),
        (
            "authors:\n  - name: Ada\n    url: 'javascript:x'\n",
            "6: authors[0].url: URL scheme 'javascript' is not allowed (use http, https or mailto)",
        ),
        ("authors: [Ada, 7]\n", "4: authors[1]: expected a name or a mapping with 'name', got 7"),
        ("title: Again\n", "4: title: duplicate key (first given on line 2)"),
    ],
)
def test_field_problems(tmp_path: Path, extra: str, expected: str) -> None:
    assert one_problem(tmp_path, extra) == f"content/papers/p.yaml:{expected}"


def test_each_bad_list_item_is_reported(tmp_path: Path) -> None:
    assert problems(tmp_path, {"p.yaml": ENTRY + "tags:\n  - a\n  - ''\n  - 3\n  - a\n"}) == [
        "content/papers/p.yaml:6: tags[1]: expected a non-empty string, got an empty string",
        "content/papers/p.yaml:7: tags[2]: expected a non-empty string, got 3",
    ]


def test_long_values_are_truncated(tmp_path: Path) -> None:
    message = one_problem(tmp_path, f"tags: {'x' * 100}\n")
    assert message == f"content/papers/p.yaml:4: tags: expected a list of strings, got '{'x' * 36}..."


def test_list_item_and_top_level_must_be_mappings(tmp_path: Path) -> None:
    files = {
        "a.yaml": "- id: x\n  title: X\n  date: 2025-03-14\n- just a title\n- [1]\n",
        "b.yaml": "just text\n",
        "c.json": "3",
    }
    assert problems(tmp_path, files) == [
        "content/papers/a.yaml:4: expected a mapping (one paper), got a string ('just a title')",
        "content/papers/a.yaml:5: expected a mapping (one paper), got a list",
        "content/papers/b.yaml:1: expected a mapping (one paper) or a list of papers, "
        "got a string ('just text')",
        "content/papers/c.json:1: expected a mapping (one paper) or a list of papers, got int 3",
    ]


def test_all_problems_from_all_files_at_once(tmp_path: Path) -> None:
    files = {
        "2025/a.yaml": 'id: "a"\ntitle: A\ndate: 2025-03-14\ntags: llm\nupvotes: -1\n',
        "2025/b.json": '[\n  {"id": "b", "title": "", "date": "2025-03-14"},\n'
        '  {\n    "id": "c",\n    "title": "C",\n'
        '    "date": "2025-03-14",\n    "links": {"code": "data:text/html,x"}\n  }\n]\n',
        "c.yaml": "id: c\ntitle: [broken\n",
        "d.yaml": b"id: d\ntitle: \xff\n",
        "e.json": '{"id": "e", "id": "e2"}',
    }
    assert problems(tmp_path, files) == [
        "content/papers/2025/a.yaml:4: tags: expected a list of strings, got 'llm'",
        "content/papers/2025/a.yaml:5: upvotes: must not be negative, got -1",
        "content/papers/2025/b.json:2: title: must not be empty",
        "content/papers/2025/b.json:7: links.code: "
        "URL scheme 'data' is not allowed (use http, https or mailto)",
        "content/papers/c.yaml:3: invalid YAML: did not find expected ',' or ']' "
        "(while parsing a flow sequence that began on line 2)",
        "content/papers/d.yaml:2: not valid UTF-8 (byte 0xff); save the file as UTF-8",
        "content/papers/e.json:1: id: duplicate key (first given on line 1)",
    ]


def test_papers_folder_that_is_a_file(tmp_path: Path) -> None:
    make_site(tmp_path, {})
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "papers").write_text("")
    with pytest.raises(ContentError) as caught:
        load_papers(load_config(tmp_path))
    assert [str(p) for p in caught.value.problems] == ["content/papers: expected a folder of paper files"]


# --- check_url ---


@pytest.mark.parametrize(
    "url",
    [
        "https://arxiv.org/abs/2403.09629",
        "http://x.org",
        "HTTPS://X.ORG/",
        "mailto:a@b.org",
        "/pdf/x.pdf",
        "files/x.pdf",
        "../x",
        "#top",
        "?q=1",
        "//cdn.example.org/x.png",
        "  https://x.org  ",
        "x.html?a=b:c",
    ],
)
def test_check_url_accepts(url: str) -> None:
    assert check_url(url) is None


@pytest.mark.parametrize(
    "url, scheme",
    [
        ("javascript:alert(1)", "javascript"),
        ("JaVaScRiPt:alert(1)", "javascript"),
        ("  javascript:alert(1)", "javascript"),
        ("\x01javascript:alert(1)", "javascript"),
        ("java\tscript:alert(1)", "javascript"),
        ("java\nscript:alert(1)", "javascript"),
        ("jav\r\nascript:alert(1)", "javascript"),
        ("data:text/html;base64,PHNjcmlwdD4=", "data"),
        ("file:///etc/passwd", "file"),
        ("vbscript:msgbox", "vbscript"),
        ("ftp://x.org", "ftp"),
        ("C:\\papers\\x.pdf", "c"),
    ],
)
def test_check_url_rejects_schemes(url: str, scheme: str) -> None:
    assert check_url(url) == f"URL scheme '{scheme}' is not allowed (use http, https or mailto)"


def test_check_url_other_problems() -> None:
    assert check_url("") == "URL must not be empty"
    assert check_url(" \t") == "URL must not be empty"
    assert (
        check_url("https:example.org")
        == "expected an absolute URL such as https://example.org/, got 'https:example.org'"
    )
    assert (
        check_url("https://x.org/a\nb")
        == "URL must not contain control characters such as tabs or line breaks"
    )
    assert check_url("/a\x00b") == "URL must not contain control characters such as tabs or line breaks"


@pytest.mark.parametrize(
    "url, problem",
    [
        ("mailto:me@x.org", "URL scheme 'mailto' is not allowed (use http, https or a path inside the site)"),
        (
            "data:image/png;base64,iVBORw0KGgo=",
            "URL scheme 'data' is not allowed (use http, https or a path inside the site)",
        ),
        (
            " JaVa\tScRiPt:alert(1)",
            "URL scheme 'javascript' is not allowed (use http, https or a path inside the site)",
        ),
        ("../secret.png", "a path must stay inside the site (no '..'), got '../secret.png'"),
        ("/static/../../x.png", "a path must stay inside the site (no '..'), got '/static/../../x.png'"),
        ("thumbs/%2E%2e/x.png", "a path must stay inside the site (no '..'), got 'thumbs/%2E%2e/x.png'"),
        ("https://x.org/a.png", None),
        ("https://x.org/a/../b.png", None),  # another host's path: not ours to judge
        ("//cdn.example.org/x.png", None),
        ("thumbs/x.png", None),
        ("/static/x..y.png", None),
        ("x.png?v=..", None),
    ],
)
def test_a_thumbnail_is_an_http_url_or_a_path_inside_the_site(
    tmp_path: Path, url: str, problem: str | None
) -> None:
    assert check_image_url(url) == problem
    if problem is None:
        [paper] = papers(tmp_path, {"p.yaml": ENTRY + f"thumbnail: {json.dumps(url)}\n"})
        assert paper.thumbnail == url
    else:
        reported = one_problem(tmp_path, f"thumbnail: {json.dumps(url)}\n")
        assert reported == f"content/papers/p.yaml:4: thumbnail: {problem}"


def test_urls_are_stored_trimmed(tmp_path: Path) -> None:
    [paper] = papers(
        tmp_path, {"p.yaml": ENTRY + "links:\n  code: '  https://x.org/y '\nthumbnail: ' t.png'\n"}
    )
    assert paper.links == (("code", "https://x.org/y"),)
    assert paper.thumbnail == "t.png"


# --- the documented examples stay valid ---

DOCS = Path(__file__).parents[2] / "docs" / "content.md"


def test_examples_in_docs_load(tmp_path: Path) -> None:
    examples = re.findall(r"<!-- example: (\S+) -->\n```\w+\n(.*?)```", DOCS.read_text(), re.S)
    assert [name for name, _ in examples] == ["2025-03-14.yaml", "2025-03-15.json"]
    loaded = papers(tmp_path, dict(examples))
    assert [p.id for p in loaded] == ["2403.09629", "hep-th/9901001", "2403.09629v2"]
    assert loaded[0].title == "Quiet-STaR: Language Models Can Teach Themselves to Think Before Speaking"


def test_digest_follows_the_source_text(tmp_path: Path) -> None:
    files = {
        "a.yaml": ENTRY,
        "b.yaml": "- {id: b1, title: B, date: 2025-03-14}\n- {id: b2, title: B, date: 2025-03-14}\n",
    }
    a, b1, b2 = papers(tmp_path, files)
    assert len({a.digest, b1.digest, b2.digest}) == 3
    assert [p.digest for p in papers(tmp_path, files)] == [a.digest, b1.digest, b2.digest]
    files["a.yaml"] = ENTRY + "upvotes: 1\n"
    assert papers(tmp_path, files)[0].digest != a.digest


def test_parsing_across_processes_gives_the_same_papers_and_problems(tmp_path, monkeypatch):
    from sitegen import loading
    from sitegen.config import load_config as load_site_config
    from sitegen.errors import ContentError as Failure

    monkeypatch.setattr(loading, "PARALLEL_PARSE_FILES", 0)
    site = tmp_path / "site"
    folder = site / "content/papers"
    folder.mkdir(parents=True)
    (site / "site.yaml").write_text("title: T\nbase_url: https://e.org/\n")
    for day in range(1, 9):
        (folder / f"2025-03-{day:02d}.yaml").write_text(
            f"- id: p{day}\n  title: Paper {day}\n  date: 2025-03-{day:02d}\n  tags: [a, b]\n"
        )
    config = load_site_config(site)
    calls: list[int] = []
    serial = loading.load_papers(config, workers=1, meanwhile=lambda: calls.append(1))
    parallel = loading.load_papers(config, workers=2, meanwhile=lambda: calls.append(2))
    assert parallel == serial and len(parallel) == 8
    assert calls == [1, 2], "'meanwhile' runs once either way"

    (folder / "2025-03-05.yaml").write_text("- id: p5\n  title: Paper 5\n  date: 2025-03-05\n  tags: llm\n")
    # A duplicate across files: ids are registered by the parent, in file order.
    (folder / "2025-03-07.yaml").write_text(
        "- {id: p7, title: Paper 7, date: 2025-03-07}\n- {id: P1, title: P, date: 2025-03-07}\n"
    )
    (folder / "2025-03-06.yaml").unlink()
    (folder / "2025-03-06.yaml").symlink_to(folder / "gone.yaml")  # listed, but cannot be read
    problems = []
    for workers in (1, 2):
        with pytest.raises(Failure) as caught:
            loading.load_papers(config, workers=workers)
        problems.append([str(p) for p in caught.value.problems])
    assert (
        problems[0]
        == problems[1]
        == [
            "content/papers/2025-03-05.yaml:4: tags: expected a list of strings, got 'llm'",
            "content/papers/2025-03-06.yaml: is a broken symbolic link",
            "content/papers/2025-03-07.yaml:2: id: duplicate id 'P1' "
            "(same page as 'p1' in content/papers/2025-03-01.yaml:1)",
        ]
    )


def test_a_cached_file_whose_row_cannot_be_read_is_checked_again(tmp_path):
    import sqlite3

    from sitegen.cache import ParseCache
    from sitegen.config import load_config as load_site_config
    from sitegen.loading import load_papers

    site = tmp_path / "site"
    (site / "content/papers").mkdir(parents=True)
    (site / "site.yaml").write_text("title: T\nbase_url: https://e.org/\n")
    (site / "content/papers/a.yaml").write_text(ENTRY)
    config = load_site_config(site)
    store = tmp_path / "papers.sqlite"
    cache = ParseCache(store, "UTC")
    first = load_papers(config, cache)
    cache.save()
    with sqlite3.connect(store) as connection:
        connection.execute("UPDATE papers SET papers = ?", (b"truncated",))
    assert load_papers(config, ParseCache(store, "UTC")) == first


@pytest.mark.parametrize("workers", [1, 2])
def test_a_cold_load_hashes_each_content_file_once(tmp_path, monkeypatch, workers):
    from sitegen import cache as cache_module
    from sitegen import loadforks, loading
    from sitegen.cache import ParseCache
    from sitegen.config import load_config as load_site_config

    monkeypatch.setattr(loading, "PARALLEL_PARSE_FILES", 0)
    site = tmp_path / "site"
    (site / "content/papers").mkdir(parents=True)
    (site / "site.yaml").write_text("title: T\nbase_url: https://e.org/\n")
    files = {f"{day}.yaml": f"id: p{day}\ntitle: Paper {day}\ndate: 2025-03-0{day}\n" for day in range(1, 5)}
    files["bad.yaml"] = "id: bad\ntitle: [1]\ndate: 2025-03-05\n"
    for name, text in files.items():
        (site / "content/papers" / name).write_text(text)
    real = cache_module.content_digest
    digests = sorted(real(text.encode()) for text in files.values())
    log = tmp_path / "hashed.log"

    def recording_digest(raw):  # in this process and in the workers, which read and hash files
        with log.open("a") as handle:
            handle.write(real(raw) + "\n")
        return real(raw)

    monkeypatch.setattr(cache_module, "content_digest", recording_digest)
    monkeypatch.setattr(loading, "content_digest", recording_digest)
    monkeypatch.setattr(loadforks, "content_digest", recording_digest)
    cache = ParseCache(tmp_path / "papers.sqlite", "UTC")
    with pytest.raises(ContentError):  # bad.yaml: a title must be text
        loading.load_papers(load_site_config(site), cache, workers)
    hashed = log.read_text().split()
    assert sorted(d for d in hashed if d in digests) == digests, "each file hashed once"
    assert cache.digests() == {
        f"content/papers/{name}": real(text.encode()) for name, text in files.items() if name != "bad.yaml"
    }, "the files that loaded are known by their digests, for the fingerprint and the next build"


def test_a_load_from_the_parse_cache_hashes_each_file_once(tmp_path, monkeypatch):
    from sitegen import loading
    from sitegen.cache import ParseCache
    from sitegen.config import load_config as load_site_config

    site = tmp_path / "site"
    (site / "content/papers").mkdir(parents=True)
    (site / "site.yaml").write_text("title: T\nbase_url: https://e.org/\n")
    texts = [f"id: p{day}\ntitle: Paper {day}\ndate: 2025-03-0{day}\n" for day in range(1, 4)]
    for day, text in enumerate(texts, 1):
        (site / f"content/papers/{day}.yaml").write_text(text)
    config = load_site_config(site)
    first = ParseCache(tmp_path / "papers.sqlite", "UTC")
    cold = load_papers(config, first)
    first.save()
    (site / "content/papers/3.yaml").write_text(texts[2].replace("Paper 3", "Paper three"))
    hashed: list[bytes] = []
    real = loading.content_digest
    monkeypatch.setattr(loading, "content_digest", lambda raw: hashed.append(raw) or real(raw))
    cache = ParseCache(tmp_path / "papers.sqlite", "UTC")
    warm = load_papers(config, cache)
    assert warm[:2] == cold[:2] and warm[2].title == "Paper three"
    raws = {text.encode() for text in texts[:2]} | {texts[2].replace("Paper 3", "Paper three").encode()}
    assert sorted(raw for raw in hashed if raw in raws) == sorted(raws), "each file hashed once"


@pytest.mark.parametrize("workers", [1, 2])
def test_a_one_paper_files_bytes_are_hashed_once_for_the_cache_and_the_papers_digest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    """A one-paper file's paper digest is made from the digest of its bytes
    (the parse cache's key), not by hashing the same text again; the same with
    or without a cache, in this process or a fork. A list's entries are hashed
    each from its own text."""
    from sitegen import entries, loading
    from sitegen.cache import ParseCache

    monkeypatch.setattr(loading, "PARALLEL_PARSE_FILES", 0)
    files = {f"{n:02d}.yaml": ENTRY.replace("2403.09629", f"p{n}") for n in range(6)}
    files["list.yaml"] = "- {id: b1, title: B, date: 2025-03-14}\n- {id: b2, title: B, date: 2025-03-14}\n"
    site = make_site(tmp_path, files)
    hashed: list[bytes] = []
    real = entries.hashlib.sha256

    class Counting:
        @staticmethod
        def sha256(data: bytes):  # noqa: ANN205
            hashed.append(data)
            return real(data)

    monkeypatch.setattr(entries, "hashlib", Counting)
    plain = load_papers(load_config(site))
    assert len(hashed) == 2, "a list's two entries, each from its own text; no one-paper file"
    cached = load_papers(load_config(site), ParseCache(tmp_path / "c.sqlite", "UTC"), workers=workers)
    assert [p.digest for p in cached] == [p.digest for p in plain]
    assert len({p.digest for p in plain}) == 8 and all(len(p.digest) == 24 for p in plain)


def test_editing_one_entry_of_a_list_changes_only_its_digest(tmp_path: Path) -> None:
    text = (
        "# day file\n- id: c1\n  title: C\n  date: 2025-03-14\n\n- id: c2\n  title: C\n  date: 2025-03-14\n"
    )
    c1, c2 = papers(tmp_path, {"c.yaml": text})
    assert c1.digest != c2.digest
    edited = text.replace("title: C\n  date: 2025-03-14\n\n", "title: C, edited\n  date: 2025-03-14\n\n")
    e1, e2 = papers(tmp_path, {"c.yaml": edited})
    assert e1.title == "C, edited" and e1.digest != c1.digest
    assert e2.digest == c2.digest


def test_workers_hand_their_papers_back_and_leave_them_in_the_parse_cache_for_the_next_build(
    tmp_path, monkeypatch
):
    from sitegen import loadforks, loading
    from sitegen.cache import ParseCache
    from sitegen.config import load_config as load_site_config

    monkeypatch.setattr(loading, "PARALLEL_PARSE_FILES", 0)
    site = tmp_path / "site"
    (site / "content/papers").mkdir(parents=True)
    (site / "site.yaml").write_text("title: T\nbase_url: https://e.org/\n")
    for day in range(1, 10):
        (site / f"content/papers/{day}.yaml").write_text(
            f"id: p{day}\ntitle: Paper {day}\ndate: 2025-03-0{day}\n"
        )
    config = load_site_config(site)
    serial = loading.load_papers(config, ParseCache(tmp_path / "serial.sqlite", "UTC"), 1)
    names = [f"content/papers/{day}.yaml" for day in range(1, 10)]

    handed: list[bool] = []  # whether each file's papers came from the cache
    real_take = loading.Loader.take

    def recording(self, path, shown, checked):
        handed.append(checked.cached)
        return real_take(self, path, shown, checked)

    monkeypatch.setattr(loading.Loader, "take", recording)
    stored: list[str] = []  # files whose rows a worker wrote (told in its last word)
    real_stored = ParseCache.stored
    monkeypatch.setattr(
        ParseCache,
        "stored",
        lambda self, files: stored.extend(name for name, _ in files) or real_stored(self, files),
    )
    marker = tmp_path / "worker-started"
    worker_goes_first(loading, monkeypatch, marker)
    cache = ParseCache(tmp_path / "cache.sqlite", "UTC")
    assert loading.load_papers(config, cache, 2) == serial
    assert stored, "a worker checked some files, and stored their papers"
    assert sorted(cache.digests()) == names
    cache.save()
    handed.clear()
    assert loading.load_papers(config, ParseCache(tmp_path / "cache.sqlite", "UTC"), 2) == serial
    assert handed == [True] * 9, "the next build finds every file's papers in the cache"

    # A store the worker cannot write: its papers still come back, and are not counted as stored.
    monkeypatch.setattr(loadforks, "write_many", lambda rows: False)
    handed.clear()
    stored.clear()
    marker.unlink()
    cache = ParseCache(tmp_path / "unwritable.sqlite", "UTC")
    assert loading.load_papers(config, cache, 2) == serial
    assert not stored, "no file is counted as stored"
    assert set(cache.digests()) < set(names), "the worker's files are not among those the cache holds"


def test_batches_hold_every_file_once_in_order_the_last_eighth_in_quarter_batches(tmp_path, monkeypatch):
    from sitegen import loadforks, loading
    from sitegen.config import load_config as load_site_config

    monkeypatch.setattr(loading, "PARALLEL_PARSE_FILES", 0)
    site = tmp_path / "site"
    (site / "content/papers").mkdir(parents=True)
    (site / "site.yaml").write_text("title: T\nbase_url: https://e.org/\n")
    for n in range(300):
        (site / f"content/papers/{n:03d}.yaml").write_text(f"id: p{n}\ntitle: P\ndate: 2025-03-01\n")
    made = []
    real = loadforks.share_forked

    def recording(count, work, tasks, *args):
        real(count, work, tasks, *args)
        made.extend(tasks)  # after: the fork lists the files

    monkeypatch.setattr(loadforks, "share_forked", recording)
    assert len(loading.load_papers(load_site_config(site), workers=2)) == 300
    assert [index for index, _ in made] == list(range(len(made)))
    files = [shown for _, batch in made for shown, _ in batch]
    assert files == [f"content/papers/{n:03d}.yaml" for n in range(300)]
    sizes = [len(batch) for _, batch in made]
    # 300 files for 2 processes: batches of 300 // 64 = 4, the last 37 files one a batch.
    assert sizes == [4] * 65 + [3] + [1] * 37


# --- control characters and noncharacters: refused in every text field, with its place ---

HEAD = "id: x\ntitle: T\ndate: 2025-03-14\n"


@pytest.mark.parametrize(
    ("escape", "kind", "code"),
    [
        ("\\u0007", "a control character", "0007"),
        ("\\0", "a control character", "0000"),
        ("\\e", "a control character", "001B"),
        ("\\x7f", "a control character", "007F"),
        ("\\x9b", "a control character", "009B"),
        ("\\ufffe", "a noncharacter", "FFFE"),
        ("\\uFDD0", "a noncharacter", "FDD0"),
        ("\\U0001FFFF", "a noncharacter", "1FFFF"),
    ],
)
def test_a_forbidden_character_in_a_title_is_reported_at_its_field(tmp_path, escape, kind, code):
    text = f'id: x\ntitle: "a{escape}b"\ndate: 2025-03-14\n'
    assert problems(tmp_path, {"a.yaml": text}) == [
        f"content/papers/a.yaml:2: title: contains {kind} (U+{code}, character 2); remove it"
    ]


def test_every_text_field_is_checked(tmp_path):
    text = (
        HEAD
        + 'abstract: "\\x07"\nnote: "\\x07"\nvenue: "\\x07"\ntags: [ok, "\\x07"]\n'
        + 'authors: ["\\x07", {name: A, affiliation: "\\x07"}]\n'
        + 'links: {"\\x07": "https://a.org/", b: "https://a.org/\\x07"}\nthumbnail: "https://a.org/\\ufffe"\n'
        + 'extra: {a: [1, "\\x07"], "\\x07": 1}\n'
    )
    message = "contains a control character (U+0007, character 1); remove it"
    assert problems(tmp_path, {"a.yaml": text}) == [
        f"content/papers/a.yaml:4: abstract: {message}",
        f"content/papers/a.yaml:5: note: {message}",
        f"content/papers/a.yaml:6: venue: {message}",
        f"content/papers/a.yaml:7: tags[1]: {message}",
        f"content/papers/a.yaml:8: authors[0]: {message}",
        f"content/papers/a.yaml:8: authors[1].affiliation: {message}",
        f"content/papers/a.yaml:9: links.\\x07: {message}",
        "content/papers/a.yaml:9: links.b: contains a control character (U+0007, character 15); remove it",
        "content/papers/a.yaml:10: thumbnail: contains a noncharacter (U+FFFE, character 15); remove it",
        f"content/papers/a.yaml:11: extra.\\x07: key {message}",
    ]


def test_json_escapes_are_checked_too(tmp_path):
    text = '[\n  {"id": "x", "title": "a\\u0000b", "date": "2025-03-14", "note": "\\b"}\n]\n'
    assert problems(tmp_path, {"a.json": text}) == [
        "content/papers/a.json:2: note: contains a control character (U+0008, character 1); remove it",
        "content/papers/a.json:2: title: contains a control character (U+0000, character 2); remove it",
    ]


def test_raw_characters_past_libyaml_and_json_are_checked(tmp_path):
    # libyaml lets noncharacters past plane 0 through; json lets DEL and C1 through.
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert problems(tmp_path / "a", {"a.yaml": "id: x\ntitle: a\U0001fffeb\ndate: 2025-03-14\n"}) == [
        "content/papers/a.yaml:2: title: contains a noncharacter (U+1FFFE, character 2); remove it"
    ]
    assert problems(tmp_path / "b", {"b.json": '{"id": "y", "title": "a\x85b", "date": "2025-03-14"}'}) == [
        "content/papers/b.json:1: title: contains a control character (U+0085, character 2); remove it"
    ]


def test_tabs_and_line_breaks_are_text(tmp_path):
    text = HEAD.replace("title: T", 'title: "a\\tb"') + 'abstract: "one\\r\\ntwo\\tthree"\ntags: ["x\\ty"]\n'
    [loaded] = papers(tmp_path, {"a.yaml": text})
    assert loaded.title == "a b"
    assert loaded.abstract == "one\r\ntwo\tthree"
    assert loaded.tags == ("x\ty",)


def test_a_site_with_every_allowed_awkward_character_builds_its_feeds(tmp_path):
    from sitegen.build import build

    text = HEAD.replace("title: T", 'title: "Tab\\there \\u00a0 \\U0001F600 \\u2028"') + (
        'abstract: "CR\\r\\nLF\\n\\u00ad \\uFFFD"\nauthors: ["Zo\\u00eb\\tB"]\ntags: ["\\u200b"]\n'
    )
    site = make_site(tmp_path, {"a.yaml": text})
    build(site, workers=1)
    for feed in ("atom.xml", "rss.xml"):
        assert "Tab here" in (site / "output" / feed).read_text(encoding="utf-8")


def test_json_escaped_backslashes_are_not_escapes(tmp_path):
    for name in "abc":
        (tmp_path / name).mkdir()
    # \\u0007 is a backslash and "u0007"; \\\u0007 is a backslash and a bell.
    fine = '{"id": "x", "title": "LaTeX \\\\frac and \\\\u0007 \\\\b", "date": "2025-03-14"}'
    assert [p.title for p in papers(tmp_path / "a", {"a.json": fine})] == ["LaTeX \\frac and \\u0007 \\b"]
    bad = '{"id": "x", "title": "T", "date": "2025-03-14", "note": "\\\\\\u0007"}'
    assert problems(tmp_path / "b", {"a.json": bad}) == [
        "content/papers/a.json:1: note: contains a control character (U+0007, character 2); remove it"
    ]
    pair = '{"id": "x", "title": "\\ud83d\\ude00 \\u00e9", "date": "2025-03-14"}'
    assert [p.title for p in papers(tmp_path / "c", {"a.json": pair})] == ["\U0001f600 é"]


def test_json_with_characters_yaml_refuses_still_gives_lines(tmp_path):
    text = '[\n  {"id": "x",\n   "title": "a\x96b",\n   "date": "2025-03-14",\n'
    text += '   "note": "\u2028\ufeff",\t"venue": "v"}\n]\n'
    assert problems(tmp_path, {"a.json": text}) == [
        "content/papers/a.json:3: title: contains a control character (U+0096, character 2); remove it"
    ]
