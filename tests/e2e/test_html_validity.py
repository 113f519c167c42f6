"""Every HTML page of the sample build (and the theme's CSS and SVG) passes the Nu Html Checker.

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


def _where(message: dict, root: Path) -> str:
    path = Path(unquote(urlsplit(message.get("url", "")).path))
    try:
        shown = path.relative_to(root).as_posix()
    except ValueError:
        shown = str(path)
    line = message.get("lastLine") or message.get("firstLine")
    return f"{shown}:{line}" if line else shown


def test_every_page_is_valid_html(root_build: Build, vnu_run: VnuRun) -> None:
    pages = [f for f in vnu_run.files if f.suffix == ".html"]
    assert len(pages) > 20, f"expected a full sample site, found {len(pages)} HTML files"
    messages = vnu_run.messages()
    if messages:
        # The same template error repeats on every page: group by message, show a few places each.
        groups: dict[str, list[str]] = {}
        for m in messages:
            extract = " ".join((m.get("extract") or "").split())
            key = f"{m.get('type')}: {m.get('message')}\n      [{extract}]"
            groups.setdefault(key, []).append(_where(m, root_build.output))
        lines = []
        for key, places in groups.items():
            more = f" (+{len(places) - 3} more)" if len(places) > 3 else ""
            lines.append(f"{', '.join(places[:3])}{more}:\n    {key}")
        pytest.fail(
            f"the Nu Html Checker found {len(messages)} errors ({len(groups)} distinct):\n"
            + "\n".join(lines),
            pytrace=False,
        )
