"""Read one YAML or JSON file into plain data, with line numbers on demand.

Parsing is the hot spot of a large build, so the fast path is the C parser
(libyaml's CSafeLoader, or the json module) and line numbers are looked up
only when a problem needs one. Duplicate keys are errors: PyYAML and json
silently keep the last one, which hides typos and merge accidents.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

try:  # libyaml is ~10x faster; fall back where it was not compiled in
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

from .errors import Problem

DOCUMENT_SUFFIXES = (".yaml", ".yml", ".json")
KeyPath = tuple  # keys and list indices from the document root


class _DuplicateKey(Exception):
    pass


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict:
    result: dict = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


@dataclass
class Document:
    """Parsed data of one file, or the problems that stopped parsing it."""

    path: Path  # as shown to the user
    text: str
    is_json: bool
    data: Any = None
    problems: list[Problem] = field(default_factory=list)
    _node: Any = None  # yaml node tree, composed lazily for line lookups

    def line_at(self, path: KeyPath) -> int | None:
        """1-based line of the key (or list item) at ``path``; None if unknown."""
        node = self._root_node()
        if node is None:
            return 1 if not path else None
        line = node.start_mark.line + 1
        for step in path:
            found = _child(node, step)
            if found is None:
                return line
            key_node, node = found
            line = key_node.start_mark.line + 1
        return line

    def _root_node(self) -> Any:
        if self._node is None:
            # YAML is close enough to a superset of JSON to locate keys in it;
            # tabs are fine in JSON but not in YAML, and lines don't move.
            text = self.text.replace("\t", " ") if self.is_json else self.text
            try:
                self._node = yaml.compose(text, Loader=_Loader) or False
            except yaml.YAMLError:
                self._node = False
        return self._node or None


def _child(node: Any, step: Any) -> tuple[Any, Any] | None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == str(step):
                return key_node, value_node
    elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
        if 0 <= step < len(node.value):
            item = node.value[step]
            return item, item
    return None


def _yaml_duplicates(node: Any, shown: Path, problems: list[Problem]) -> None:
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key_node, value_node in current.value:
                if isinstance(key_node, yaml.ScalarNode):
                    line = key_node.start_mark.line + 1
                    if key_node.value in seen:
                        problems.append(
                            Problem(
                                f"duplicate key (first given on line {seen[key_node.value]})",
                                shown,
                                line,
                                key_node.value,
                            )
                        )
                    else:
                        seen[key_node.value] = line
                stack.append(value_node)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)


def _mark_line(exc: yaml.YAMLError) -> int | None:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    return mark.line + 1 if mark is not None else None


def load_document(path: Path, shown: Path | None = None) -> Document:
    """Parse ``path``; problems are reported against ``shown`` (defaults to path)."""
    shown = shown or path
    is_json = path.suffix.lower() == ".json"
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return Document(shown, "", is_json, problems=[Problem(f"cannot read file: {exc.strerror}", shown)])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return Document(
            shown, "", is_json,
            problems=[Problem(f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8", shown, line)],
        )
    doc = Document(shown, text, is_json)
    if is_json:
        _parse_json(doc)
    else:
        _parse_yaml(doc)
    return doc


def _parse_json(doc: Document) -> None:
    try:
        doc.data = json.loads(doc.text, object_pairs_hook=_reject_duplicates)
    except json.JSONDecodeError as exc:
        doc.problems.append(Problem(f"invalid JSON: {exc.msg} (column {exc.colno})", doc.path, exc.lineno))
    except _DuplicateKey:
        node = doc._root_node()
        if node is not None:
            _yaml_duplicates(node, doc.path, doc.problems)
        if not doc.problems:  # could not locate it; still refuse the file
            doc.problems.append(Problem("duplicate key in a JSON object", doc.path))


def _parse_yaml(doc: Document) -> None:
    loader = _Loader(doc.text)
    try:
        node = loader.get_single_node()
        if node is None:
            return
        _yaml_duplicates(node, doc.path, doc.problems)
        if doc.problems:
            return
        doc._node = node
        doc.data = loader.construct_document(node)
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        doc.problems.append(Problem(f"invalid YAML: {problem}", doc.path, _mark_line(exc)))
    finally:
        loader.dispose()
