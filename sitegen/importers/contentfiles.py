"""Edit content files the way a person would: rewrite the papers that changed, keep the rest.

YAML files are edited with ruamel.yaml's round trip, which keeps comments, key
order and quoting; the indentation that reproduces the file best is found by
trying the usual styles. A file is only written when its data changed, so an
import that finds nothing new leaves every byte as it was. JSON files have no
comments to keep: they are rewritten with the indentation they had.
"""

from __future__ import annotations

import io
import json
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML, YAMLError
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.tokens import CommentToken

from ..errors import ContentError, OutputError, Problem
from ..routes import id_key, is_valid_id
from .yamlnodes import styled

# (mapping indent, sequence indent, dash offset, columns taken off the left) styles people
# write, most common first. The last number covers the usual mix that ruamel cannot
# write in one go: papers' dashes at the margin, nested lists indented (as in docs/content.md).
Style = tuple[int, int, int, int]
_YAML_STYLES: tuple[Style, ...] = (
    (2, 2, 0, 0),
    (2, 4, 2, 2),
    (2, 4, 2, 0),
    (4, 4, 2, 0),
    (4, 6, 4, 4),
    (4, 6, 4, 0),
    (4, 4, 0, 0),
)
_WIDTH = 1 << 30  # never fold a long title or abstract across lines
_INDENT = re.compile(r"\n([ \t]+)\S")


def _yaml(style: Style = _YAML_STYLES[0]) -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = _WIDTH
    mapping, sequence, offset, _ = style
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    # Papers of one day share one date object: write it out each time, never as &id001 / *id001.
    yaml.representer.ignore_aliases = lambda data: True
    return yaml


def _dump(style: Style, data: Any) -> str:
    dedent = style[3]
    # ruamel puts an end-of-line comment at the column it was read from: moved right
    # first, it lands there again once the lines are moved left.
    marks = _comment_marks(data) if dedent else []
    for mark in marks:
        mark.column += dedent
    try:
        out = io.StringIO()
        _yaml(style).dump(data, out)
    finally:
        for mark in marks:
            mark.column -= dedent
    text = out.getvalue()
    if dedent:
        lines = text.splitlines(keepends=True)
        margin = " " * dedent
        if all(line.startswith(margin) or not line.strip() for line in lines):
            text = "".join(line[dedent:] if line.strip() else line for line in lines)
    return text


def _comment_marks(node: Any) -> list[Any]:
    """The position marks of the end-of-line comments in a node and below it, each once."""
    found: dict[int, Any] = {}

    def tokens(value: Any) -> Iterator[Any]:
        if isinstance(value, CommentToken):
            yield value
        elif isinstance(value, list):
            for item in value:
                yield from tokens(item)

    def walk(value: Any) -> None:
        if isinstance(value, (CommentedMap, CommentedSeq)):
            for slot in value.ca.items.values():
                for token in tokens(slot):
                    mark = token.start_mark
                    if mark is not None and getattr(mark, "column", 0) > 0:
                        found.setdefault(id(mark), mark)
            for child in value.values() if isinstance(value, CommentedMap) else value:
                walk(child)

    walk(node)
    return list(found.values())


@dataclass
class ContentFile:
    """One content file open for editing: its papers by id, and how to write it back."""

    path: Path  # on disk
    shown: str  # relative to the site folder, for messages
    data: Any  # CommentedMap / CommentedSeq for YAML; dict / list for JSON; None for a new file
    original: str | None = None  # the file's text as read; None for a new file
    is_json: bool = False
    style: Style = _YAML_STYLES[0]
    json_indent: int | None = 2
    header: str = ""  # for a new file: the comment it starts with
    added: list[dict[str, Any]] = field(default_factory=list)
    _index: dict[str, Any] = field(default_factory=dict)
    _indexed: bool = False  # the file's own papers are in _index (append adds only the new ones)
    # Papers of a YAML list changed in place: their position and the style that wrote them as they were.
    _edited: dict[int, Style] = field(default_factory=dict)
    _edited_whole: bool = False  # a change that only a whole new dump of the file can write

    @property
    def changed(self) -> bool:
        return bool(self._edited) or self._edited_whole or bool(self.added)

    def style_of(self, entry: Any) -> Style | None:
        """Before an entry is changed: the style that writes it back as it stands in the file
        (the files people write mix styles, e.g. papers at the margin and authors indented)."""
        if not isinstance(self.data, CommentedSeq) or self.original is None or self.data.fa.flow_style():
            return None
        index = next((i for i, item in enumerate(self.data) if item is entry), None)
        if index is None:
            return None
        written = "".join(self._lines()[slice(*self._region(index))])
        return _closest_style(CommentedSeq([entry]), written)

    def mark_edited(self, entry: Any, style: Style | None) -> None:
        """Say that ``entry`` (whose style_of was asked before the change) was changed."""
        index = next((i for i, item in enumerate(self.data or ()) if item is entry), None)
        if style is None or index is None or not isinstance(self.data, list):
            self._edited_whole = True
        else:
            self._edited[index] = style

    def _lines(self) -> list[str]:
        return (self.original or "").splitlines(keepends=True)

    def _region(self, index: int) -> tuple[int, int]:
        """The lines of the index-th paper of a list file: from its dash to the next paper's."""
        data = self.data
        start = data.lc.item(index)[0]
        if index + 1 == len(data):
            return start, len(self._lines())
        end = data.lc.item(index + 1)[0]
        # Blank and comment lines before the next paper are sometimes kept as that paper's
        # (when this one ends in an inline list): they are not this paper's to write.
        before_next = data.ca.items.get(index + 1)
        if before_next and before_next[1]:
            end -= sum(token.value.count("\n") for token in before_next[1])
        return start, end

    def entries(self) -> Iterator[Any]:
        if isinstance(self.data, dict):
            yield self.data
        elif isinstance(self.data, list):
            yield from (item for item in self.data if isinstance(item, dict))
        yield from self.added

    def entry(self, paper_id: str) -> Any | None:
        """The mapping of the paper with this id (any letter case, either old arXiv spelling)."""
        if not self._indexed:
            self._indexed = True
            for item in self.entries():
                raw = item.get("id")
                if isinstance(raw, str) and is_valid_id(raw.strip()):
                    self._index.setdefault(id_key(raw.strip()), item)
        return self._index.get(id_key(paper_id))

    def append(self, entry: dict[str, Any]) -> dict[str, Any]:
        """Add a new paper at the end of the file; returns the mapping to edit further."""
        node = entry if self.is_json else styled(entry)
        self.added.append(node)
        self._index[id_key(entry["id"])] = node
        return node

    def reads_back(self, text: str) -> bool:
        """Whether ``text`` parses again as this file's kind (ruamel and the site's loader
        disagree on a few characters; what ruamel cannot read, no later import could edit)."""
        try:
            json.loads(text) if self.is_json else _yaml().load(text)
        except Exception:  # noqa: BLE001 - any parser failure means the same: do not write it
            return False
        return True

    def text(self) -> str:
        if self.is_json:
            data: Any = self.data
            if self.added:
                data = ([data] if isinstance(data, dict) else list(data or [])) + self.added
            return json.dumps(data, indent=self.json_indent, ensure_ascii=False) + "\n"
        if self.data is None:  # a new (or empty) file: only what this import adds
            return self.header + _spaced(_dump(self.style, CommentedSeq(self.added)))
        if self.added and (not isinstance(self.data, list) or self.data.fa.flow_style()):
            return self._whole()  # one paper, or a list written inline: now a block list
        if self._edited_whole or self.original is None:
            body = _dump(self.style, self.data)
        elif self._edited:
            body = self._spliced()
        else:
            body = self.original
        if not self.added:
            return body
        # New papers go after the last one, the file's own bytes untouched above them,
        # if they line up with it; in a layout no style writes, the file is written anew.
        appended = body.rstrip("\n") + "\n\n" + _spaced(_dump(self.style, CommentedSeq(self.added)))
        return appended if self._holds_all(appended) else self._whole()

    def _whole(self) -> str:
        whole = CommentedSeq([self.data] if isinstance(self.data, dict) else self.data)
        whole.extend(self.added)
        return _spaced(_dump(self.style, whole))

    def _holds_all(self, text: str) -> bool:
        """Whether ``text`` reads as this file's papers followed by the added ones."""
        try:
            loaded = _yaml().load(text)
        except YAMLError:
            return False
        expected = [*self.data, *self.added]
        return isinstance(loaded, list) and [_id_of(item) for item in loaded] == [
            _id_of(item) for item in expected
        ]

    def _spliced(self) -> str:
        """The original text with each changed paper's lines, and only those, written anew."""
        lines = self._lines()
        out: list[str] = []
        position = 0
        for index in sorted(self._edited):
            start, end = self._region(index)
            out.extend(lines[position:start])
            out.append(_dump(self._edited[index], CommentedSeq([self.data[index]])))
            position = end
        out.extend(lines[position:])
        return "".join(out)


def _id_of(item: Any) -> Any:
    return item.get("id") if isinstance(item, dict) else item


def entry_text(entry: dict[str, Any]) -> str:
    """One new paper as it would be written into a day file."""
    return _dump(_YAML_STYLES[0], CommentedSeq([styled(entry)]))


def _spaced(text: str) -> str:
    """One blank line between the papers of a list written by this module."""
    return re.sub(r"(?<=[^\n])\n(- )", r"\n\n\1", text)


def open_yaml(path: Path, shown: str, text: str) -> ContentFile:
    """Parse for editing, with the indentation style that writes the file back most faithfully."""
    data = _yaml().load(text)  # the indentation settings matter only for writing
    if data is None:
        return ContentFile(path, shown, None, text)
    return ContentFile(path, shown, data, text, style=_closest_style(data, text))


def _closest_style(data: Any, text: str) -> Style:
    """The style whose writing of ``data`` is ``text``, or the one that differs in fewest lines."""
    best: tuple[int, Style] | None = None
    for style in _YAML_STYLES:
        out = _dump(style, data)
        if out == text:
            return style
        differing = sum(a != b for a, b in zip(out.splitlines(), text.splitlines(), strict=False))
        differing += abs(len(out.splitlines()) - len(text.splitlines()))
        if best is None or differing < best[0]:
            best = (differing, style)
    assert best is not None
    return best[1]


def open_json(path: Path, shown: str, text: str) -> ContentFile:
    match = _INDENT.search(text)
    indent: int | None = None
    if match:
        indent = len(match.group(1).expandtabs(4))
    return ContentFile(path, shown, json.loads(text), text, is_json=True, json_indent=indent)


def open_content_file(path: Path, shown: str) -> ContentFile:
    """An existing file (already checked by the loader, so it parses), or a new empty one."""
    if not path.exists():
        return ContentFile(path, shown, None, is_json=path.suffix.lower() == ".json")
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".json":
        return open_json(path, shown, text)
    try:
        return open_yaml(path, shown, text)
    except YAMLError as error:  # the site's loader read it; ruamel reads a few characters otherwise
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(error, "problem", None) or "unreadable"
        message = f"sitegen import cannot edit this file ({reason}); edit this paper by hand"
        raise ContentError(Problem(message, shown, line)) from None


def write_files(files: dict[Path, bytes], site_dir: Path) -> None:
    """Write every file or none: all go to temporary files beside their targets
    first, and only when every one is on disk do they replace the originals."""
    staged: list[tuple[Path, Path]] = []
    try:
        for path, data in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(prefix=".sitegen-import-", suffix=".tmp", dir=path.parent)
            staged.append((Path(temp), path))
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            if path.exists():
                os.chmod(temp, path.stat().st_mode & 0o777)
            else:
                os.chmod(temp, 0o644)
        for temp, path in staged:
            os.replace(temp, path)
    except OSError as exc:
        for temp, _ in staged:
            temp.unlink(missing_ok=True)
        where = os.path.relpath(exc.filename, site_dir) if getattr(exc, "filename", None) else str(site_dir)
        raise OutputError(Problem(f"could not write: {exc.strerror or exc}", where)) from None
