"""Helpers for tests: write small sites into tmp folders and read built files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent


def write_site(root: Path, papers: list[dict[str, Any]] | None = None, **settings: Any) -> Path:
    """A site folder with site.yaml and one content file holding ``papers``."""
    config = {"title": "Test Papers", "base_url": "https://example.org/", "description": "Test feed."}
    config.update(settings)
    root.mkdir(parents=True, exist_ok=True)
    (root / "site.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    content = root / "content" / "papers"
    content.mkdir(parents=True, exist_ok=True)
    if papers is not None:
        (content / "papers.yaml").write_text(
            yaml.safe_dump(papers, sort_keys=False, allow_unicode=True), encoding="utf-8"
        )
    return root


def paper(id: str, day: str = "2025-03-14", **fields: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": id, "title": fields.pop("title", f"Paper {id}"), "date": day}
    entry.update(fields)
    return entry


def tree(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` by relative POSIX path."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }
