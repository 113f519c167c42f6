"""Checks on a YAML node tree: duplicate keys, recursive and exploding aliases,
scalars PyYAML cannot construct. Node trees share a node wherever an alias
repeats an anchor, so every walk here visits a node once: a plain tree walk
of a "billion laughs" file would never finish."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from .errors import Problem
from .limits import show

KeyPath = tuple  # keys and list indices from the document root


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
            step = str(step)
            if not step.isprintable():  # a key with a control character is not printed as it is
                step = repr(step)[1:-1]
            if len(step) > 60:  # nor a key of a megabyte
                step = step[:57] + "..."
            parts.append(f".{step}" if parts else step)
    return "".join(parts)


def walk(node: Any) -> Iterator[tuple[KeyPath, Any]]:
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


def has_duplicates(root: Any) -> bool:
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


def yaml_duplicates(node: Any, shown: Path | str, problems: list[Problem]) -> None:
    if not has_duplicates(node):
        return
    found: list[Problem] = []
    for path, current in walk(node):
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


def is_recursive(root: Any) -> bool:
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


def bad_scalars(node: Any, shown: Path | str, problems: list[Problem]) -> None:
    """Locate scalars the constructor rejects, e.g. the impossible date 2025-02-30.

    PyYAML raises a bare ValueError for those, with no position; this slow
    path runs only after such a failure.
    """
    constructor = yaml.constructor.SafeConstructor()
    for path, current in walk(node):
        if not isinstance(current, yaml.ScalarNode):
            continue
        try:
            constructor.construct_object(current)
        except (ValueError, OverflowError) as exc:
            kind = current.tag.rsplit(":", 1)[-1]
            what = "impossible date" if kind == "timestamp" else f"invalid {kind}"
            line = current.start_mark.line + 1
            problems.append(Problem(f"{what} {show(current.value)} ({exc})", shown, line, field_name(path)))
        except yaml.YAMLError:
            continue


def alias_copies(root: Any) -> int:
    """How many more nodes the tree would hold with every alias expanded.

    Each node's expanded count is made once, from its children's, so a
    "billion laughs" file costs as many steps as it has nodes."""
    sizes: dict[int, int] = {}
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        if isinstance(node, yaml.ScalarNode):
            sizes[id(node)] = 1
            continue
        if isinstance(node, yaml.MappingNode):
            children = [child for pair in node.value for child in pair]
        else:
            children = node.value
        if children_done:
            sizes[id(node)] = 1 + sum(sizes[id(child)] for child in children)
        else:
            stack.append((node, True))
            stack.extend((child, False) for child in children if id(child) not in sizes)
    return sizes[id(root)] - len(sizes)
