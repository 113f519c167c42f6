"""documents.py: YAML/JSON parsing, lazy line numbers, and every parse failure as a Problem."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml

from sitegen.documents import Document, field_name, load_document


def load(tmp_path: Path, name: str, content: str | bytes) -> Document:
    path = tmp_path / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return load_document(path, f"content/{name}")


def messages(doc: Document) -> list[str]:
    return [str(p) for p in doc.problems]


# --- happy paths ---


def test_yaml_mapping_and_lines(tmp_path: Path) -> None:
    doc = load(
        tmp_path,
        "a.yaml",
        "# a comment\nid: '1'\ntitle: T\nauthors:\n  - Ada\n  - name: Alan\n    url: https://x.org\n",
    )
    assert doc.problems == []
    assert doc.data["authors"][1] == {"name": "Alan", "url": "https://x.org"}
    assert doc.line_at(("title",)) == 3
    assert doc.line_at(("authors", 0)) == 5
    assert doc.line_at(("authors", 1, "url")) == 7
    # A key that is not there points at its closest parent.
    assert doc.line_at(("authors", 1, "affiliation")) == 6


def test_yaml_list_lines(tmp_path: Path) -> None:
    doc = load(tmp_path, "a.yaml", "- id: a\n  title: A\n\n- id: b\n  tags: [x, y]\n")
    assert [item["id"] for item in doc.data] == ["a", "b"]
    assert doc.line_at((1,)) == 4
    assert doc.line_at((1, "tags")) == 5


def test_json_lines(tmp_path: Path) -> None:
    text = '[\n  {"id": "a"},\n  {\n\t"id": "b",\n\t"links": {\n\t  "code": "https://x.org"\n\t}\n  }\n]\n'
    doc = load(tmp_path, "a.json", text)
    assert doc.problems == []
    assert doc.data[1]["links"] == {"code": "https://x.org"}
    assert doc.line_at((1, "id")) == 4
    assert doc.line_at((1, "links", "code")) == 6


@pytest.mark.parametrize("name, text", [("e.yaml", ""), ("e.yml", "# only a comment\n"), ("e.json", " \n")])
def test_empty_files_hold_nothing(tmp_path: Path, name: str, text: str) -> None:
    doc = load(tmp_path, name, text)
    assert doc.data is None and doc.problems == []


def test_utf8_bom_is_fine(tmp_path: Path) -> None:
    doc = load(tmp_path, "a.yaml", "\ufefftitle: Café\n".encode())
    assert doc.data == {"title": "Café"}


def test_source_at_gives_the_text_as_written(tmp_path: Path) -> None:
    doc = load(tmp_path, "a.yaml", "- id: 2403.09630\n")
    assert doc.data[0]["id"] == 2403.0963  # what YAML made of it
    assert doc.source_at((0, "id")) == "2403.09630"
    json_doc = load(tmp_path, "a.json", '{"id": 2403.09630}')
    assert json_doc.source_at(("id",)) == "2403.09630"
    assert json_doc.source_at(("missing",)) is None


def test_field_name() -> None:
    assert field_name(("authors", 1, "name")) == "authors[1].name"
    assert field_name((3, "tags", 0)) == "tags[0]"  # the entry's index in a list file is left out
    assert field_name(("links", "code")) == "links.code"
    assert field_name(()) == ""


# --- problems ---


def test_malformed_yaml(tmp_path: Path) -> None:
    doc = load(tmp_path, "a.yaml", "id: a\ntags: [x, y\nupvotes: 3\n")
    assert doc.data is None
    assert messages(doc) == [
        "content/a.yaml:3: invalid YAML: did not find expected ',' or ']' "
        "(while parsing a flow sequence that began on line 2)"
    ]


def test_malformed_json(tmp_path: Path) -> None:
    doc = load(tmp_path, "a.json", '{\n  "id": "a",\n  "tags": ["x",]\n}\n')
    assert messages(doc) == ["content/a.json:3: invalid JSON: Expecting value (column 16)"]


def test_several_yaml_documents(tmp_path: Path) -> None:
    doc = load(tmp_path, "a.yaml", "id: a\n---\nid: b\n")
    assert messages(doc) == [
        "content/a.yaml:2: invalid YAML: found another document "
        "(expected a single document in the stream that began on line 1)"
    ]


def test_duplicate_keys_yaml(tmp_path: Path) -> None:
    text = "- id: a\n  title: A\n  authors:\n    - name: X\n      name: Y\n  title: B\n"
    doc = load(tmp_path, "a.yaml", text)
    assert doc.data is None
    assert messages(doc) == [
        "content/a.yaml:5: authors[0].name: duplicate key (first given on line 4)",
        "content/a.yaml:6: title: duplicate key (first given on line 2)",
    ]


def test_duplicate_keys_json(tmp_path: Path) -> None:
    doc = load(tmp_path, "a.json", '{\n  "id": "a",\n  "tags": [],\n  "id": "b"\n}\n')
    assert doc.data is None
    assert messages(doc) == ["content/a.json:4: id: duplicate key (first given on line 2)"]


def test_non_utf8(tmp_path: Path) -> None:
    doc = load(tmp_path, "a.yaml", "id: a\ntitle: Caf\xe9\n".encode("latin-1"))
    assert messages(doc) == ["content/a.yaml:2: not valid UTF-8 (byte 0xe9); save the file as UTF-8"]


def test_control_character_in_yaml_has_a_line(tmp_path: Path) -> None:
    doc = load(tmp_path, "a.yaml", "title: 'é'\nnote: 'x\x01'\n")
    assert len(doc.problems) == 1
    assert doc.problems[0].line == 2
    assert "control characters are not allowed" in doc.problems[0].message


def test_impossible_date_is_a_problem_not_a_traceback(tmp_path: Path) -> None:
    doc = load(tmp_path, "a.yaml", "id: a\ndate: 2025-02-30\n")
    # The problem, and the date as the text it is, so the rest of the file is still checked.
    assert doc.data == {"id": "a", "date": "2025-02-30"}
    assert messages(doc) == [
        "content/a.yaml:2: date: impossible date '2025-02-30' (day is out of range for month)"
    ]


def test_impossible_datetime_in_a_list(tmp_path: Path) -> None:
    doc = load(tmp_path, "a.yaml", "- id: a\n- id: b\n  updated: 2025-03-14T25:00:00Z\n")
    assert messages(doc) == [
        "content/a.yaml:3: updated: impossible date '2025-03-14T25:00:00Z' (hour must be in 0..23)"
    ]


def test_bad_tagged_scalar(tmp_path: Path) -> None:
    doc = load(tmp_path, "a.yaml", "extra:\n  score: !!float abc\n")
    assert [(p.line, p.field) for p in doc.problems] == [(2, "extra.score")]
    assert doc.problems[0].message.startswith("invalid float 'abc'")


def test_recursive_alias(tmp_path: Path) -> None:
    doc = load(tmp_path, "a.yaml", "extra: &x\n  - *x\n")
    assert messages(doc) == ["content/a.yaml: invalid YAML: an alias is used inside its own anchor"]


def test_alias_bomb_is_checked_quickly(tmp_path: Path) -> None:
    # Nine levels of nine-fold aliases: 9**9 nodes if walked as a tree.
    lines = ["a: &a [1, 2]"]
    for level, name in enumerate("bcdefghij"):
        previous = "abcdefghij"[level]
        lines.append(f"{name}: &{name} [{', '.join(['*' + previous] * 9)}]")
    started = time.perf_counter()
    doc = load(tmp_path, "a.yaml", "\n".join(lines) + "\n")
    assert messages(doc) == [
        "content/a.yaml: invalid YAML: aliases repeat more than limits.aliases (100,000) values"
    ]
    assert time.perf_counter() - started < 5


def test_aliases_within_the_limit_are_read(tmp_path: Path) -> None:
    doc = load(tmp_path, "a.yaml", "a: &a [1, 2]\nb: [*a, *a, *a]\n")
    assert doc.problems == []
    assert doc.data == {"a": [1, 2], "b": [[1, 2]] * 3}


def test_json_lone_surrogate(tmp_path: Path) -> None:
    doc = load(tmp_path, "a.json", '{\n  "ok": "\\ud83d\\ude00",\n  "title": "x\\ud800y"\n}\n')
    assert doc.data is None
    assert [(p.line, p.message) for p in doc.problems] == [
        (3, "invalid JSON: unpaired surrogate escape (such as \\ud800) is not text")
    ]
    assert load(tmp_path, "b.json", '{"ok": "\\ud83d\\ude00"}').data == {"ok": "\U0001f600"}


def test_json_nested_too_deeply(tmp_path: Path) -> None:
    doc = load(tmp_path, "a.json", "[" * 100_000)
    assert messages(doc) == ["content/a.json: invalid JSON: nested too deeply"]


def test_unreadable_file(tmp_path: Path) -> None:
    doc = load_document(tmp_path / "missing.yaml", "content/missing.yaml")
    assert len(doc.problems) == 1
    assert str(doc.problems[0]).startswith("content/missing.yaml: cannot read file")


TRICKY_YAML = [
    "id: '2403.09629'\ntitle: A\nupvotes: 12\ndate: 2025-03-14\nflag: yes\nnothing: ~\nratio: 1.5e3\n",
    "- a: [1, 2, {b: c}]\n  when: 2025-03-14T09:30:00Z\n- {x: 0x1F, y: 0o17, z: 1_000}\n",
    "base: &base {tags: [a, b], n: 1}\nmerged:\n  <<: *base\n  n: 2\n",  # a merge key
    "shared: &s [1, 2]\nagain: *s\n",  # an alias
    "2024: year as a key\ntrue: bool key\n",  # keys that are not strings
    "set: !!set {a, b}\nbinary: !!binary aGk=\nstr: !!str 12\n",
    "text: |\n  two\n  lines\nfolded: >\n  one\n  line\n",
]


@pytest.mark.parametrize("text", TRICKY_YAML)
def test_yaml_data_is_what_pyyaml_makes(tmp_path: Path, text: str) -> None:
    import yaml

    doc = load(tmp_path, "a.yaml", text)
    assert doc.problems == []
    assert doc.data == yaml.safe_load(text)


def test_an_alias_gives_the_same_object_as_pyyaml_does(tmp_path: Path) -> None:
    doc = load(tmp_path, "a.yaml", "shared: &s [1, 2]\nagain: *s\n")
    assert doc.data["shared"] is doc.data["again"]


def test_duplicate_key_deep_inside_a_list_is_found(tmp_path: Path) -> None:
    doc = load(tmp_path, "a.yaml", "- id: x\n  links:\n    code: a\n    code: b\n")
    assert messages(doc) == ["content/a.yaml:4: links.code: duplicate key (first given on line 3)"]


def test_alias_copies_counts_what_expanding_every_alias_would_add() -> None:
    from sitegen.yamltree import alias_copies

    assert alias_copies(yaml.compose("a: [1, 2]\n")) == 0
    # b holds three more copies of a's list, of 3 nodes each.
    assert alias_copies(yaml.compose("a: &a [1, 2]\nb: [*a, *a, *a]\n")) == 9
    bomb = "a: &a [x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}]\n" for p, c in zip("abcdefghi", "bcdefghij", strict=True)
    )
    assert alias_copies(yaml.compose(bomb)) > 2**10


def test_a_key_with_a_control_character_is_not_printed_raw() -> None:
    assert field_name(("links", "a\x1b[31mb")) == "links.a\\x1b[31mb"
    assert field_name(("extra", "ok", 2)) == "extra.ok[2]"


def test_a_file_larger_than_the_limit_is_not_parsed(tmp_path: Path) -> None:
    from sitegen.limits import Limits

    path = tmp_path / "a.yaml"
    path.write_text("- a\n" * 15)
    doc = load_document(path, "content/a.yaml", limits=Limits(file_size=59))
    assert messages(doc) == [
        "content/a.yaml: file is 60 bytes, more than limits.file_size (59); split it or raise the limit"
    ]
    assert load_document(path, "content/a.yaml", limits=Limits(file_size=60)).problems == []


@pytest.mark.parametrize(
    "text",
    [
        yaml.safe_dump([{"id": "2401.00001", "title": "T", "abstract": "Text " * 20, "authors": ["A"]}]),
        "id: '2401.00001'\ntitle: T\nupvotes: 3\ndate: 2024-01-02\n",  # numbers and dates go to PyYAML
        "- &a {id: '1', title: T}\n- *a\n",  # aliases
    ],
)
def test_reading_a_file_leaves_no_reference_cycle(tmp_path, text):
    """The load runs with the cyclic GC off and freezes what is left
    (gcsettings.long_lived): a cycle per file kept every file's loader, node tree
    and values for the whole build (3.6 GB at the end of a 100k-paper load)."""
    import gc

    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    load_document(path)  # imports, caches: once before counting
    gc.collect()
    gc.disable()
    try:
        doc = load_document(path)
        assert doc.data is not None and not doc.problems
        del doc
        assert gc.collect() == 0
    finally:
        gc.enable()


@pytest.mark.parametrize(
    "name",
    ["a.json", "a.JSON", "x/.json", "x/..json", ".json", "..json", "x/a.Json", "json", "a.", "a"]
    + ["x.y/a", "a.b.yaml", "x.json/a", "a.jsonx", "a json", "/a.json", "a/.JSON"],
)
def test_a_documents_kind_from_a_text_path_is_its_paths_suffix(name):
    from sitegen.documents import _is_json

    assert _is_json(name) == (Path(name).suffix.lower() == ".json") == _is_json(Path(name))
