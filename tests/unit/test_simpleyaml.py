"""simpleyaml must read its subset exactly as libyaml + PyYAML do, and hand everything else back."""

from __future__ import annotations

import math
import random
import re
from datetime import date, datetime
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen import simpleyaml
from tests.sitekit import bench_module

REPO = Path(__file__).resolve().parents[2]


def reference(text: str) -> tuple[bool, object]:
    """(True, data) as libyaml and PyYAML's safe constructor read it, or (False, None) on an error."""
    try:
        return True, yaml.load(text, Loader=yaml.CSafeLoader)
    except (yaml.YAMLError, ValueError, OverflowError, TypeError):
        return False, None


def typed(value: object) -> object:
    """A comparable form that tells 1 from True and 1.0, and a date from a datetime."""
    if isinstance(value, dict):
        return ("dict", [(typed(k), typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [typed(v) for v in value])
    if isinstance(value, float) and math.isnan(value):
        return ("float", "nan")
    return (type(value).__name__, value)


def check(text: str) -> bool:
    """Assert the fast reader agrees with the reference; True if it read the text itself."""
    simple, data, _ = simpleyaml.load(text)
    if not simple:
        return False
    ok, expected = reference(text)
    assert ok, f"accepted a document libyaml rejects:\n{text}"
    assert typed(data) == typed(expected), f"read differently:\n{text}"
    return True


COMMON = """\
# a comment
- id: "2403.09629"
  title: 'Codebook Features: it''s sparse'
  date: 2025-03-14
  authors: ["Ada Lovelace", "Alan M. Turing"]
  tags: [language models, rendering]
  upvotes: 7
  links:
    arxiv: https://arxiv.org/abs/2403.09629  # the abstract page
    code: https://github.com/x/y
  abstract: |-
    First paragraph, with `code` and $x^2$.

      An indented line # not a comment
    Last line.

- id: second
  title: Plain title with a colon:inside and a #hash
  date: 2025-03-14 09:30:00+01:00
  published: 2025-03-13
  authors:
  - name: Grace Hopper
    affiliation: Navy
  - Someone Else
  venue: ~
  note: |
    Kept: one final line break.
"""


def test_the_usual_shape_is_read_here_and_as_libyaml_reads_it():
    assert check(COMMON)
    simple, data, _ = simpleyaml.load(COMMON)
    assert data[0]["date"] == date(2025, 3, 14) and data[0]["upvotes"] == 7
    assert data[0]["abstract"].endswith("\n  An indented line # not a comment\nLast line.")
    assert data[1]["venue"] is None and data[1]["note"] == "Kept: one final line break.\n"
    assert isinstance(data[1]["date"], datetime)


def test_the_sample_site_and_a_bench_corpus_are_read_here():

    generate = bench_module("generate")
    files = sorted((REPO / "content").rglob("*.yaml"))
    assert files
    texts = [f.read_text(encoding="utf-8") for f in files]
    texts += [generate._yaml_day(batch) for batch in generate.papers(200, seed=3)]
    for text in texts:
        assert check(text), "the common case fell back to libyaml"


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\na: 2\n",  # duplicate key
        "a: &x 1\nb: *x\n",  # anchors and aliases
        "a: !!str 1\n",  # tags
        "a: >\n  folded\n  text\n",  # folded scalars
        'a: "escaped \\" quote"\n',  # escapes
        "a: {b: 1}\n",  # flow mappings
        "a: plain # comment\n  continued\n",  # a comment, then more of a plain scalar
        "a: 'not closed\n  at all\n",  # a quoted scalar never closed
        "a: 'x\nb: y'\n",  # the next line not indented past the key
        'a: "double quoted\n  over two lines"\n',  # escapes may fold these: libyaml reads them
        "a:\tx\n",  # tabs
        "a: x\r\nb: y\r\n",  # CR LF line breaks
        "---\na: 1\n",  # document markers
        "a: 1\n---\nb: 2\n",
        "a: 1\n...\n",
        "%YAML 1.1\n---\na: 1\n",  # a directive
        "a: x\x7fy\n",  # characters that are not printable, ASCII or not
        "a: x\x1by\n",
        "a: x\x00\n",
        "a: caf\u00e9\u0085b\n",
        "a: b\u2028c\n",
        "\ufeffa: 1\n",
        "1: a\n",  # a key that is not a string
        "yes: a\n",
        "a: b: c\n",  # an error
        "a: [1, 2\n",  # an unclosed list
        "a: |2\n   x\n",  # an indentation indicator
        "a: 2025-02-30\n",  # an impossible date
        "- a\nb: c\n",  # an error
        "just a scalar\n",
        "a: |\n  x",  # no final line break
    ],
)
def test_anything_else_goes_to_libyaml(text):
    assert simpleyaml.load(text) == (False, None, None)


# fmt: off
KEYS = ["id", "title", "date", "tags", "a b", "x-y", "k.v", "yes", "1", "null", "on", "Key"]
SCALARS = [
    "word", "two words", "7", "-3", "+4", "0x1F", "0o17", "017", "1_000", "1e3", "1.5", ".5", "1:30",
    "190:20:30", "2025-03-14", "2025-02-30", "2025-03-14 10:00:00", "2025-03-14t10:00:00.5Z",
    "~", "null", "Null", "NULL", "yes", "No", "on", "OFF", "true", "y", "n", "=", "<<", ".inf", "-.Inf",
    ".nan", "https://example.org/a?b=c#frag", "a:b", "a: b", "a #b", "a#b", "end:", "-x", "- x", "?x",
    ":x", "&a", "*a", "!x", "%x", "@x", "`x", "|", ">", "[x]", "{x}", "x, y", "x]", "'q'", '"q"',
    "it's", 'say "hi"', "back\\slash", "ünïcödé", "no\u00a0break", "trailing ", " leading", "",
]
# fmt: on


def _scalar(rng: random.Random) -> str:
    value = rng.choice(SCALARS)
    style = rng.random()
    if style < 0.2:
        return '"' + value + '"'
    if style < 0.35:
        return "'" + value.replace("'", "''") + "'"
    if style < 0.45:
        items = [rng.choice(SCALARS) for _ in range(rng.randint(0, 4))]
        # All quoted (how authors are written) half the time, else a mix.
        share = 1.0 if rng.random() < 0.5 else 0.5
        quoted = [f'"{i}"' if rng.random() < share else i for i in items]
        return "[" + rng.choice([", ", ",", " , "]).join(quoted) + "]"
    if style < 0.47:
        return value + "  # comment"
    return value


def _literal(rng: random.Random, indent: int) -> list[str]:
    header = rng.choice(["|", "|-", "|+", "|  # c", "|2", ">"])
    lines = [header]
    pad = " " * (indent + rng.choice([1, 2, 4]))
    for _ in range(rng.randint(0, 5)):
        kind = rng.random()
        if kind < 0.6:
            lines.append(pad + rng.choice(SCALARS + ["# not a comment", "text"]))
        elif kind < 0.75:
            lines.append("")
        elif kind < 0.85:
            lines.append(pad + "  " + "deeper")
        elif kind < 0.92:
            lines.append(pad[: rng.randint(0, len(pad) + 3)])
        else:
            lines.append(pad + "trailing spaces   ")
    return lines


WORDS = ["word", "it''s", "''", "x", "#x", "a#b", "a:", "a:b", "-", "- x", "[y]", "`z`", "2025-03-14", "7"]


def _wrapped(rng: random.Random, indent: int) -> list[str]:
    """A scalar over several lines, single-quoted or plain, as yaml.safe_dump wraps
    long text: lines more indented than the key (or not), empty and blank lines,
    spaces around the breaks, and now and then a lone quote that ends it early."""
    lines = []
    for at in range(rng.randint(2, 5)):
        if at and rng.random() < 0.15:
            lines.append(rng.choice(["", "  ", " " * (indent + 6)]))
            continue
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 3)))
        if rng.random() < 0.03:
            words += "'"
        pad = " " * rng.choice([indent + 2, indent + 2, indent + 1, indent + 5, indent, 0]) if at else ""
        lines.append(pad + words + rng.choice(["", "", " ", "  "]))
    if rng.random() < 0.6:
        lines[0] = "'" + lines[0]
        lines[-1] += "'" + rng.choice(["", "", "  # c", " x"])
    elif lines[0].strip() == "":
        lines[0] = "word"
    return lines


def _mapping(rng: random.Random, indent: int, depth: int) -> list[str]:
    lines: list[str] = []
    # Mostly distinct string keys: duplicates and typed keys go to libyaml.
    keys = [rng.choice(KEYS) if rng.random() < 0.1 else f"k{i}" for i in range(rng.randint(1, 5))]
    for key in keys:
        pad = " " * indent
        kind = rng.random()
        if kind < 0.5 or depth > 2:
            lines.append(f"{pad}{key}: {_scalar(rng)}")
        elif kind < 0.6:
            body = _wrapped(rng, indent)
            lines.append(f"{pad}{key}: {body[0]}")
            lines += body[1:]
        elif kind < 0.75:
            body = _literal(rng, indent)
            lines.append(f"{pad}{key}: {body[0]}")
            lines += body[1:]
        elif kind < 0.88:
            lines.append(f"{pad}{key}:")
            lines += _mapping(rng, indent + rng.choice([2, 4]), depth + 1)
        else:
            lines.append(f"{pad}{key}:")
            lines += _sequence(rng, indent + rng.choice([0, 2]), depth + 1)
        if rng.random() < 0.1:
            lines.append(rng.choice(["", "# comment", "   # indented comment"]))
    return lines


def _sequence(rng: random.Random, indent: int, depth: int) -> list[str]:
    lines: list[str] = []
    for _ in range(rng.randint(1, 4)):
        dash = " " * indent + rng.choice(["- ", "- ", "-   "])
        if rng.random() < 0.5 and depth <= 2:
            item = _mapping(rng, len(dash), depth + 1)
            lines.append(dash + item[0][len(dash) :])
            lines += item[1:]
        elif rng.random() < 0.2:
            body = _wrapped(rng, indent)
            lines.append(dash + body[0])
            lines += body[1:]
        else:
            lines.append(dash + _scalar(rng))
    return lines


def _document(rng: random.Random) -> str:
    lines = _sequence(rng, 0, 0) if rng.random() < 0.6 else _mapping(rng, 0, 0)
    return "\n".join(lines) + rng.choice(["\n", "\n", "", "\n\n"])


def _mutate(rng: random.Random, text: str) -> str:
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(len(text) + 1)
        action = rng.random()
        if action < 0.4:
            text = text[:at] + rng.choice(" \t:-#'\"\n|[],&>\\\r") + text[at:]
        elif action < 0.7:
            text = text[:at] + text[at + 1 :]
        else:
            lines = text.split("\n")
            i = rng.randrange(len(lines))
            lines.insert(rng.randrange(len(lines) + 1), lines[i])
            text = "\n".join(lines)
    return text


def test_generated_and_mutated_documents_read_exactly_as_libyaml_reads_them(seed=20261127, documents=3000):
    rng = random.Random(seed)
    read_here = 0
    for _ in range(documents):
        text = _document(rng)
        read_here += check(text)
        check(_mutate(rng, text))
    # The generator mixes in every kind of thing left to libyaml; a fast reader
    # that gave up on everything would pass the checks above and fail this.
    assert read_here > documents // 5


@pytest.mark.parametrize(
    "line, read_here",
    [
        ('a: ["Ada Lovelace", "Alan M. Turing"]', True),
        ('a: [ "x" ,"y",  "z" ]  # a comment', True),
        ('a: ["#", "]", "[", ",", "it\'s", "a: b", ""]', True),
        ('a: ["x", y]', True),  # one not quoted: the character walk reads it
        ('a: ["x",]', False),  # a trailing comma
        ('a: ["x" "y"]', False),  # no comma
        ('a: ["x"] y', False),  # something after the list
        ('a: ["x"]#not a comment', False),
        ('a: ["back\\"slash"]', False),  # escapes
        ('a: ["tab\\tescape"]', False),
        ('a: ["x", "y"', False),  # not closed
    ],
)
def test_flow_lists_of_quoted_strings_read_as_libyaml_reads_them(line, read_here):
    """Lists of quoted names are read here exactly as libyaml reads them; the rest is handed back."""
    text = line + "\n"
    simple, data, _ = simpleyaml.load(text)
    assert simple == read_here
    if simple:
        ok, expected = reference(text)
        assert ok and typed(data) == typed(expected)


def test_each_entry_of_a_list_comes_with_its_source_text():
    simple, data, texts = simpleyaml.load(COMMON)
    assert simple and len(texts) == len(data) == 2
    assert texts[0].startswith('- id: "2403.09629"') and texts[0].endswith("    Last line.\n")
    assert texts[1].startswith("- id: second") and texts[1].endswith("Kept: one final line break.")
    assert simpleyaml.load("a: 1\n") == (True, {"a": 1}, None)


def test_nesting_too_deep_for_recursion_is_handed_back() -> None:
    # Each level is a few Python frames here; libyaml bounds nesting itself, with a message.
    text = "".join(" " * level + f"k{level}:\n" for level in range(600)) + " " * 600 + "v: 1\n"
    assert simpleyaml.load(text) == (False, None, None)
    shallow = "".join(" " * level + f"k{level}:\n" for level in range(50)) + " " * 50 + "v: 1\n"
    assert simpleyaml.load(shallow)[0]


PAPER = {
    "id": "2403.09629",
    "title": "A title",
    "date": date(2025, 3, 14),
    "authors": ["Ada Lovelace", "Alan Turing"],
    "abstract": "A long abstract that PyYAML wraps at eighty columns, so that its quoted "
    "value goes on over several lines: the fast reader folds them as libyaml does. " * 3,
}


def test_safe_dump_style_is_read_here_as_libyaml_reads_it():
    """docs/performance-notes.md, "The fast reader": quoted and plain scalars wrapped over lines."""
    plain = dict(PAPER, abstract="Plain words that wrap " * 12 + "at eighty columns")
    for paper in (PAPER, plain, dict(PAPER, abstract="It's quoted,\n\n\nthree lines on. " * 9)):
        for data in (paper, [paper, yaml.safe_load(yaml.safe_dump(paper))]):  # no anchors
            text = yaml.safe_dump(data, allow_unicode=True)
            assert "\n  " in text.split("abstract: ", 1)[1], "the abstract goes on over lines"
            assert check(text), "yaml.safe_dump's style fell back to libyaml"
    quoted_first = "title: 'It''s one line'\nid: x\n"
    assert simpleyaml.load(quoted_first) == (True, yaml.safe_load(quoted_first), None)


def test_a_double_quoted_value_over_lines_is_handed_back_from_its_first_line():
    text = yaml.safe_dump(dict(PAPER, abstract="A bell \x07 " + "and more words " * 20))
    assert text.startswith('abstract: "') and "\\a" in text
    assert simpleyaml.load(text) == (False, None, None)
    text = 'abstract: "no escape on this line\n  but on the next \\t one"\nid: x\n'
    assert simpleyaml._WRAPPED_FIRST.match(text), "recognised on the first line"
    assert simpleyaml.load(text) == (False, None, None)


_TEXT = st.text(st.sampled_from("ab '#:-\n\\\"`é"), max_size=120)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(st.sampled_from(["abstract", "title", "note", "k"]), _TEXT, min_size=1),
    st.integers(10, 90),
    st.booleans(),
)
def test_what_safe_dump_writes_is_read_here_as_libyaml_reads_it(data, width, in_list):
    """Any text yaml.safe_dump writes, at any width, reads here exactly as libyaml reads it."""
    text = yaml.safe_dump([data, data] if in_list else data, width=width, allow_unicode=True)
    check(text)


def test_json_files_never_reach_the_fast_reader(tmp_path, monkeypatch):
    """docs/performance-notes.md, "The fast reader": JSON does not use it."""
    from sitegen.documents import load_document

    def refuse(text):
        raise AssertionError("a JSON file went to simpleyaml")

    monkeypatch.setattr(simpleyaml, "load", refuse)
    path = tmp_path / "p.json"
    path.write_text('{"id": "x", "title": "T", "date": "2025-03-14"}\n', encoding="utf-8")
    doc = load_document(path)
    assert doc.problems == [] and doc.data == {"id": "x", "title": "T", "date": "2025-03-14"}


def test_safe_dumps_anchors_are_handed_back_before_any_line_is_read(monkeypatch):
    """A day's papers dumped together share their date, which safe_dump writes as
    an anchor (&id001) and aliases: not in the subset, so libyaml reads the file
    from the start, not after the first paper was read here."""
    day = date(2025, 3, 14)
    text = yaml.safe_dump([dict(PAPER, date=day), dict(PAPER, id="2403.09630", date=day)])
    assert "&id001" in text and "*id001" in text

    def refuse(text):
        raise AssertionError("read here first")

    monkeypatch.setattr(simpleyaml, "_Reader", refuse)
    assert simpleyaml.load(text) == (False, None, None)


def test_what_the_resolver_said_is_kept_across_documents_but_bounded():
    """Keys and typed plain scalars are remembered from file to file (the same
    field names and days come in every one); a file of many distinct ones does
    not grow the tables past _KEPT entries."""
    text = "".join(f"k{i}: {i}\n" for i in range(simpleyaml._KEPT + 100))
    assert check(text)
    assert 0 < len(simpleyaml._KEYS) <= simpleyaml._KEPT and 0 < len(simpleyaml._TYPED) <= simpleyaml._KEPT
    assert check(text), "read again with the tables full"


def test_a_load_leaves_none_of_the_readers_tables_behind(tmp_path):
    """The build keeps its papers to its end (and its forks copy what it holds):
    the reader's tables go once the load is over."""
    from sitegen.config import load_config
    from sitegen.loading import load_papers
    from tests.unit.test_loading import make_site

    files = {f"p{i}.yaml": yaml.safe_dump(dict(PAPER, id=f"p{i}")) for i in range(3)}
    loaded = load_papers(load_config(make_site(tmp_path, files)))
    assert [p.id for p in loaded] == ["p0", "p1", "p2"]
    assert not simpleyaml._KEYS and not simpleyaml._TYPED


_LAZY_KEY = re.compile(r"([A-Za-z0-9_][A-Za-z0-9_ .\-]*?):(?: +|$)")  # the reader's key, as it was


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="ab1_ .-:#'\"[]", max_size=16), st.integers(0, 3))
def test_a_key_is_found_as_the_lazy_pattern_found_it(line, column):
    """_KEY is greedy (fewer steps: its class holds no colon): it matches the
    same key, up to the same place, as the lazy pattern it replaced, anywhere."""
    got, want = simpleyaml._KEY.match(line, column), _LAZY_KEY.match(line, column)
    assert (got and (got.group(1), got.end())) == (want and (want.group(1), want.end()))


def test_sequence_items_with_and_without_a_colon():
    """An item is a mapping only if it holds a key (a colon): names and tags,
    which hold none, are read without trying the key pattern, as libyaml reads them."""
    for text in ("a:\n- x y\n- 'q: r'\n- p: q\n  s: t\n- u:v\n- w :\n", "- Ada\n- {}\n- a: b\n"):
        check(text)  # read as libyaml reads it, or handed back
    assert simpleyaml.load("- Ada Lovelace\n- p: q\n")[1] == ["Ada Lovelace", {"p": "q"}]
