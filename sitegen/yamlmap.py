"""A file of one top-level mapping, read an entry at a time (simpleyaml.load tries it first).

What yaml.safe_dump writes for a paper (keys sorted, at column 0), and sitegen's own
one-paper files, are each a handful of entries: a key, then a one-line scalar, a
scalar wrapped over the lines after it, a block sequence of scalars at the key's
column, a mapping indented under it, or (sitegen's style) a ``|``/``|-`` literal.
Here an entry, not a line, is the step: its line is found by a ``find`` of the line
break (memchr), a single-quoted value over lines by a ``find`` of its closing quote,
any other entry's lines by one regex search for the next line at column 0; the lines
are then split, checked (``max`` of them: none at column 0), stripped, dedented and
folded by str methods in C. simpleyaml's line reader spends ~40 bytecodes and ~10 C
calls on each line instead (~10k instructions a line).

Whatever is not exactly that -- comments at column 0, anchors, tags, escapes,
double-quoted or folded scalars over lines, flow mappings, mappings in a
sequence, odd indentation -- raises NotSimple, and simpleyaml's line reader (then
libyaml) reads the file. Scalars are typed as simpleyaml types them (PyYAML's
resolver, its answers kept across files); tests/unit/test_simpleyaml_mapping.py
compares the result with libyaml's on generated and safe_dump-written documents.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from .yamltext import NotSimple, folded, trailing

# A key, as simpleyaml's _KEY finds it, and the characters it may start with.
_KEY_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_ .\-]*")
KEY_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
# An entry's lines after its key's: those that start with a space or a dash, and blank
# lines before such a line. The next entry starts after the line break _NEXT finds.
_GOES_ON = frozenset(" -\n")
_NEXT = re.compile(r"\n[^ \n-]")
_TOP = "\U0010ffff"  # greater than any printable character: pad + _TOP bounds lines that start with pad
# Characters that start something other than a plain scalar; here, a space too (a value
# after two spaces: stripped; an item after "-  ": not).
INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
_NOT_PLAIN = INDICATORS | {" "}
_STR = "tag:yaml.org,2002:str"
# A flow list of double-quoted strings without escapes, on one line (authors, tags):
# two C-level scans instead of a character walk (~3 against ~7 µs for seven authors).
_QUOTED_LIST = re.compile(r'\[ *"[^"\\\n]*"(?: *, *"[^"\\\n]*")* *\]')
_QUOTED = re.compile(r'"([^"\\\n]*)"')

_RESOLVER = yaml.resolver.Resolver()  # shared, as the constructor: typing keeps no state
_RESOLVERS = _RESOLVER.yaml_implicit_resolvers
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
# What the resolver (~2 µs a call) said of a key, and a plain scalar's value (immutable:
# dates, numbers, booleans), kept across documents: field names, days and counts recur.
# Emptied past KEPT entries (a file of a million keys must not fill memory), and by
# simpleyaml.forget().
KEYS: dict[str, bool] = {}
TYPED: dict[str, Any] = {}
KEPT = 8192
_UNKNOWN, _UNKNOWN_STR = object(), object()  # not typed yet; a string


def string_key(key: str) -> bool:
    """Whether a plain key is a string to PyYAML (not 1:, yes:, null:), and has no trailing space."""
    known = KEYS.get(key)
    if known is None:
        if len(KEYS) >= KEPT:
            KEYS.clear()
        known = KEYS[key] = (
            key == key.rstrip(" ") and _RESOLVER.resolve(yaml.ScalarNode, key, (True, False)) == _STR
        )
    return known


def plain(text: str) -> Any:
    """A plain scalar's value, typed as PyYAML types it (YAML 1.1: ``yes`` is True)."""
    if not text or ": " in text or text[-1] == ":" or " #" in text:
        raise NotSimple
    if text[0] not in _RESOLVERS and None not in _RESOLVERS:
        return text  # no implicit type starts with this character (a URL, a word)
    return _typed(text)


def _typed(text: str) -> Any:
    """A plain scalar's value (its text checked by the caller)."""
    typed = TYPED.get(text, _UNKNOWN)
    if typed is not _UNKNOWN:
        return text if typed is _UNKNOWN_STR else typed
    tag = _RESOLVER.resolve(yaml.ScalarNode, text, (True, False))
    if tag == _STR:
        if len(text) <= 100:  # names (Nina, Tom...) come again; abstracts do not
            if len(TYPED) >= KEPT:
                TYPED.clear()
            TYPED[text] = _UNKNOWN_STR
        return text
    try:
        value = _CONSTRUCTOR.yaml_constructors[tag](_CONSTRUCTOR, yaml.ScalarNode(tag, text))
    except Exception:  # an impossible date, ...: libyaml's path reports it
        raise NotSimple from None
    if len(TYPED) >= KEPT:
        TYPED.clear()
    TYPED[text] = value
    return value


def flow_list(line: str, start: int) -> list:
    """A flow list of scalars on one line, from ``start`` (its ``[``) to the line's end."""
    quoted = _QUOTED_LIST.match(line, start)
    if quoted is not None:
        trailing(line, quoted.end())
        return _QUOTED.findall(line, start, quoted.end())
    items: list = []
    at = start + 1
    while True:
        while line.startswith(" ", at):
            at += 1
        if line.startswith("]", at) and not items:
            break
        if line.startswith('"', at):
            end = line.find('"', at + 1)
            if end < 0 or "\\" in line[at:end]:
                raise NotSimple
            items.append(line[at + 1 : end])
            at = end + 1
        else:
            end = at
            while end < len(line) and line[end] not in ",[]{}#'\"":
                end += 1
            text = line[at:end].rstrip(" ")
            if not text or text[0] in INDICATORS or ":" in text:
                raise NotSimple  # ":" means different things in flow context to libyaml and PyYAML
            items.append(plain(text))
            at = end
        while line.startswith(" ", at):
            at += 1
        if line.startswith(",", at):
            at += 1
            continue
        if line.startswith("]", at):
            break
        raise NotSimple
    trailing(line, at + 1)
    return items


def read(text: str) -> dict | None:
    """The document's mapping, or None if it is not one this module reads."""
    if text[-1:] != "\n" or text[:1] not in KEY_START:
        return None  # a list, a comment, a directive, ...: the line reader's
    try:
        return _mapping(text)
    except (NotSimple, IndexError, RecursionError):
        return None


def _mapping(text: str) -> dict:
    """Entries at column 0 to the end of ``text``, which ends in a line break."""
    result: dict = {}
    at, end = 0, len(text)
    find = text.find
    while at < end:
        stop = find("\n", at)
        key, colon, rest = text[at:stop].partition(":")
        at = stop + 1
        if not (colon and KEYS.get(key)):
            if not (key or colon):
                continue  # a blank line
            if not colon or key in KEYS or not (_KEY_NAME.fullmatch(key) and string_key(key)):
                raise NotSimple  # no key at all, a typed key (1:, yes:), a comment, a quoted key
        if key in result:
            raise NotSimple  # a duplicate: libyaml says where
        first = rest.strip(" ")
        if first and rest[0] != " ":
            raise NotSimple  # "a:b" is no key
        if at == end or text[at] not in _GOES_ON:
            result[key] = _scalar(first) if first else None
            continue
        # Lines that start with a space or a dash follow.
        if first[:1] == "'" and (first[-1] != "'" or first == "'"):  # not closed on its line
            at, result[key] = _quoted(text, stop - len(rest.lstrip(" ")), stop)
            continue
        found = _NEXT.search(text, stop)
        stop = found.start() if found else end - 1
        more = text[at:stop].rstrip("\n")  # blank lines after an entry are not part of it
        at = stop + 1
        if not more:
            result[key] = _scalar(first) if first else None
        elif first:
            result[key] = _lines(first, more)
        elif more[0] == "-":
            result[key] = _sequence(more)
        else:
            result[key] = _nested(more)
    return result


def _quoted(text: str, start: int, stop: int) -> tuple[int, str]:
    """A single-quoted scalar from ``start`` (its quote) over the lines after ``stop`` (the
    first line's end), found by its closing quote: where the next entry starts, and its value."""
    find = text.find
    end = start
    while True:
        end = find("'", end + 1)
        if end < 0:
            raise NotSimple  # never closed: libyaml says so
        if text[end + 1] != "'":
            break
        end += 1  # '' is a quote
    close = find("\n", end)
    if end < stop or (close > end + 1 and text[end + 1 : close].strip(" ")):
        raise NotSimple  # closed on its first line, or something after the closing quote
    lines = text[stop + 1 : end].split("\n")
    if max(lines) >= "!" or not lines[-1]:
        raise NotSimple  # a line at column 0
    parts = [text[start + 1 : stop].rstrip(" "), *map(str.strip, lines)]
    # any other character strip drops is not printable
    parts[-1] = lines[-1].lstrip(" ")  # up to the closing quote: spaces before it are the value's
    value = folded(parts)
    return close + 1, value.replace("''", "'") if "'" in value else value


def _scalar(text: str) -> Any:
    """A scalar on one line (no spaces around it)."""
    first = text[0]
    if first not in _NOT_PLAIN:  # plain(), a call less: most values are plain
        if ": " in text or " #" in text or text[-1] == ":":
            raise NotSimple
        if first not in _RESOLVERS and None not in _RESOLVERS:
            return text  # no implicit type starts with this character (a URL, a word)
        return _typed(text)
    if first == "'":
        inner = text[1:-1]
        if text[-1] != "'" or len(text) < 2 or ("'" in inner and inner.count("'") != 2 * inner.count("''")):
            raise NotSimple  # not closed, something after it, or a lone quote inside
        return inner.replace("''", "'")
    if first == '"':
        inner = text[1:-1]
        if text[-1] != '"' or len(text) < 2 or '"' in inner or "\\" in inner:
            raise NotSimple  # escapes, or something after the closing quote
        return inner
    if first == "[":
        return [] if text == "[]" else flow_list(text, 0)
    if text == "{}":
        return {}
    if first in "-?:" and len(text) > 1 and text[1] not in " #":
        return plain(text)
    raise NotSimple


def _lines(first: str, more: str) -> Any:
    """A scalar whose first line is ``first`` (stripped), going on over the lines of ``more``."""
    lines = more.split("\n")
    # Every line empty or indented: none is greater than "!" (a line starting with a
    # character below the space is not printable, and load() then leaves it to libyaml).
    if max(lines) >= "!":
        raise NotSimple  # a line at column 0 (a dash) in the value
    head = first[0]
    if head == "|":
        return _literal(first, more, lines)
    parts = [first, *map(str.strip, lines)]  # any other character strip drops is not printable
    if head == "'":
        last = parts[-1]
        if last[-1:] != "'":
            raise NotSimple  # not closed on the last line
        parts[0] = first[1:]
        parts[-1] = last[:-1]
        text = folded(parts)  # a fold puts a space or a line break between two lines' quotes
        if "'" in text:
            if text.count("'") != 2 * text.count("''"):
                raise NotSimple  # a lone quote: the scalar ends before the last line
            text = text.replace("''", "'")
        return text
    if head in _NOT_PLAIN and not (head in "-?:" and len(first) > 1 and first[1] not in " #"):
        raise NotSimple  # a double-quoted scalar over lines (escapes fold them), ...
    while not parts[-1]:
        parts.pop()  # blank lines after a plain scalar are not part of it
    text = folded(parts)
    if "\n#" in text or ":\n" in text:
        raise NotSimple  # a comment after an empty line; a line ending in a colon (a key)
    return plain(text)


def _literal(header: str, more: str, lines: list[str]) -> str:
    """A ``|`` or ``|-`` block: every line empty or indented as the first, none ending in a space."""
    first = lines[0]
    pad = first[: len(first) - len(first.lstrip(" "))]
    if header not in ("|", "|-") or not pad or list(map(str.rstrip, lines)) != lines:
        raise NotSimple  # keep (|+), an indicator, a comment; a leading blank line; spaces at an end
    if max(lines) >= pad + _TOP:
        raise NotSimple  # a line less indented than the first (the block ends there: libyaml's)
    body = ("\n" + more).replace("\n" + pad, "\n")[1:]
    return body if header == "|-" else body + "\n"


def _sequence(more: str) -> list:
    """Block sequence items at the key's column, each a scalar (on its line, or over the next ones)."""
    if more[:2] != "- ":
        raise NotSimple  # "-" alone, "-x", ...
    items: list = []
    for item in more[2:].split("\n- "):
        if "\n" in item:
            first, _, lines = item.partition("\n")
            first = first.strip(" ")
            if not first:
                raise NotSimple  # a mapping or a sequence on the next line, or null
            items.append(_lines(first, lines))
        else:
            item = item.strip(" ")
            if not item:
                raise NotSimple  # an empty item is null
            items.append(_scalar(item))
    return items


def _nested(more: str) -> Any:
    """A mapping or sequence indented under its key: every line indented as the first."""
    lines = more.split("\n")
    pad = more[: len(more) - len(more.lstrip(" "))]
    if not pad or min(lines) < pad or max(lines) >= pad + _TOP:
        raise NotSimple  # a blank line, a line less indented than the first
    inner = ("\n" + more).replace("\n" + pad, "\n")[1:]
    if inner[0] == "-":
        return _sequence(inner)
    return _mapping(inner + "\n")
