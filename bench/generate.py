"""Seeded synthetic paper corpus, written as sitegen, Hugo and Pelican sites.

    python bench/generate.py --papers 10000 --out bench/work/corpus-10000
    python bench/generate.py --papers 10000 --layout paper-safedump --targets sitegen --out /tmp/c

writes, for the same papers (same seed, same ids, titles, authors, abstracts):

    OUT/sitegen/   site.yaml + content/papers/YYYY/... in the chosen --layout (bench/layouts.py):
                   day-sitegen (default), day-safedump, paper-sitegen, paper-safedump, paper-json
    OUT/hugo/      hugo.toml + content/papers/<id>.md + minimal layouts/
    OUT/pelican/   pelicanconf.py + content/<id>.md (theme: notmyidea, Pelican's default)

The safe_dump layouts need PyYAML (run with the project's venv); everything else
only the standard library. The same arguments always give byte-identical files.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path
from typing import Any

from corpus import BASE_URL, PER_PAGE, papers
from layouts import DEFAULT_LAYOUT, LAYOUTS, files
from layouts import sitegen_style_day as _yaml_day  # noqa: F401  (tests/unit/test_simpleyaml.py reads it)
from peer_sites import PEER_SITES

TARGETS = ("sitegen", "hugo", "pelican")

SITE_YAML = f"""\
title: Bench papers
description: A synthetic corpus for benchmarking sitegen against Hugo and Pelican.
base_url: {BASE_URL}
language: en
timezone: UTC
per_page: {PER_PAGE}
author: sitegen bench
# Pagefind, not sitegen, and no peer makes an index (bench/README.md)
search: false
"""


def write_corpus(sites: dict[str, Path], count: int, seed: int = 1) -> dict[str, Any]:
    """Write the same papers into each site folder (each replaced); returns some counts, and
    the paper the bench edits (edit_id, the first of the middle day, edit_day).

    sites maps a sitegen layout name (bench/layouts.py) or a peer ("hugo",
    "pelican") to its folder; the papers are made once for all of them."""
    for name, root in sites.items():
        if root.exists():
            shutil.rmtree(root)
        root.mkdir(parents=True)
        if name in PEER_SITES:
            PEER_SITES[name][0](root)
        else:
            (root / "site.yaml").write_text(SITE_YAML, encoding="utf-8")
    stats: dict[str, Any] = {"papers": 0, "days": 0, "math": 0}
    authors: set[str] = set()
    firsts: list[tuple[str, str]] = []  # (day, id of its first paper)
    folders: set[Path] = set()
    for batch in papers(count, seed):
        stats["days"] += 1
        firsts.append((batch[0].day.isoformat(), batch[0].id))
        stats["papers"] += len(batch)
        stats["math"] += sum("$" in p.abstract for p in batch)
        for p in batch:
            authors.update(p.authors)
        for name, root in sites.items():
            if name in PEER_SITES:
                written = [PEER_SITES[name][1](p, i) for i, p in enumerate(batch)]
            else:
                written = [(f"content/papers/{path}", text) for path, text in files(LAYOUTS[name], batch)]
            for path, text in written:
                target = root / path
                if target.parent not in folders:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    folders.add(target.parent)
                target.write_text(text, encoding="utf-8")
    stats["authors"] = len(authors)
    stats["edit_day"], stats["edit_id"] = firsts[len(firsts) // 2]
    return stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=1000, help="how many papers (default 1000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument(
        "--layout",
        choices=sorted(LAYOUTS),
        default=DEFAULT_LAYOUT,
        help=f"how sitegen's content files are written (default {DEFAULT_LAYOUT}; see bench/layouts.py)",
    )
    parser.add_argument(
        "--targets",
        default=",".join(TARGETS),
        help=f"which sites to write, comma-separated (default {','.join(TARGETS)})",
    )
    parser.add_argument("--out", type=Path, required=True, help="folder to write OUT/<target>/ into")
    args = parser.parse_args(argv)
    targets = tuple(t.strip() for t in args.targets.split(",") if t.strip())
    unknown = [t for t in targets if t not in TARGETS]
    if unknown or args.papers < 1:
        parser.error(f"unknown target {unknown[0]!r}" if unknown else "--papers must be at least 1")
    sites = {args.layout if t == "sitegen" else t: args.out / t for t in targets}
    stats = write_corpus(sites, args.papers, args.seed)
    print(
        f"wrote {stats['papers']} papers over {stats['days']} days, {stats['authors']} authors, "
        f"{stats['math']} with math, to {args.out} ({', '.join(targets)}; sitegen as {args.layout})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
