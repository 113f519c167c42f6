"""The command line: turns SitegenErrors into 'path:line: field: message' lines."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from . import __version__
from .build import BuildResult, build
from .errors import Problem, SitegenError, UsageError
from .import_settings import ARXIV_SORTS
from .progress import Progress
from .wording import counted


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sitegen",
        description="Build a static website and feeds from research paper entries (YAML or JSON).",
    )
    parser.add_argument("--version", action="version", version=f"sitegen {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def site_options(command: argparse.ArgumentParser) -> None:
        command.add_argument(
            "--site",
            type=Path,
            default=Path("."),
            metavar="DIR",
            help="the site folder, holding site.yaml (default: the current folder)",
        )
        command.add_argument(
            "--base-url",
            metavar="URL",
            help="the absolute URL the site is served from; overrides base_url in site.yaml",
        )

    build_cmd = commands.add_parser(
        "build",
        help="build the site into its output folder",
        description="Validate the content and write the site into its output folder.",
    )
    site_options(build_cmd)
    build_cmd.add_argument(
        "--output",
        type=Path,
        metavar="DIR",
        help="where to write the site (default: output/ in the site folder)",
    )
    build_cmd.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    build_cmd.add_argument("--timings", action="store_true", help="print how long each stage took")
    build_cmd.add_argument(
        "-j",
        "--jobs",
        type=int,
        metavar="N",
        help="processes to render with (default: one per core; 1 renders in this process)",
    )

    check_cmd = commands.add_parser(
        "check",
        help="validate everything and write nothing",
        description="Load and validate site.yaml, every content file and the theme; "
        "render every page in memory; write nothing.",
    )
    site_options(check_cmd)

    _import_parser(commands)
    _init_parser(commands)
    _new_parser(commands)

    serve_cmd = commands.add_parser(
        "serve",
        help="build, serve on localhost and rebuild on changes",
        description="Build the site, serve the output folder and rebuild when "
        "content, templates or site.yaml change.",
    )
    site_options(serve_cmd)
    serve_cmd.add_argument("--output", type=Path, metavar="DIR", help="output folder (default: output/)")
    serve_cmd.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)"
    )
    serve_cmd.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    return parser


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date such as 2025-03-14, got {text!r}") from None


def _import_parser(commands: Any) -> None:
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
            type=_day,
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
        command.add_argument(
            "-q", "--quiet", action="store_true", default=default(False), help="print nothing but problems"
        )

    common(import_cmd, top=True)
    hf = sources.add_parser("hf-daily", help="the Hugging Face Daily Papers listing of a day")
    common(hf)
    hf.add_argument("--file", type=Path, metavar="FILE", help="read a saved API answer instead of fetching")
    hf.add_argument("--keyword-tags", type=int, default=0, metavar="N", help="tag with the first N keywords")
    ax = sources.add_parser("arxiv", help="papers from the arXiv API")
    common(ax)
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
    bib.add_argument("file", type=Path, metavar="FILE.bib")


def _init_parser(commands: Any) -> None:
    from .starter import base_url_option, title_option

    init_cmd = commands.add_parser(
        "init",
        help="start a new site: settings, an example paper, workflows",
        description="Write a new site into DIR (created if needed): site.yaml, an example paper, "
        ".gitignore, requirements.txt, a README and GitHub workflows that check and publish it. "
        "It builds at once. Files already there are never overwritten.",
    )
    init_cmd.add_argument("site", type=Path, metavar="DIR", help="the new site's folder (new or empty)")
    init_cmd.add_argument("--title", type=title_option, help="the site's title (default: from DIR's name)")
    init_cmd.add_argument(
        "--base-url",
        type=base_url_option,
        metavar="URL",
        help="the address the site is served from (default: https://example.org/)",
    )
    init_cmd.add_argument(
        "--force",
        action="store_true",
        help="also write into a folder that is not empty, keeping every file already there",
    )


def _new_parser(commands: Any) -> None:
    new_cmd = commands.add_parser(
        "new",
        help="add a paper to the file of its listing day",
        description="Add one paper to <content_dir>/papers/YYYY/YYYY-MM-DD.yaml, after the papers "
        "already there. An id the site already has is refused. With --arxiv, the title, authors, "
        "abstract, tags and links come from arXiv; --title and --author replace arXiv's, --tag adds.",
    )
    which = new_cmd.add_mutually_exclusive_group(required=True)
    which.add_argument("id", nargs="?", metavar="ID", help="the paper's id, e.g. 2403.09629 or my-paper")
    which.add_argument("--arxiv", metavar="ID", help="fetch the paper from arXiv, e.g. 2403.09629")
    new_cmd.add_argument("--title", help="the paper's title (required without --arxiv)")
    new_cmd.add_argument(
        "--tag", action="append", default=[], dest="tags", metavar="TAG", help="a tag (repeat)"
    )
    new_cmd.add_argument(
        "--author", action="append", default=[], dest="authors", metavar="NAME", help="an author (repeat)"
    )
    new_cmd.add_argument(
        "--date",
        type=_day,
        metavar="YYYY-MM-DD",
        help="the listing day (default: today in the site's timezone)",
    )
    new_cmd.add_argument("--site", type=Path, default=Path("."), metavar="DIR", help="the site folder")


def _import_requests(args: argparse.Namespace, config: Any) -> list[Any]:
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


def _run_import(args: argparse.Namespace) -> int:
    from .config import load_config
    from .importers.apply import apply_import
    from .importers.runner import fetch_all, summary

    config = load_config(args.site, args.base_url)
    today = datetime.now(config.timezone).date()

    def warn(message: str) -> None:
        print(f"warning: {message}", file=sys.stderr)

    fetched = fetch_all(config, _import_requests(args, config), today, warn=warn)
    papers = [paper for _, batch in fetched for paper in batch]
    outcome = apply_import(config, papers, today, dry_run=args.dry_run, warn=warn)
    if not args.quiet:
        print(summary(outcome, [(name, len(batch)) for name, batch in fetched], args.dry_run))
        for shown in outcome.files:
            print(f"  {'would write' if args.dry_run else 'wrote'} {shown}")
    return 0


def _shown(problem: Problem, site_dir: Path) -> str:
    """Show content paths relative to where the user stands, so editors can jump to them."""
    path = problem.path
    if path is not None and not Path(path).is_absolute() and not str(path).startswith("-"):
        full = site_dir / path
        try:
            path = Path(os.path.relpath(full))
        except ValueError:  # another drive on Windows
            path = full
        problem = Problem(problem.message, Path(path).as_posix(), problem.line, problem.field)
    return str(problem)


def report_error(error: SitegenError, site_dir: Path) -> int:
    for problem in error.problems:
        print(_shown(problem, site_dir), file=sys.stderr)
    print(f"error: {counted(len(error.problems), 'problem')} found; nothing was written", file=sys.stderr)
    return error.exit_code


def _summary(result: BuildResult) -> str:
    papers = counted(result.papers, "paper")
    if result.report is None:
        return f"checked {papers}, {counted(result.outputs, 'file')} in {result.seconds:.2f} s: no problems"
    r = result.report
    return (
        f"built {papers}: {counted(r.written, 'file')} written, {r.unchanged} unchanged, "
        f"{r.removed} removed in {result.seconds:.2f} s"
    )


# What the last build of this process made, left for the OS to free when run() exits.
_left_for_exit: list[object] = []


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    _left_for_exit.clear()
    try:
        if args.command == "build":
            progress = Progress(enabled=False if args.quiet else None)
            result = build(
                args.site,
                args.output,
                args.base_url,
                workers=args.jobs,
                progress=progress,
                keep=_left_for_exit,
            )
            if not args.quiet:
                print(_summary(result))
            if args.timings:
                print("  ".join(f"{name} {seconds:.2f} s" for name, seconds in result.phases.items()))
        elif args.command == "check":
            print(_summary(build(args.site, None, args.base_url, write=False)))
        elif args.command == "import":
            return _run_import(args)
        elif args.command == "init":
            from .starter import run_init

            return run_init(args)
        elif args.command == "new":
            from .newpaper import run_new

            return run_new(args)
        elif args.command == "serve":
            from .serve import serve

            return serve(args.site, args.output, args.base_url, args.host, args.port)
    except SitegenError as error:
        return report_error(error, args.site)
    except KeyboardInterrupt:
        return 130
    return 0


def run() -> None:
    """The ``sitegen`` command: main(), then exit without Python freeing the
    build's millions of objects one by one (~1.5 s at 100k papers)."""
    status = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(status)
