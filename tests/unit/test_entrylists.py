"""A paper's authors, tags and links taken at once (entrylists.py) are what the checks
item by item make of them: the same values, the same problems, flat or not."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen import entries
from sitegen.config import Config
from sitegen.documents import Document
from sitegen.entrylists import File

# Names as content writes them, most of them taken at once; one odd piece (a space at an end
# or two together, a "|", other whitespace, nothing) sends a list to the checks item by item.
_WORDS = st.lists(
    st.sampled_from(["Ada", "Lovelace", "Chen", "Wei", "é", "李", "x" * 70]), min_size=1, max_size=3
)
_ODD = st.sampled_from(["", " ", "  ", "|", "\t", "\n", "\xa0", "\u3000", "\u2028", "\x85"])
_ODD_NAME = st.tuples(_WORDS.map(" ".join), _ODD, st.integers(0, 2)).map(
    lambda t: [t[1] + t[0], t[0].replace(" ", t[1] or " ", 1) + " x", t[0] + t[1]][t[2]]
)
_ODD_ITEM = st.one_of(
    _ODD_NAME,
    _ODD_NAME,
    _ODD_NAME,
    st.text(max_size=12),
    st.sampled_from(["x" * 199, "x" * 200, "x" * 201, "a b" * 70]),
    st.sampled_from([1, None, 2.5, ["x"], {"name": "Ada"}, {"name": "Ada", "url": "https://a.org"}]),
)
# Good names, one of them perhaps made odd.
_LISTS = st.tuples(st.lists(_WORDS.map(" ".join), max_size=6), st.integers(0, 5), st.none() | _ODD_ITEM).map(
    lambda t: [t[2] if i == t[1] and t[2] is not None else name for i, name in enumerate(t[0])]
)
_URLS = st.one_of(
    st.sampled_from(["https://e.org/a", "http://e.org/b ", "https://e.org/\t", "mailto:a@e.org", "/rel"]),
    st.sampled_from(["https://e.org/" + "x" * 190, "https://e.org/" + "x" * 186, "javascript:x", "", " "]),
    st.text(max_size=10).map("https://e.org/".__add__),
    st.sampled_from([1, None, ["https://e.org"]]),
)


def _check(field: str, raw, clean: bool, flat: bool, fast: bool, monkeypatch):
    doc = Document("content/papers/a.yaml", "", False, clean=clean)
    problems: list = []
    entry = entries.Entry(
        File(
            Path("a.yaml"),
            doc,
            Config(site_dir=Path("."), title="T", base_url="https://e.org/"),
            problems,
            flat,
        ),
        (),
    )
    with monkeypatch.context() as patch:
        if not fast:  # every item checked one at a time, as before entrylists
            patch.setattr(entries, "as_written", lambda *_: False)
            patch.setattr(entries, "web_links", lambda *_: None)
        value = entries._FIELDS[field](entry, (field,), raw)
    return value, [(p.message, p.field) for p in problems]


_ODDS = [["Ada  Lovelace"], ["Ada "], [" Ada"], ["Ada|"], ["|Ada"], ["A||B"], ["A\xa0B"], ["A\tB"], [""]]
_ODDS += [["Ada", ""], ["x" * 201], ["x" * 120, "y" * 120], ["Ada", 1], ["Ada", "Ada"], []]
_ODD_LINKS = [
    {" pdf ": "https://e.org"},
    {"": "https://e.org"},
    {"pdf": "https://e.org "},
    {"pdf": "ftp://e"},
]
_ODD_LINKS += [
    {"pdf": "https://e.org/\x85"},
    {"x" * 201: "https://e.org"},
    {"pdf": "https://e.org/" + "x" * 190},
]


@pytest.mark.parametrize(("flat", "clean"), [(True, True), (False, True), (True, False)])
def test_lists_and_links_taken_at_once_are_as_checked_item_by_item(flat, clean, monkeypatch):
    @settings(max_examples=150, deadline=None)
    @given(
        st.sampled_from(["authors", "tags"]),
        _LISTS,
        st.dictionaries(
            st.one_of(st.text(max_size=8), st.sampled_from(["pdf", " arxiv ", ""])), _URLS, max_size=3
        ),
    )
    def check(field, items, links):
        for name, raw in ((field, items), ("links", links)):
            fast = _check(name, raw, clean, flat, True, monkeypatch)
            slow = _check(name, raw, clean, flat, False, monkeypatch)
            assert fast == slow, (name, raw)
            if fast[0] is not entries._INVALID and name != "links":
                assert type(fast[0]) is tuple

    # Each a case the fast path must leave to the checks item by item, or take as they do.
    for field, raw in [(field, raw) for field in ("authors", "tags") for raw in _ODDS]:
        assert _check(field, raw, clean, flat, True, monkeypatch) == _check(
            field, raw, clean, flat, False, monkeypatch
        ), raw
    for raw in _ODD_LINKS:
        fast = _check("links", raw, clean, flat, True, monkeypatch)
        assert fast == _check("links", raw, clean, flat, False, monkeypatch), raw
    check()
