"""The usual shape of a content file, read without building libyaml's node tree.

Content files are nearly always block mappings and sequences of one-line
scalars, flow lists of them, literal ``|`` abstracts, and the single-quoted or
plain scalars yaml.safe_dump wraps over lines. This reads exactly that subset,
in about half the time libyaml takes with PyYAML's constructor (~45 against ~80
µs a paper). Anything else -- anchors, tags, folded or double-quoted multi-line
scalars, escapes, flow mappings, tabs, duplicate keys, odd indentation, errors
-- is handed back: libyaml parses the file, and gives messages and lines.

A file that starts with a key is first tried as one top-level mapping read an
entry at a time (yamlmap.py: a paper's file, in safe_dump's style or sitegen's);
what that refuses is read here a line at a time.

The result must be exactly what libyaml and PyYAML's SafeConstructor give:
plain scalars are typed by PyYAML's own resolver (YAML 1.1: ``yes`` is True,
``2025-03-14`` a date), and tests/unit/test_simpleyaml.py compares the two on
thousands of generated and mutated documents.
"""

from __future__ import annotations

import re
from typing import Any

from . import yamlmap
from .yamlmap import INDICATORS as _INDICATORS
from .yamlmap import KEY_START as _KEY_START
from .yamlmap import flow_list as _flow_list
from .yamlmap import plain as _plain
from .yamlmap import string_key as _string_key
from .yamltext import NotSimple as _NotSimple
from .yamltext import folded, has_markers, printable, quote_end, uncommented
from .yamltext import trailing as _trailing
from .yamltext import unindented as _unindented

# A block key: plain, on one line, not starting with an indicator (greedy: no colon in the class).
_KEY = re.compile(r"([A-Za-z0-9_][A-Za-z0-9_ .\-]*):(?: +|$)")
_NOT_A_KEY = (" ", "#", "")  # what a line's character at a mapping's column may not be, for its next key
# simpleyaml.forget() empties these (the tables of what the resolver said, kept across documents).
_KEYS, _TYPED, _KEPT = yamlmap.KEYS, yamlmap.TYPED, yamlmap.KEPT


def forget() -> None:
    """Empty the tables kept across documents: the load is over (loading.load_papers)."""
    _KEYS.clear()
    _TYPED.clear()


# A first line whose double-quoted value goes on to the next line (escapes
# fold lines otherwise): recognised in C on the first line alone, before any
# other work. A single-quoted or plain one, as yaml.safe_dump wraps text at
# 80 columns, is read here (_Reader.wrapped, _Reader.plain_lines).
_WRAPPED_FIRST = re.compile(r"""(?:- )?[A-Za-z0-9_][A-Za-z0-9_ .\-]*: +"[^"\\\n]*\n""")


class _Reader:
    __slots__ = ("lines", "at", "final_break")

    def __init__(self, text: str) -> None:
        self.lines = text.split("\n")
        self.final_break = not self.lines[-1]
        if self.final_break:
            self.lines.pop()  # what follows the last line break is not a line
        self.at = 0

    def next_content(self) -> int | None:
        """Skip blank and comment lines; the indentation of the next line, or None at the end."""
        lines = self.lines
        while self.at < len(lines):
            line = lines[self.at]
            stripped = line.lstrip(" ")
            if stripped and stripped[0] != "#":
                return len(line) - len(stripped)
            self.at += 1
        return None

    def node(self, indent: int, starts: list[int] | None = None) -> Any:
        """The block mapping or sequence whose first line is the current one, at ``indent``."""
        text = self.lines[self.at][indent:]
        if text.startswith("- ") or text == "-":
            return self.sequence(indent, starts)
        return self.mapping(indent)

    def sequence(self, indent: int, starts: list[int] | None = None) -> list:
        """A block sequence; ``starts`` receives the line each item begins on."""
        items: list = []
        lines = self.lines
        dash = " " * indent + "- "
        while True:
            if starts is not None:
                starts.append(self.at)
            line = lines[self.at]
            rest = line[indent + 2 :]
            if line[indent : indent + 2] != "- " or not rest.strip(" "):
                raise _NotSimple  # "-" alone (item on the next lines), or not an item at all
            column = len(line) - len(rest.lstrip(" "))
            if ":" in rest and _KEY.match(line, column):  # a name or a tag has no colon: no regex
                items.append(self.mapping(column))
            elif line[column] in _INDICATORS:
                items.append(self.scalar_line(line, column, indent))
            else:
                items.append(self.plain_lines(line, column, indent))
            if self.at < len(lines) and lines[self.at].startswith(dash):
                continue  # the next item: the usual case
            following = self.next_content()
            if following is None or following < indent:
                return items
            if following > indent:
                raise _NotSimple  # e.g. a plain scalar continued on the next line
            if not self.lines[self.at].startswith("-", indent):
                return items  # a key at the sequence's own indent: the mapping around it goes on

    def mapping(self, column: int) -> dict:
        result: dict = {}
        lines = self.lines
        pad = " " * column
        while True:
            line = lines[self.at]
            match = _KEY.match(line, column)
            if match is None:
                raise _NotSimple
            key = match.group(1)
            known = _KEYS.get(key)
            if not (known or (known is None and _string_key(key))) or key in result:
                raise _NotSimple  # a typed key (1:, yes:), or a duplicate: libyaml says which
            start = match.end()
            if start == len(line) or line[start] == "#":
                result[key] = self.nested(column)
            elif line[start] in _INDICATORS:
                result[key] = self.scalar_line(line, start, column)
            else:
                result[key] = self.plain_lines(line, start, column)  # as scalar_line would, a call less
            if self.at < len(lines):
                line = lines[self.at]
                if (not column or line.startswith(pad)) and line[column : column + 1] not in _NOT_A_KEY:
                    continue  # the next key, at this mapping's column: the usual case
            following = self.next_content()
            if following is None or following < column:
                return result
            if following > column:
                raise _NotSimple  # e.g. a plain scalar continued on the next line

    def nested(self, column: int) -> Any:
        """The value of a key with nothing after its colon: what the next lines hold, or null."""
        self.at += 1
        following = self.next_content()
        if following is None or following < column:
            return None
        if following == column:
            if self.lines[self.at].startswith("- ", column):
                return self.sequence(column)  # "key:" then "- item" at the key's own indent
            return None
        return self.node(following)

    def scalar_line(self, line: str, start: int, parent: int) -> Any:
        """The scalar from ``start`` to the end of the line (a literal block takes
        the lines after it, more indented than ``parent``)."""
        first = line[start]
        if first == '"':
            end = line.find('"', start + 1)
            if end < 0 or "\\" in line[start:end]:
                raise _NotSimple  # escapes, or a string over several lines
            value: Any = line[start + 1 : end]
            _trailing(line, end + 1)
        elif first == "'":
            end = quote_end(line, start + 1)
            if end < 0:
                return self.wrapped(line, start, parent)
            value = line[start + 1 : end].replace("''", "'")
            _trailing(line, end + 1)
        elif first == "[":
            value = _flow_list(line, start)
        elif first == "|":
            return self.literal(line, start, parent)
        elif first in _INDICATORS and not (
            first in "-?:" and start + 1 < len(line) and line[start + 1] not in " #"
        ):
            raise _NotSimple
        else:
            return self.plain_lines(line, start, parent)
        self.at += 1
        return value

    def wrapped(self, line: str, start: int, parent: int) -> str:
        """A single-quoted scalar that goes on over the next lines, each more
        indented than ``parent``: a line break folds to a space, n empty lines
        to n line breaks, and the spaces around a break are dropped."""
        lines = self.lines
        first = at = self.at + 1
        while True:
            text = lines[at]  # IndexError past the end: not closed, libyaml says so
            if "'" in text:
                end = quote_end(text, 0)
                if end >= 0:
                    break
            at += 1
        inner = lines[first : at + 1]
        if _unindented(inner, " " * (parent + 1)):
            raise _NotSimple  # a line not indented past the parent's
        # str.strip drops only spaces here: any other character it would is not
        # printable, and load() then leaves the whole document to libyaml.
        parts = [line[start + 1 :].rstrip(" "), *map(str.strip, inner)]
        parts[-1] = text[:end].lstrip(" ")
        _trailing(text, end + 1)
        self.at = at + 1
        return folded(parts).replace("''", "'")

    def plain_lines(self, line: str, start: int, parent: int) -> Any:
        """A plain scalar, and the lines it goes on over (each more indented
        than ``parent``), folded as in ``wrapped``; typed as PyYAML types it."""
        lines = self.lines
        at = self.at + 1
        if at == len(lines) or lines[at][parent : parent + 1] not in (" ", ""):
            self.at = at  # the next line is no more indented than the parent: the usual case
            value = line[start:]  # uncommented(), inline ("in" is cheaper than a find)
            if " #" in value:
                value = value[: value.find(" #")]
            return _plain(value.rstrip(" "))
        first = uncommented(line, start)
        parts = [first]
        pad = " " * (parent + 1)
        last = self.at
        while at < len(lines):
            text = lines[at]
            stripped = text.strip(" ")
            if stripped:
                if not text.startswith(pad):
                    break
                if stripped[0] == "#" or len(first) + start < len(line.rstrip(" ")):
                    raise _NotSimple  # a comment, then more of the value: libyaml tells what it means
                last = at
            parts.append(stripped)
            at += 1
        del parts[last - self.at + 1 :]  # blank lines after the value are not part of it
        self.at = last + 1
        text = folded(parts)
        if ":\n" in text:
            raise _NotSimple  # a line ends in a colon: a key, to libyaml
        return _plain(text)

    def literal(self, line: str, start: int, parent: int) -> str:
        header = uncommented(line, start)
        if header not in ("|", "|-", "|+"):
            raise _NotSimple  # an indentation indicator, or something after it
        lines = self.lines
        self.at += 1
        body: list[str] = []
        indent = None
        while self.at < len(lines):
            text = lines[self.at]
            stripped = text.lstrip(" ")
            if not stripped:
                if indent is not None and len(text) > indent:
                    raise _NotSimple  # spaces beyond the indent: content or not, leave it to libyaml
                body.append("")
            else:
                spaces = len(text) - len(stripped)
                if indent is None:
                    if spaces <= parent:
                        break
                    if any(len(lines[i]) > spaces for i in range(self.at - len(body), self.at)):
                        raise _NotSimple  # a leading blank line longer than the indent is an error
                    indent = spaces
                elif spaces < indent:
                    break
                body.append(text[indent:])
            self.at += 1
        if indent is None:
            raise _NotSimple  # an empty block scalar: rare, and chomping rules apply
        if self.at == len(lines) and not self.final_break:
            raise _NotSimple  # the last line has no line break for clipping to keep
        trailing = len(body)
        while trailing and not body[trailing - 1]:
            trailing -= 1
        text = "\n".join(body[:trailing])
        if header == "|":
            return text + "\n"
        if header == "|-":
            return text
        return text + "\n" * (len(body) - trailing + 1)


def load(text: str) -> tuple[bool, Any, list[str] | None]:
    """(True, data, items) if ``text`` is in the subset, else (False, None,
    None): parse it with libyaml. ``items`` is the source text of each item
    when the document is a list (from its first line to the next item's)."""
    if text[:1] in _KEY_START:
        # One paper's file, in a few scans over its text (yamlmap.py). What it reads holds no
        # anchor and no document marker (its tests show that); printable() is checked here.
        mapping = yamlmap.read(text)
        if mapping is not None:
            return (True, mapping, None) if printable(text) else (False, None, None)
    if text.find("&id", 0, 8192) >= 0 or _WRAPPED_FIRST.match(text):  # safe_dump's anchors: id001...
        return False, None, None  # (a day's papers share their date, on the first): libyaml's, not half read
    reader = _Reader(text)
    starts: list[int] = []
    try:
        indent = reader.next_content()
        data = None if indent is None else reader.node(indent, starts)  # None: only comments
        if reader.next_content() is not None:
            raise _NotSimple  # something left over, less indented than the first line
    except (_NotSimple, IndexError, RecursionError):  # deep nesting: libyaml bounds it, with a message
        return False, None, None
    # Checked once the document is read, in C: a document the reader cannot
    # read usually says so on its first lines, and costs nothing more here.
    # Not printable: what PyYAML's reader rejects, line breaks other than \n
    # (YAML 1.1 also breaks at \r, NEL, LS and PS), tabs and a stray BOM, and
    # some harmless characters (no-break spaces): all left to libyaml.
    if not printable(text) or has_markers(text):
        return False, None, None
    if not isinstance(data, list):
        return True, data, None
    lines = reader.lines
    ends = [*starts[1:], len(lines)]
    return True, data, ["\n".join(lines[start:end]) for start, end in zip(starts, ends, strict=True)]
