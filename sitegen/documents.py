"""Read one YAML or JSON file into plain data, with line numbers on demand.

Parsing is the hot spot of a large build, so the fast paths are simpleyaml
for the usual shape of a content file, then the C parsers (libyaml's
CSafeLoader, or the json module) with a lean constructor for the strings,
lists and mappings content files hold; line numbers are looked up only when
a problem needs one. Duplicate keys are errors: PyYAML and json
silently keep the last one, which hides typos and merge accidents.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

try:  # libyaml is ~10x faster; fall back where it was not compiled in
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

from . import simpleyaml
from .errors import Problem

DOCUMENT_SUFFIXES = (".yaml", ".yml", ".json")
KeyPath = tuple  # keys and list indices from the document root

# A \uD800-\uDFFF escape: json accepts unpaired ones, which UTF-8 output cannot hold.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile(
    r"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F])|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F]"
)


def field_name(path: KeyPath) -> str:
    """``('authors', 1, 'name')`` -> ``'authors[1].name'``.

    A leading list index (which paper of a list file) is left out: the line
    number already says which entry it is.
    """
    parts: list[str] = []
    for position, step in enumerate(path):
        if isinstance(step, int) and not isinstance(step, bool):
            if position:
                parts.append(f"[{step}]")
        else:
            parts.append(f".{step}" if parts else str(step))
    return "".join(parts)


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

    path: Path | str  # as shown to the user
    text: str
    is_json: bool
    data: Any = None
    problems: list[Problem] = field(default_factory=list)
    _node: Any = None  # yaml node tree, composed lazily for line lookups
    # The source text of each entry of a top-level list, when simpleyaml read
    # it: cheaper to hash for an entry's digest than the entry's data.
    entry_texts: list[str] | None = None

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

    def source_at(self, path: KeyPath) -> str | None:
        """The scalar at ``path`` exactly as written, e.g. '2403.09630' where the
        parsed value is the float 2403.0963; None if it is not a scalar."""
        node = self._root_node()
        for step in path:
            found = _child(node, step) if node is not None else None
            if found is None:
                return None
            node = found[1]
        return node.value if isinstance(node, yaml.ScalarNode) else None

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


def _walk(node: Any) -> Iterator[tuple[KeyPath, Any]]:
    """Yield (keypath, node) for every node once; aliases share nodes, so a
    plain tree walk of a "billion laughs" file would never finish."""
    seen: set[int] = set()
    stack: list[tuple[KeyPath, Any]] = [((), node)]
    while stack:
        path, current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield path, current
        if isinstance(current, yaml.MappingNode):
            for key_node, value_node in reversed(current.value):
                key_path = path + (getattr(key_node, "value", "?"),)
                stack.append((key_path, value_node))
                stack.append((key_path, key_node))
        elif isinstance(current, yaml.SequenceNode):
            for index in range(len(current.value) - 1, -1, -1):
                stack.append((path + (index,), current.value[index]))


def _has_duplicates(root: Any) -> bool:
    """Fast check run on every file: collections only, no key paths."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            keys = [key.value for key, _ in node.value if isinstance(key, yaml.ScalarNode)]
            if len(set(keys)) != len(keys):
                return True
            stack.extend(value for _, value in node.value if not isinstance(value, yaml.ScalarNode))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(item for item in node.value if not isinstance(item, yaml.ScalarNode))
    return False


def _yaml_duplicates(node: Any, shown: Path | str, problems: list[Problem]) -> None:
    if not _has_duplicates(node):
        return
    found: list[Problem] = []
    for path, current in _walk(node):
        if not isinstance(current, yaml.MappingNode):
            continue
        seen: dict[str, int] = {}
        for key_node, _ in current.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            line = key_node.start_mark.line + 1
            if key_node.value in seen:
                message = f"duplicate key (first given on line {seen[key_node.value]})"
                found.append(Problem(message, shown, line, field_name(path + (key_node.value,))))
            else:
                seen[key_node.value] = line
    problems.extend(sorted(found, key=Problem.sort_key))


def _is_recursive(root: Any) -> bool:
    """True if an alias points back to a node that contains it (data would be cyclic)."""
    on_path: set[int] = set()
    done: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        if leaving:
            on_path.discard(id(node))
            done.add(id(node))
            continue
        if id(node) in on_path:
            return True
        if id(node) in done or isinstance(node, yaml.ScalarNode):
            continue
        on_path.add(id(node))
        stack.append((node, True))
        if isinstance(node, yaml.MappingNode):
            stack.extend((child, False) for pair in node.value for child in pair)
        else:
            stack.extend((child, False) for child in node.value)
    return False


_STR, _MAP, _SEQ = "tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"


class _Unusual(Exception):
    """A node _construct leaves to PyYAML: merge keys, non-string keys, !!set, ..."""


def _construct(root: Any, loader: Any, aliases: bool) -> Any:
    """Node tree -> data, as PyYAML's constructor would make it, and
    _DuplicateKey on a repeated key.

    Content files are strings, lists and mappings; built here in one pass with
    the duplicate check, they cost a quarter of what PyYAML's general
    constructor and a separate duplicate walk took (~20 against ~80 µs a
    paper, of ~180 µs to parse one). Other scalars (numbers, dates) go to
    PyYAML node by node, anything more unusual to PyYAML for the whole document.
    """
    scalar, mapping, sequence = yaml.ScalarNode, yaml.MappingNode, yaml.SequenceNode
    made: dict[int, Any] = {}  # with aliases, a shared node is one shared value (and no "billion laughs")

    def build(node: Any) -> Any:
        kind = node.__class__
        if kind is scalar:
            return node.value if node.tag == _STR else loader.construct_object(node)
        if aliases and id(node) in made:
            return made[id(node)]
        if kind is mapping and node.tag == _MAP:
            value: Any = {}
            made[id(node)] = value
            for key_node, value_node in node.value:
                if key_node.__class__ is not scalar or key_node.tag != _STR:
                    raise _Unusual
                if key_node.value in value:
                    raise _DuplicateKey(key_node.value)
                value[key_node.value] = build(value_node)
            return value
        if kind is sequence and node.tag == _SEQ:
            value = made[id(node)] = []
            value.extend(build(item) for item in node.value)
            return value
        raise _Unusual

    try:
        return build(root)
    except _Unusual:
        if _has_duplicates(root):
            raise _DuplicateKey from None
        return loader.construct_document(root)


def _bad_scalars(node: Any, shown: Path | str, problems: list[Problem]) -> None:
    """Locate scalars the constructor rejects, e.g. the impossible date 2025-02-30.

    PyYAML raises a bare ValueError for those, with no position; this slow
    path runs only after such a failure.
    """
    constructor = yaml.constructor.SafeConstructor()
    for path, current in _walk(node):
        if not isinstance(current, yaml.ScalarNode):
            continue
        try:
            constructor.construct_object(current)
        except (ValueError, OverflowError) as exc:
            kind = current.tag.rsplit(":", 1)[-1]
            what = "impossible date" if kind == "timestamp" else f"invalid {kind}"
            line = current.start_mark.line + 1
            problems.append(Problem(f"{what} '{current.value}' ({exc})", shown, line, field_name(path)))
        except yaml.YAMLError:
            continue


def _mark_line(exc: yaml.YAMLError, text: str) -> int | None:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if mark is not None:
        return mark.line + 1
    position = getattr(exc, "position", None)  # ReaderError: a byte offset into the UTF-8 text
    if isinstance(position, int):
        return text.encode("utf-8")[:position].count(b"\n") + 1
    return None


def load_document(path: Path, shown: Path | str | None = None, raw: bytes | None = None) -> Document:
    """Parse ``path`` (or its bytes ``raw``, when already read); problems are
    reported against ``shown`` (defaults to path)."""
    shown = shown or path
    is_json = path.suffix.lower() == ".json"
    if raw is None:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            return Document(
                shown, "", is_json, problems=[Problem(f"cannot read file: {exc.strerror}", shown)]
            )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        message = f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8"
        return Document(shown, "", is_json, problems=[Problem(message, shown, line)])
    doc = Document(shown, text, is_json)
    if is_json:
        _parse_json(doc)
    else:
        _parse_yaml(doc)
    return doc


def _parse_json(doc: Document) -> None:
    if not doc.text.strip():
        return  # an empty file holds nothing, as an empty YAML file does
    try:
        doc.data = json.loads(doc.text, object_pairs_hook=_reject_duplicates)
    except json.JSONDecodeError as exc:
        doc.problems.append(Problem(f"invalid JSON: {exc.msg} (column {exc.colno})", doc.path, exc.lineno))
    except RecursionError:
        doc.problems.append(Problem("invalid JSON: nested too deeply", doc.path))
    except _DuplicateKey as exc:
        node = doc._root_node()
        if node is not None:
            _yaml_duplicates(node, doc.path, doc.problems)
        if not doc.problems:  # could not locate it; still refuse the file
            doc.problems.append(Problem("duplicate key in a JSON object", doc.path, None, str(exc)))
    else:
        _check_surrogates(doc)


def _check_surrogates(doc: Document) -> None:
    if "\\u" not in doc.text or not _SURROGATE_ESCAPE.search(doc.text):
        return
    try:
        json.dumps(doc.data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        lone = _LONE_SURROGATE.search(doc.text)
        line = doc.text.count("\n", 0, lone.start()) + 1 if lone else None
        doc.data = None
        doc.problems.append(
            Problem("invalid JSON: unpaired surrogate escape (such as \\ud800) is not text", doc.path, line)
        )


def _parse_yaml(doc: Document) -> None:
    simple, data, entries = simpleyaml.load(doc.text)
    if simple:  # the usual shape, read without a node tree; lines are found on demand
        doc.data, doc.entry_texts = data, entries
        return
    loader = _Loader(doc.text)
    try:
        node = loader.get_single_node()
        if node is None:
            return
        aliases = "&" in doc.text  # no anchor, no alias
        if aliases and _is_recursive(node):
            _yaml_duplicates(node, doc.path, doc.problems)
            doc.problems.append(Problem("invalid YAML: an alias is used inside its own anchor", doc.path))
            return
        doc._node = node
        try:
            doc.data = _construct(node, loader, aliases)
        except _DuplicateKey:
            _yaml_duplicates(node, doc.path, doc.problems)
        except (ValueError, OverflowError) as exc:
            _bad_scalars(node, doc.path, doc.problems)
            if not doc.problems:
                doc.problems.append(Problem(f"invalid value ({exc})", doc.path))
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        line = _mark_line(exc, doc.text)
        context, context_mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        if context and context_mark is not None and context_mark.line + 1 != line:
            # Where the unclosed bracket or block began is often the real mistake.
            problem = problem.removeprefix("but ")
            problem += f" ({context} that began on line {context_mark.line + 1})"
        doc.problems.append(Problem(f"invalid YAML: {problem}", doc.path, line))
    finally:
        loader.dispose()
