"""Read one YAML or JSON file into plain data, with line numbers on demand.

Parsing is the hot spot of a large build, so the fast paths are simpleyaml
for the usual shape of a content file, then the C parsers (libyaml's
CSafeLoader, or the json module) with a lean constructor for the strings,
lists and mappings content files hold; line numbers are looked up only when
a problem needs one. Duplicate keys are errors: PyYAML and json
silently keep the last one, which hides typos and merge accidents.
"""

from __future__ import annotations

import codecs
import json
import re
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
from .limits import DEFAULT_LIMITS, Limits, may_hold_bad_characters
from .safefiles import UnsafeFile, read_regular, too_big
from .yamltree import (
    KeyPath,
    alias_copies,
    bad_scalars,
    field_name,
    has_duplicates,
    is_recursive,
    walk,
    yaml_duplicates,
)

__all__ = ["DOCUMENT_SUFFIXES", "Document", "KeyPath", "field_name", "load_document"]
DOCUMENT_SUFFIXES = (".yaml", ".yml", ".json")

# A \uD800-\uDFFF escape: json accepts unpaired ones, which UTF-8 output cannot hold.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile(
    r"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F])|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F]"
)


_BOM = codecs.BOM_UTF8
_NOT_YAML = re.compile(
    "[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)


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
    # With problems, usually None; but a YAML scalar its type cannot hold (the
    # unquoted impossible date 2025-02-30) is a problem here and its text in
    # data, so that the rest of the file can still be checked.
    data: Any = None
    problems: list[Problem] = field(default_factory=list)
    _node: Any = None  # yaml node tree, composed lazily for line lookups
    # The source text of each entry of a top-level list, when simpleyaml read
    # it: cheaper to hash for an entry's digest than the entry's data.
    entry_texts: list[str] | None = None
    # No string in data can hold a character limits.character_problem forbids, so
    # the loader need not look: the text has none, and no escapes to make one.
    clean: bool = True

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
            # YAML is close enough to a superset of JSON to locate keys in it.
            # Tabs, controls and noncharacters are fine in JSON but not in YAML,
            # nor line breaks but \n; each becomes a space, so lines don't move.
            text = _NOT_YAML.sub(" ", self.text) if self.is_json else self.text
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
        if has_duplicates(root):
            raise _DuplicateKey from None
        return loader.construct_document(root)
    finally:
        # ``build`` refers to itself through its closure: a reference cycle that would
        # keep this file's loader, nodes and values until the cyclic GC runs, and the
        # load runs with it off (gcsettings.long_lived), then freezes what is left:
        # 3.6 GB held at the end of a 100k-paper load instead of 0.6 GB.
        build = None  # noqa: F841  (the closure's own reference: unbound, the cycle is gone)


def _with_bad_scalars_as_text(root: Any, aliases: bool) -> Any:
    """The data of a tree some scalar of which PyYAML's constructor refuses
    (each already a located problem), with those scalars as the strings they are
    written as; None if that fails too. A rare path: it runs after such a failure."""
    constructor = yaml.constructor.SafeConstructor()
    for _, node in walk(root):
        if isinstance(node, yaml.ScalarNode) and node.tag != _STR:
            try:
                constructor.construct_object(node)
            except (ValueError, OverflowError, yaml.YAMLError):
                node.tag = _STR
    try:
        return _construct(root, yaml.constructor.SafeConstructor(), aliases)
    except (ValueError, OverflowError, RecursionError, yaml.YAMLError, _DuplicateKey):
        return None


def _mark_line(exc: yaml.YAMLError, text: str) -> int | None:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if mark is not None:
        return mark.line + 1
    position = getattr(exc, "position", None)  # ReaderError: a byte offset into the UTF-8 text
    if isinstance(position, int):
        return text.encode("utf-8")[:position].count(b"\n") + 1
    return None


def load_document(
    path: Path | str,
    shown: Path | str | None = None,
    raw: bytes | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Document:
    """Parse ``path`` (or its bytes ``raw``, when already read); problems are
    reported against ``shown`` (defaults to path). ``path`` must be a regular
    file, not a link (see safefiles)."""
    shown = shown or path
    is_json = _is_json(path)
    try:
        if raw is None:
            raw = read_regular(path, limits.file_size)
        elif len(raw) > limits.file_size:
            raise UnsafeFile(too_big(len(raw), limits.file_size))
    except UnsafeFile as exc:
        return Document(shown, "", is_json, problems=[Problem(str(exc), shown)])
    try:  # the "utf-8" decoder is C's own; "utf-8-sig" (a BOM) goes through a Python codec
        text = raw.decode("utf-8") if raw[:3] != _BOM else raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        message = f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8"
        return Document(shown, "", is_json, problems=[Problem(message, shown, line)])
    doc = Document(shown, text, is_json)
    if is_json:
        _parse_json(doc, raw)
    else:
        _parse_yaml(doc, limits.aliases, raw)
    return doc


def _is_json(path: Path | str) -> bool:
    """``Path(path).suffix.lower() == ".json"``, without making a Path (the load passes text):
    a name that ends so, and has more before its dot than nothing (".json" has no suffix)."""
    if isinstance(path, Path):
        return path.suffix.lower() == ".json"
    return path[-5:].lower() == ".json" and path[-6:-5] not in ("", "/")


# Bytes that are text, and lead bytes of characters none of which is
# forbidden: what remains of a file without them is usually nothing. Kept:
# C0 controls, DEL, and the lead bytes of U+0080-00BF (C2), U+F000-FFFF (EF)
# and of every character past the first plane (F0-F4).
_HARMLESS_BYTES = bytes(range(0x20, 0x7F)) + b"\t\n\r" + bytes(range(0x80, 0xC2)) + bytes(range(0xC3, 0xEF))
_HARMLESS_BYTES += bytes(range(0xF5, 0x100))
_LEAD_BYTES = b"\xc2\xef\xf0\xf1\xf2\xf3\xf4"


def _raw_may_hold_bad_characters(raw: bytes, text: str) -> bool:
    """Whether the characters of the file, as written, may include a forbidden
    one: one pass in C over its bytes (~35 µs for 90 KB; str.isprintable takes 250)."""
    left = raw.translate(None, _HARMLESS_BYTES)
    if not left:
        return False
    if left.translate(None, _LEAD_BYTES):
        return True  # a control character itself
    return may_hold_bad_characters(text)


def _parse_json(doc: Document, raw: bytes) -> None:
    if not doc.text.strip():
        return  # an empty file holds nothing, as an empty YAML file does
    try:
        doc.data = json.loads(doc.text, object_pairs_hook=_reject_duplicates)
    except json.JSONDecodeError as exc:
        doc.problems.append(Problem(f"invalid JSON: {exc.msg} (column {exc.colno})", doc.path, exc.lineno))
    except RecursionError:
        doc.problems.append(Problem("invalid JSON: nested too deeply", doc.path))
    except ValueError as exc:  # an integer of more than 4300 digits
        doc.problems.append(Problem(f"invalid JSON: {exc}", doc.path))
    except _DuplicateKey as exc:
        node = doc._root_node()
        if node is not None:
            yaml_duplicates(node, doc.path, doc.problems)
        if not doc.problems:  # could not locate it; still refuse the file
            doc.problems.append(Problem("duplicate key in a JSON object", doc.path, None, str(exc)))
    else:
        doc.clean = not _json_may_hold_bad_characters(raw, doc.text)
        _check_surrogates(doc)


# Escapes that can make a forbidden character: \b, \f and some \uXXXX.
_JSON_ESCAPE = re.compile(r"\\[bfu]")


def _json_may_hold_bad_characters(raw: bytes, text: str) -> bool:
    """_raw_may_hold_bad_characters, and then each escape that could make one:
    JSON abstracts are full of escaped line breaks and LaTeX backslashes, and
    most such files then need no look string by string."""
    if _raw_may_hold_bad_characters(raw, text):
        return True
    for match in _JSON_ESCAPE.finditer(text):
        start = before = match.start()
        while before and text[before - 1] == "\\":
            before -= 1
        if (start - before) % 2:
            continue  # an escaped backslash, then a letter
        if match.group() != "\\u":
            return True
        code = int(text[start + 2 : start + 6], 16)
        if code < 0xA0 or 0xD800 <= code <= 0xDFFF or 0xFDD0 <= code <= 0xFDEF or code >= 0xFFFE:
            return True  # controls, surrogates (pairs too), noncharacters; or \u0041, rarely written
    return False


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


def _parse_yaml(doc: Document, alias_limit: int, raw: bytes) -> None:
    simple, data, entries = simpleyaml.load(doc.text)
    if simple:  # the usual shape, read without a node tree; lines are found on demand
        doc.data, doc.entry_texts = data, entries  # and only printable characters, no escapes
        return
    # Escapes ("\\x07") make any character from clean text.
    doc.clean = "\\" not in doc.text and not _raw_may_hold_bad_characters(raw, doc.text)
    loader = _Loader(doc.text)
    try:
        node = loader.get_single_node()
        if node is None:
            return
        aliases = "&" in doc.text  # no anchor, no alias
        if aliases and is_recursive(node):
            yaml_duplicates(node, doc.path, doc.problems)
            doc.problems.append(Problem("invalid YAML: an alias is used inside its own anchor", doc.path))
            return
        # Aliases share one value, but whatever walks the data (repr, templates) meets each copy.
        if aliases and alias_copies(node) > alias_limit:
            message = f"invalid YAML: aliases repeat more than limits.aliases ({alias_limit:,}) values"
            doc.problems.append(Problem(message, doc.path))
            return
        doc._node = node
        try:
            doc.data = _construct(node, loader, aliases)
        except RecursionError:  # libyaml allows 1000 levels; content needs a few
            doc.problems.append(Problem("invalid YAML: lists and mappings nested too deeply", doc.path))
        except _DuplicateKey:
            yaml_duplicates(node, doc.path, doc.problems)
        except (ValueError, OverflowError) as exc:
            bad_scalars(node, doc.path, doc.problems)
            if not doc.problems:
                doc.problems.append(Problem(f"invalid value ({exc})", doc.path))
            else:  # the rest of the file is still checked (see Document.data)
                doc.data = _with_bad_scalars_as_text(node, aliases)
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
