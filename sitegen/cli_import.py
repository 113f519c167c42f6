"""`sitegen import`'s command line: its parser and how a run is put together."""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

from .console import add_manners
from .errors import UsageError
from .import_settings import ARXIV_SORTS


def day_option(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date such as 2025-03-14, got {text!r}") from None


def import_parser(commands: Any) -> None:
    import_cmd = commands.add_parser(
        "import",
        help="add new papers from Hugging Face Daily Papers, arXiv or BibTeX",
        description="Fetch papers and merge them into the content files: new papers go to the day "
        "file, papers already on the site are refreshed in place. With no source named, runs every "
        "source listed under 'sources:' in site.yaml. See docs/import.md.",
    )
    sources = import_cmd.add_subparsers(dest="source", metavar="SOURCE")

    def common(command: argparse.ArgumentParser, top: bool = False) -> None:
        # Given before or after the source's name: the source's parser must not
        # reset what the import parser already read, so only the top one has defaults.
        def default(value: Any) -> Any:
            return value if top else argparse.SUPPRESS

        command.add_argument(
            "--site", type=Path, default=default(Path(".")), metavar="DIR", help="the site folder"
        )
        command.add_argument("--base-url", default=default(None), metavar="URL", help=argparse.SUPPRESS)
        command.add_argument(
            "--date",
            type=day_option,
            default=default(None),
            metavar="YYYY-MM-DD",
            help="the listing day of the papers",
        )
        command.add_argument(
            "--dry-run",
            action="store_true",
            default=default(False),
            help="say what would change; write nothing",
        )

    common(import_cmd, top=True)
    add_manners(import_cmd)
    hf = sources.add_parser("hf-daily", help="the Hugging Face Daily Papers listing of a day")
    common(hf)
    add_manners(hf)
    hf.add_argument("--file", type=Path, metavar="FILE", help="read a saved API answer instead of fetching")
    hf.add_argument("--keyword-tags", type=int, default=0, metavar="N", help="tag with the first N keywords")
    ax = sources.add_parser("arxiv", help="papers from the arXiv API")
    common(ax)
    add_manners(ax)
    which = ax.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--query", metavar="Q", help="an arXiv search query, e.g. 'cat:cs.LG AND abs:diffusion'"
    )
    which.add_argument("--id-list", metavar="IDS", help="comma-separated arXiv ids")
    which.add_argument(
        "--file", type=Path, metavar="FILE", help="read a saved API answer instead of fetching"
    )
    ax.add_argument("--max", type=int, default=50, metavar="N", help="at most N papers (default 50)")
    ax.add_argument(
        "--sort",
        choices=ARXIV_SORTS,
        default="submitted",
        help="order of a --query's results, newest first (default: submitted)",
    )
    bib = sources.add_parser("bibtex", help="the entries of a .bib file")
    common(bib)
    add_manners(bib)
    bib.add_argument("file", type=Path, metavar="FILE.bib")


def import_requests(args: argparse.Namespace, config: Any) -> list[Any]:
    from .importers.runner import Request, requests_from_config

    if getattr(args, "file", None) is not None:
        args.file = Path.cwd() / args.file  # given here: where the user stands, not the site folder
    if args.source is None:
        if not config.sources:
            raise UsageError(
                "no sources in site.yaml: add e.g. 'sources: [hf-daily]', or name one: "
                "sitegen import hf-daily|arxiv|bibtex (see docs/import.md)"
            )
        return requests_from_config(config, args.date)
    if args.source == "hf-daily":
        return [Request("hf-daily", {"keyword_tags": args.keyword_tags}, args.date, args.file)]
    if args.source == "arxiv":
        options: dict[str, Any] = {"max": args.max, "sort": args.sort}
        if args.query:
            options["query"] = args.query
        if args.id_list:
            options["id_list"] = [i.strip() for i in args.id_list.split(",") if i.strip()]
        return [Request("arxiv", options, args.date, args.file)]
    return [Request("bibtex", {}, args.date, args.file)]


def run_import(args: argparse.Namespace) -> int:
    from .config import load_config
    from .importers.apply import apply_import
    from .importers.runner import fetch_all, summary

    config = load_config(args.site, args.base_url)
    today = datetime.now(config.timezone).date()

    def warn(message: str) -> None:
        print(f"warning: {message}", file=sys.stderr)

    fetched = fetch_all(config, import_requests(args, config), today, warn=warn)
    papers = [paper for _, batch in fetched for paper in batch]
    outcome = apply_import(config, papers, today, dry_run=args.dry_run, warn=warn)
    if not args.quiet:
        print(summary(outcome, [(name, len(batch)) for name, batch in fetched], args.dry_run))
        for shown in outcome.files:
            print(f"  {'would write' if args.dry_run else 'wrote'} {shown}")
    return 0
