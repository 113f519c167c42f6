"""Every HTML page of the sample build (and the theme's CSS and SVG) passes the Nu Html Checker
with no error and no warning, for each built-in theme.

The checker is a Java program (vnu.jar from the vnu-jar npm package, pinned in
tests/e2e/package.json). It starts slowly, so it runs once over all files, in
the background from the start of the session (see ``vnu_run`` in conftest.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

import pytest

if TYPE_CHECKING:
    from .conftest import Build, VnuRun


def _path(message: dict) -> Path:
    return Path(unquote(urlsplit(message.get("url", "")).path)).resolve()


def _where(message: dict, roots: list[Path]) -> str:
    path = _path(message)
    shown = next((path.relative_to(r).as_posix() for r in roots if path.is_relative_to(r)), str(path))
    line = message.get("lastLine") or message.get("firstLine")
    return f"{shown}:{line}" if line else shown


def _counts(message: dict) -> bool:
    """An error, or a warning (an "info" message whose subType is "warning"); not a plain note."""
    return message.get("type") != "info" or message.get("subType") == "warning"


def test_every_page_is_valid_html(
    root_build: Build, golden_build: Build, upvoted_build: Build, vnu_run: VnuRun
) -> None:
    roots = [b.output.resolve() for b in (root_build, golden_build, upvoted_build)]
    pages = [f for f in vnu_run.files if f.suffix == ".html" and f.resolve().is_relative_to(roots[0])]
    assert len(pages) > 20, f"expected a full sample site, found {len(pages)} HTML files"
    # This theme's files; a message about no file (vnu itself) counts against every theme.
    messages = [
        m
        for m in vnu_run.messages()
        if _counts(m) and (not m.get("url") or any(_path(m).is_relative_to(r) for r in roots))
    ]
    if messages:
        # The same template error repeats on every page: group by message, show a few places each.
        groups: dict[str, list[str]] = {}
        for m in messages:
            extract = " ".join((m.get("extract") or "").split())
            key = f"{m.get('type')}: {m.get('message')}\n      [{extract}]"
            groups.setdefault(key, []).append(_where(m, roots))
        lines = []
        for key, places in groups.items():
            more = f" (+{len(places) - 3} more)" if len(places) > 3 else ""
            lines.append(f"{', '.join(places[:3])}{more}:\n    {key}")
        pytest.fail(
            f"the Nu Html Checker found {len(messages)} errors and warnings ({len(groups)} distinct) "
            f"in the {root_build.theme} theme's pages:\n" + "\n".join(lines),
            pytrace=False,
        )
