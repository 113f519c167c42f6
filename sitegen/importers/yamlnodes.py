"""Values put into ruamel.yaml's round-trip nodes the way a person would write them.

A new paper gets tags and plain author names on one line and its abstract as a
literal block; a changed value keeps the style of the one it replaces (quotes,
literal block, inline list); and a mapping or list that gains an item still
ends with the blank line or comments that ended it, instead of them ending up
above the new item.
"""

from __future__ import annotations

import re
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString, ScalarString
from ruamel.yaml.tokens import CommentToken


def styled(entry: dict[str, Any]) -> CommentedMap:
    """A new paper as a person would write it: tags and plain author names on one line,
    the abstract as a literal block, everything else plain."""
    node = CommentedMap()
    for key, value in entry.items():
        node[key] = _styled_value(key, value)
    return node


# Characters a block scalar cannot hold as they are: YAML readers disagree on whether
# U+2028/U+2029/U+0085 end a line, and a CR would be read as one. Such text is quoted.
_NOT_IN_BLOCKS = re.compile("[\r\x85\u2028\u2029]")


def _block_safe(text: str) -> bool:
    return not _NOT_IN_BLOCKS.search(text)


def _styled_value(key: str, value: Any) -> Any:
    if isinstance(value, str) and key in ("abstract", "note") and ("\n" in value or len(value) > 80):
        return LiteralScalarString(value) if _block_safe(value) else value
    if isinstance(value, list):
        seq = CommentedSeq(_styled_value("", item) for item in value)
        if all(isinstance(item, str) for item in value):
            seq.fa.set_flow_style()
        return seq
    if isinstance(value, dict):
        mapping = CommentedMap()
        for k, v in value.items():
            mapping[k] = _styled_value(k, v)
        return mapping
    return value


def put(mapping: Any, key: str, value: Any) -> None:
    """Set a key of a mapping read from YAML: in place if it is there, else at the end;
    either way the blank line (or comment lines) that ended the mapping still ends it."""
    if not isinstance(mapping, CommentedMap) or (key in mapping and key != next(reversed(mapping))):
        mapping[key] = value
        return
    tail = _detach_tail(mapping)
    mapping[key] = value
    if tail:
        _attach_tail(mapping, key, tail)


def extend(items: Any, new: list[Any]) -> None:
    """Append to a list read from YAML, keeping what ended it after the new last item."""
    if not new:
        return
    tail = _detach_tail(items) if isinstance(items, CommentedSeq) else ""
    items.extend(new)
    if tail:
        items.ca.items[len(items) - 1] = [CommentToken("\n" + tail, CommentMark(0), None), None, None, None]


# ruamel keeps what follows a node's last line (its end-of-line comment, then
# blank and comment lines) in a comment token: on a mapping key at position 2,
# on a sequence index at position 0.
def _last_slot(node: Any) -> tuple[list, int, Any] | None:
    if not isinstance(node, (CommentedMap, CommentedSeq)) or not node or node.fa.flow_style():
        return None
    last = next(reversed(node)) if isinstance(node, CommentedMap) else len(node) - 1
    deeper = _last_slot(node[last])
    if deeper is not None:
        return deeper
    slot = node.ca.items.get(last)
    position = 2 if isinstance(node, CommentedMap) else 0
    if slot is None or slot[position] is None:
        return None
    return slot, position, node[last]


def _detach_tail(node: CommentedMap | CommentedSeq) -> str:
    found = _last_slot(node)
    if found is None:
        return ""
    slot, position, value = found
    text = slot[position].value
    if isinstance(value, (LiteralScalarString, FoldedScalarString)):
        own, tail = "", text  # a block scalar ends its own line
    else:
        cut = text.find("\n") + 1 or len(text)
        own, tail = text[:cut], text[cut:]
    if own.strip():
        slot[position].value = own
    else:
        slot[position] = None
    return tail


def _attach_tail(mapping: CommentedMap, key: str, tail: str) -> None:
    value = mapping[key]
    if isinstance(value, CommentedMap) and value and not value.fa.flow_style():
        _attach_tail(value, next(reversed(value)), tail)
        return
    if isinstance(value, CommentedSeq) and value and not value.fa.flow_style():
        value.ca.items[len(value) - 1] = [CommentToken("\n" + tail, CommentMark(0), None), None, None, None]
        return
    slot = mapping.ca.items.get(key)
    if slot is not None and slot[2] is not None:  # the line's own comment, kept by _detach_tail
        slot[2].value += tail
        return
    text = tail if isinstance(value, (LiteralScalarString, FoldedScalarString)) else "\n" + tail
    mapping.ca.items[key] = [None, None, CommentToken(text, CommentMark(0), None), None]


def restyle_like(old: Any, new: Any) -> Any:
    """``new`` written the way ``old`` was: a literal block stays one, quotes stay, a flow list stays flow."""
    if isinstance(old, ScalarString) and isinstance(new, str) and not isinstance(new, ScalarString):
        block = isinstance(old, (LiteralScalarString, FoldedScalarString))
        return type(old)(new) if _block_safe(new) or not block else new
    if isinstance(old, CommentedSeq) and isinstance(new, list) and not isinstance(new, CommentedSeq):
        seq = CommentedSeq(_styled_value("", item) for item in new)
        if old.fa.flow_style():
            seq.fa.set_flow_style()
        return seq
    if isinstance(new, (list, dict)) and not isinstance(new, (CommentedSeq, CommentedMap)):
        return _styled_value("", new)
    return new
