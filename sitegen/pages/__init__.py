"""Page kinds: one module each (or a few that belong together, like a list
and its index). A module has ``plan(site, routes)``, the outputs of its kinds
in a stable order, and ``KINDS``, each kind's name -> PageKind. siteplan.py
lists the modules; Renderer renders and keys an Output through its kind."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..model import Paper


def _settings_only(renderer: Any, *key: Any) -> None:
    return None


@dataclass(frozen=True, slots=True)
class PageKind:
    # (renderer, *output.key) -> the file's bytes
    render: Callable[..., bytes]
    # (renderer, *output.key) -> what the file shows besides settings and
    # templates (its papers' digests, names, counts): a rebuild whose value is
    # the same reuses the file. Err towards too much, never too little.
    shows: Callable[..., Any] = _settings_only


def paper_digest(paper: Paper) -> str:
    """The loader's digest, or one made from the whole entry when built by hand."""
    return paper.digest or hashlib.blake2b(repr(paper).encode(), digest_size=12).hexdigest()


def digests(papers: Sequence[Paper]) -> list[str]:
    return [paper_digest(p) for p in papers]
