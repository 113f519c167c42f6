"""Bounds on the work any input can cause, and the characters content may hold.

Every limit is a setting under ``limits:`` in site.yaml, with a default far
above what real papers need: they exist so that a hostile or broken file
(a YAML alias bomb, a 50 MB abstract, a thousand tags) is a clear error in
milliseconds instead of minutes of work and gigabytes of memory.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

# Python recursion (~1000 frames) must stay well clear of the deepest value
# pickle, repr and templates will meet.
MAX_NESTING = 500


@dataclass(frozen=True)
class Limits:
    file_size: int = 10_000_000  # bytes in one content, settings or template file
    tags: int = 100  # per paper
    authors: int = 1000  # per paper
    text_length: int = 100_000  # characters in an abstract, a note, a URL, a string under extra
    field_length: int = 1000  # characters in a title, venue, affiliation or link name
    name_length: int = 200  # characters in a tag or an author's name: each names a page (and a file)
    nesting: int = 100  # levels of lists and mappings under extra
    aliases: int = 100_000  # values YAML aliases may add to one file by repeating anchors


DEFAULT_LIMITS = Limits()
_NAMES = tuple(f.name for f in fields(Limits))


def check_limits(raw: Any, report: Callable[[tuple, str, str], None]) -> Limits:
    """``limits:`` from site.yaml; ``report(keys, field, message)`` takes each problem."""
    if not isinstance(raw, dict):
        report(("limits",), "limits", "expected a mapping of limit: whole number")
        return DEFAULT_LIMITS
    values: dict[str, int] = {}
    for key, value in raw.items():
        name = f"limits.{key}"
        if key not in _NAMES:
            report(("limits", key), name, f"unknown limit; choose from {', '.join(_NAMES)}")
        elif isinstance(value, bool) or not isinstance(value, int) or value < 1:
            report(("limits", key), name, f"expected a whole number of at least 1, got {show(value)}")
        elif key == "nesting" and value > MAX_NESTING:
            report(("limits", key), name, f"must be at most {MAX_NESTING}")
        else:
            values[key] = value
    return Limits(**values)


# What may not appear in any text: C0 controls but tab, line feed and carriage
# return; DEL and the C1 controls; lone surrogates; noncharacters. lxml refuses
# most of these in feeds, and the rest are invisible trouble in a page.
_BAD_BMP = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
# The noncharacters past the first plane end in FFFE or FFFF; a class of all
# 32 makes the regex engine ~10x slower, so one range finds candidates.
_PAST_BMP = re.compile("[\U0001fffe-\U0010ffff]")


def may_hold_bad_characters(text: str) -> bool:
    """False if ``text`` surely holds no forbidden character; in C, ~1 µs a KB.

    Every forbidden character is unprintable to Python (Cc, Cs, Cn), so text
    that is printable apart from tabs and line breaks is fine."""
    if text.isprintable():
        return False
    return not text.replace("\n", "").replace("\t", "").replace("\r", "").isprintable()


def character_problem(text: str) -> str | None:
    """What is wrong with the first forbidden character of ``text``, or None."""
    if not may_hold_bad_characters(text):
        return None
    found = _BAD_BMP.search(text)
    end = found.start() if found is not None else len(text)
    at = next((m.start() for m in _PAST_BMP.finditer(text, 0, end) if ord(m.group()) & 0xFFFE == 0xFFFE), end)
    if at == len(text):
        return None  # unprintable but allowed: no-break spaces, format characters
    code = ord(text[at])
    if 0xD800 <= code <= 0xDFFF:
        kind = "a lone surrogate"
    elif code <= 0x9F:
        kind = "a control character"
    else:
        kind = "a noncharacter"
    return f"contains {kind} (U+{code:04X}, character {at + 1}); remove it"


def nested_problem(value: dict, limits: Limits, clean: bool) -> tuple[tuple, str] | None:
    """The first problem of free-form data (``extra``), as (key path inside it,
    message): nesting deeper than limits.nesting, a string longer than
    limits.text_length, or a forbidden character (looked for unless ``clean``)."""
    stack: list[tuple[tuple, Any, int]] = [((), value, 1)]
    while stack:
        at, current, depth = stack.pop()
        if depth > limits.nesting:
            # Named by its first steps: the full path of a deep value is a line of "[0]".
            return at[:2], f"lists and mappings nested more than limits.nesting ({limits.nesting}) deep"
        items = current.items() if isinstance(current, dict) else enumerate(current)
        for key, item in items:
            for text in (key, item):
                if isinstance(text, str):
                    if len(text) > limits.text_length:
                        return (
                            *at,
                            key,
                        ), f"{len(text):,} characters, more than limits.text_length ({limits.text_length:,})"
                    problem = None if clean else character_problem(text)
                    if problem:
                        return (*at, key), problem if text is item else f"key {problem}"
            if isinstance(item, (dict, list)):
                stack.append(((*at, key), item, depth + 1))
    return None


def show_value(value: Any) -> str:
    """A content value in a message, as YAML would write it: true, nothing, 2025-03-14."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return show(value)


def show(value: Any, width: int = 40) -> str:
    """``repr(value)`` cut to ``width`` characters, made without the repr of
    all of a huge or deeply nested value (which could take gigabytes, or fail)."""
    if isinstance(value, str):
        text = repr(value[: width + 1])
    elif isinstance(value, (list, dict, tuple, set)):
        text = _SHORT.repr(value)
    else:
        text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def _short_repr() -> Any:
    import reprlib

    shower = reprlib.Repr()
    shower.maxlevel, shower.maxstring, shower.maxother = 3, 40, 40
    return shower


_SHORT = _short_repr()
