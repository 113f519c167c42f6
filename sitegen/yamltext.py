"""Text-level pieces of the fast reader (simpleyaml.py), each a C-level scan
or two: the lines of a wrapped scalar folded as YAML folds them, where a
single-quoted scalar ends, and the characters and markers that send a whole
document to libyaml."""

from __future__ import annotations


class NotSimple(Exception):
    """The document leaves the subset the fast reader reads (simpleyaml)."""


def trailing(line: str, at: int) -> None:
    """After a quoted scalar or flow list, only spaces and a comment may follow."""
    rest = line[at:]
    stripped = rest.lstrip(" ")
    if stripped and not (stripped[0] == "#" and len(stripped) < len(rest)):
        raise NotSimple


def unindented(lines: list[str], pad: str) -> bool:
    """Whether one of ``lines`` is neither blank nor starts with ``pad`` (spaces).
    Counted in C (lines that start with it, and empty ones): a line at a time
    only when those are not all."""
    if ("\n" + "\n".join(lines)).count("\n" + pad) + lines.count("") == len(lines):
        return False
    return any(not line.startswith(pad) and line.strip(" ") for line in lines)


def folded(parts: list[str]) -> str:
    """Lines of a scalar, stripped, joined as YAML folds them: one line break
    between two lines is a space, and each empty line a line break. Runs of
    lines are joined in C; only the empty lines (paragraph breaks) cost a step."""
    empties = parts.count("") - (not parts[0])  # empty lines after the first
    if not empties:
        return " ".join(parts)
    out = []
    start, end = 0, len(parts)
    while empties:  # each run of empty lines, found without a search that fails (an exception)
        empty = parts.index("", start + 1)
        out.append(" ".join(parts[start:empty]))
        start = empty
        while start < end and not parts[start]:
            start += 1
        breaks = start - empty
        empties -= breaks
        if start == end:  # empty lines, then the scalar ended (a quote opening the last line)
            out.append("\n" * (breaks - 1) if breaks > 1 else " ")
            return "".join(out)
        out.append("\n" * breaks)
    out.append(" ".join(parts[start:]))
    return "".join(out)


def quote_end(line: str, at: int) -> int:
    """Where the single-quoted scalar going on at ``at`` ends ('' is a quote in
    it), or -1 if it goes on past the line."""
    while True:
        end = line.find("'", at)
        if end < 0 or not line.startswith("''", end):
            return end
        at = end + 2


# Every printable ASCII character, and the line break.
_PRINTABLE_ASCII = bytes(range(0x20, 0x7F)) + b"\n"


def printable(text: str) -> bool:
    """Whether every character but \n is printable (str.isprintable).

    For ASCII text, bytes.translate drops the printable bytes in one C loop:
    ~35 against ~200 µs for a day's file of 40 papers, whose copy without
    line breaks isprintable() would otherwise need (it stops at the first)."""
    if text.isascii():
        return not text.encode("ascii").translate(None, _PRINTABLE_ASCII)
    return text.replace("\n", "").isprintable()


def has_markers(text: str) -> bool:
    """A directive, or a line that starts with a document start or end marker."""
    return text[:1] == "%" or text[:3] in ("---", "...") or "\n---" in text or "\n..." in text


def uncommented(line: str, start: int) -> str:
    """The rest of the line from ``start``, without a trailing comment or spaces."""
    cut = line.find(" #", start)
    return (line[start:cut] if cut >= 0 else line[start:]).rstrip(" ")
