"""bench/run.py's command line."""

from __future__ import annotations

import argparse
from pathlib import Path

import layouts
from measure import BENCH
from tools import PEERS


def _sizes(text: str) -> list[int]:
    sizes = []
    for part in text.split(","):
        part = part.strip().lower().replace("_", "")
        if not part:
            continue
        scale = 1000 if part.endswith("k") else 1
        try:
            sizes.append(int(part.rstrip("k")) * scale)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a size: {part!r} (use e.g. 1000,10k)") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("give at least one size of 1 or more")
    return sizes


def _peers(text: str) -> list[str]:
    peers = [p.strip().lower() for p in text.split(",") if p.strip() and p.strip().lower() != "none"]
    unknown = [p for p in peers if p not in PEERS]
    if unknown:
        choices = ", ".join(PEERS)
        raise argparse.ArgumentTypeError(f"unknown peer {unknown[0]!r}; choose from {choices} or none")
    return list(dict.fromkeys(peers))


def _layouts(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in layouts.LAYOUTS]
    if unknown or not names:
        choices = ", ".join(layouts.LAYOUTS)
        raise argparse.ArgumentTypeError(
            f"unknown layout {unknown[0]!r}; choose from {choices}" if unknown else "give a layout"
        )
    return list(dict.fromkeys(names))


def parser(doc: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=doc.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes",
        type=_sizes,
        default=[1000, 10000],
        help="corpus sizes, comma-separated, e.g. 1000,10000 or 100k (default 1000,10000)",
    )
    parser.add_argument(
        "--layouts",
        type=_layouts,
        default=list(layouts.LAYOUTS),
        help=f"sitegen content layouts, comma-separated (default all: {','.join(layouts.LAYOUTS)})",
    )
    parser.add_argument(
        "--peers",
        type=_peers,
        default=list(PEERS),
        help="peers to compare with: hugo,pelican (default), hugo, pelican or none",
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs of every build; medians are reported")
    parser.add_argument("--seed", type=int, default=1, help="corpus seed (default 1)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds before a build is killed (1800)")
    parser.add_argument(
        "--work",
        type=Path,
        default=BENCH / "work",
        help="corpora, outputs, logs and the peers' venv (default bench/work)",
    )
    parser.add_argument("--results", type=Path, default=BENCH / "results", help="where latest.md goes")
    parser.add_argument(
        "--sitegen-python",
        metavar="PYTHON",
        help="interpreter with sitegen installed (default: .venv/bin/python of the repo)",
    )
    parser.add_argument(
        "--sitegen-arg",
        action="append",
        default=[],
        metavar="ARG",
        help="extra argument for every sitegen build, e.g. --sitegen-arg=-j1 (repeatable)",
    )
    parser.add_argument(
        "--keep-caches",
        action="store_true",
        help="do not drop the kernel's page cache before cold builds (it needs root)",
    )
    return parser
