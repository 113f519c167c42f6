"""feeds._text decides from a value's UTF-8 bytes whether it holds a character
XML 1.0 cannot (the regex's search, kept here, is the reference), and gives
the value itself when it holds none."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from sitegen.feeds import _is_xml, _text

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Every character near a boundary of what XML allows, and any other.
_CODES = [*range(0x21), 0x7F, 0x80, 0xD7FF, 0xE000, 0xFFFD, 0xFFFE, 0xFFFF, 0x10000, 0x10FFFF]
_EDGES = [chr(c) for c in _CODES]
_EDGES += ["\ud800", "\udbff", "\udc00", "\udfff", "\uefbf", "\u00ef", "\u00bf", "\u00be", "…", "é"]
_TEXTS = st.one_of(
    st.text(alphabet=st.sampled_from(_EDGES), max_size=8),
    st.text(max_size=30),
    st.text(alphabet=st.characters(codec="ascii"), max_size=30),
    st.lists(st.sampled_from(["<p>", "a&b", "\n", "\r\n", "\t", *_EDGES]), max_size=10).map("".join),
)


def test_every_character_alone_and_between_others():
    for c in map(chr, range(0x110000)):
        for value in (c, f"é{c}"):
            assert _is_xml(value) == (_NOT_XML.search(value) is None), repr(value)
            assert _text(value) == _NOT_XML.sub("", value), repr(value)  # printable or not


@settings(max_examples=1000, deadline=None)
@given(_TEXTS)
def test_text_is_the_regexs_for_any_text(value):
    assert _is_xml(value) == (_NOT_XML.search(value) is None)
    assert _text(value) == _NOT_XML.sub("", value)
    markup = Markup(value)
    if _NOT_XML.search(value) is None:
        assert _text(value) is value and _text(markup) is markup  # no copy
