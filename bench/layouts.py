"""The ways users and importers write the same papers as sitegen content files.

    day-sitegen      one YAML list per listing day, in sitegen's own style: quoted ids,
                     flow lists of quoted authors and tags, `abstract: |-` block literals
                     (docs/content.md's style; what sitegen/simpleyaml.py reads fast)
    day-safedump     one YAML list per day, as `yaml.safe_dump(papers)` writes it
    paper-sitegen    one YAML mapping per paper, in sitegen's own style
    paper-safedump   one YAML mapping per paper, as `yaml.safe_dump(paper)` writes it
    paper-json       one JSON object per paper, as `json.dumps(paper, indent=2)` writes it

Day files are content/papers/YYYY/YYYY-MM-DD.<ext> (where `sitegen import` puts
papers); paper files content/papers/YYYY/<id>.<ext>. The safe_dump layouts need
PyYAML (the project's venv has it); the others only the standard library.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corpus import Paper


@dataclass(frozen=True)
class Layout:
    name: str
    per_day: bool  # one file per listing day (else one per paper)
    suffix: str
    about: str
    text: Callable[[Any], str]  # a day's list of papers (per_day) or one paper -> the file's text
    edit: Callable[[str, str], str]  # (the file's text, a note) -> the text with one abstract edited


def _entry(p: Paper) -> dict[str, Any]:
    return {
        "id": p.id,
        "title": p.title,
        "date": p.day,
        "authors": list(p.authors),
        "tags": list(p.tags),
        "upvotes": p.upvotes,
        "links": dict(p.links),
        "abstract": p.abstract,
    }


# --- sitegen's own style ----------------------------------------------------


def _q(text: str) -> str:
    """A double-quoted scalar: valid JSON, and valid YAML."""
    return json.dumps(text, ensure_ascii=False)


def _flow(items: tuple[str, ...]) -> str:
    return "[" + ", ".join(_q(item) for item in items) + "]"


def _own_lines(p: Paper) -> list[str]:
    """One paper as a block mapping at indentation 0, the way people write it by hand."""
    lines = [
        f"id: {_q(p.id)}",
        f"title: {_q(p.title)}",
        f"date: {p.day.isoformat()}",
        f"authors: {_flow(p.authors)}",
        f"tags: {_flow(p.tags)}",
        f"upvotes: {p.upvotes}",
        "links:",
        *(f"  {name}: {url}" for name, url in p.links),
        "abstract: |-",
        *(f"  {line}" if line else "" for line in p.abstract.split("\n")),
    ]
    return lines


def sitegen_style_day(batch: list[Paper]) -> str:
    lines = []
    for p in batch:
        for number, line in enumerate(_own_lines(p)):
            lines.append(("- " if number == 0 else "  ") + line if line else "")
        lines.append("")
    return "\n".join(lines)


def sitegen_style_paper(p: Paper) -> str:
    return "\n".join(_own_lines(p)) + "\n"


_OWN_ABSTRACT = re.compile(r"^( *)abstract: \|-\n", re.MULTILINE)


def _edit_own(text: str, note: str) -> str:
    """A text edit, the way a person fixes a typo: the rest of the file stays byte-identical."""
    found = _OWN_ABSTRACT.search(text)
    if found is None:
        raise ValueError("no `abstract: |-` in the file")
    at = found.end() + len(found.group(1)) + 2  # past the block's indentation
    return text[:at] + note + text[at:]


# --- PyYAML's safe_dump -----------------------------------------------------


def _yaml() -> Any:
    try:
        import yaml
    except ImportError:
        raise SystemExit(
            "the safe_dump layouts need PyYAML: run with the project's venv (.venv/bin/python)"
        ) from None
    return yaml


def _safe_dump(data: Any) -> str:
    """yaml.safe_dump(data), through libyaml's emitter when PyYAML has it: the same text
    (tests/unit/test_bench_layouts.py checks), written ~5x faster."""
    yaml = _yaml()
    return yaml.dump(data, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper))


def safedump_day(batch: list[Paper]) -> str:
    return _safe_dump([_entry(p) for p in batch])


def safedump_paper(p: Paper) -> str:
    return _safe_dump(_entry(p))


def _edit_safedump(text: str, note: str) -> str:
    """The first paper's abstract changed and the file dumped again: still what safe_dump writes."""
    yaml = _yaml()
    data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    if yaml.safe_dump(data) != text:
        raise ValueError("the file is not what yaml.safe_dump writes")
    entry = data[0] if isinstance(data, list) else data
    entry["abstract"] = note + entry["abstract"]
    return yaml.safe_dump(data)


# --- JSON -------------------------------------------------------------------


def json_paper(p: Paper) -> str:
    entry = _entry(p)
    entry["date"] = p.day.isoformat()
    return json.dumps(entry, indent=2, ensure_ascii=False) + "\n"


def _edit_json(text: str, note: str) -> str:
    # json.dumps writes each key on its own line, so inserting plain text into the
    # string gives exactly what json.dumps would write for the edited paper.
    key = '"abstract": "'
    at = text.index(key) + len(key)
    return text[:at] + note + text[at:]


LAYOUTS = {
    layout.name: layout
    for layout in (
        Layout(
            "day-sitegen",
            True,
            ".yaml",
            "YAML per day, sitegen's style",
            sitegen_style_day,
            _edit_own,
        ),
        Layout(
            "day-safedump",
            True,
            ".yaml",
            "YAML per day, yaml.safe_dump",
            safedump_day,
            _edit_safedump,
        ),
        Layout(
            "paper-sitegen",
            False,
            ".yaml",
            "YAML per paper, sitegen's style",
            sitegen_style_paper,
            _edit_own,
        ),
        Layout(
            "paper-safedump",
            False,
            ".yaml",
            "YAML per paper, yaml.safe_dump",
            safedump_paper,
            _edit_safedump,
        ),
        Layout("paper-json", False, ".json", "JSON per paper", json_paper, _edit_json),
    )
}
DEFAULT_LAYOUT = "day-sitegen"


def files(layout: Layout, batch: list[Paper]) -> Iterator[tuple[str, str]]:
    """(path under content/papers/, text) of each file holding one listing day's papers."""
    year = f"{batch[0].day.year:04d}"
    if layout.per_day:
        yield f"{year}/{batch[0].day.isoformat()}{layout.suffix}", layout.text(batch)
    else:
        for p in batch:
            yield f"{year}/{p.id}{layout.suffix}", layout.text(p)


@dataclass(frozen=True)
class Edit:
    path: Path
    original: str  # the file's text before the edit, to undo it


def edit_one_abstract(site: Path, layout: Layout, day: str, paper_id: str, marker: str) -> Edit:
    """Change one abstract, in the layout's own format: the paper's file, or its day's file,
    whose first paper it must be (bench/generate.py picks the first paper of the middle day)."""
    name = day if layout.per_day else paper_id
    path = site / "content" / "papers" / day[:4] / f"{name}{layout.suffix}"
    text = path.read_text(encoding="utf-8")
    if paper_id not in text:
        raise ValueError(f"{path}: paper {paper_id} is not in it")
    path.write_text(layout.edit(text, f"(Edited: {marker}.) "), encoding="utf-8")
    return Edit(path, text)
