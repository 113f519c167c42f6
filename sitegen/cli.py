"""The command line: turns SitegenErrors into 'path:line: field: message' lines."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import __version__
from .advice import Vetter
from .build import BuildResult, build
from .cli_import import day_option, import_parser, run_import
from .config import Config
from .console import Console, add_manners
from .errors import ConfigError, ContentError, SitegenError
from .progress import Progress
from .wording import counted


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sitegen",
        description="Build a static website and feeds from research paper entries (YAML or JSON).",
    )
    parser.add_argument("--version", action="version", version=f"sitegen {__version__}")
    add_manners(parser, top=True)
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
    add_manners(build_cmd)
    strict_option(build_cmd)
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
    add_manners(check_cmd)
    strict_option(check_cmd)

    import_parser(commands)
    _init_parser(commands)
    _new_parser(commands)

    serve_cmd = commands.add_parser(
        "serve",
        help="build, serve on localhost and rebuild on changes",
        description="Build the site into a temporary folder (never output/), serve it at the path of "
        "base_url, rebuild when content, templates or site.yaml change, and reload open tabs.",
    )
    site_options(serve_cmd)
    serve_cmd.add_argument(
        "--output", type=Path, metavar="DIR", help="build into DIR and keep it (default: a temporary folder)"
    )
    serve_cmd.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)"
    )
    serve_cmd.add_argument("--port", type=int, default=8000, help="port (default: 8000; 0: any free one)")
    add_manners(serve_cmd)
    strict_option(serve_cmd)
    return parser


def strict_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--strict",
        action="store_true",
        help="treat warnings (a paper without abstract, tags or authors that differ only in case, "
        "names that share a slug, a site without id) as errors: exit status 1, nothing written; for CI",
    )


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
    add_manners(init_cmd)


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
        type=day_option,
        metavar="YYYY-MM-DD",
        help="the listing day (default: today in the site's timezone)",
    )
    new_cmd.add_argument("--site", type=Path, default=Path("."), metavar="DIR", help="the site folder")
    add_manners(new_cmd)


def report_error(error: SitegenError, site_dir: Path, note: str = "", console: Console | None = None) -> int:
    """Every problem of ``error`` on stderr, one line each, then the count."""
    console = console or Console(site_dir)
    summary = f"{counted(len(error.problems), 'problem')} found{note}; nothing was written"
    console.problems(error.problems, summary)
    return error.exit_code


def _with_content(error: ConfigError) -> tuple[SitegenError, str]:
    """site.yaml's problems and the content's, checked against ``error.fallback``:
    the settings of site.yaml that are right and the defaults for the rest."""
    from .loading import load_papers

    if not isinstance(error.fallback, Config):
        return error, " (content not checked: site.yaml must be read first)"
    try:
        load_papers(error.fallback)
    except ContentError as content:
        return ConfigError(error.problems + content.problems), _CHECKED_WITH_DEFAULTS
    except SitegenError:
        return error, " (content not checked: site.yaml must be right first)"
    return error, _CHECKED_WITH_DEFAULTS


_CHECKED_WITH_DEFAULTS = " (content checked with the defaults for the wrong settings)"


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


def _build_or_check(args: argparse.Namespace, console: Console) -> int:
    vetter = Vetter(args.strict)
    if args.command == "build":
        progress = Progress(enabled=False if args.quiet else None)
        result = build(
            args.site,
            args.output,
            args.base_url,
            workers=args.jobs,
            progress=progress,
            keep=_left_for_exit,
            vet=vetter,
        )
    else:
        result = build(args.site, None, args.base_url, write=False, vet=vetter)
    if not args.quiet:
        console.warnings(vetter.warnings, verbose=args.verbose)
        print(_summary(result))
    if result.phases and (args.verbose or getattr(args, "timings", False)):
        print("  ".join(f"{name} {seconds:.2f} s" for name, seconds in result.phases.items()))
    return 0


def _quietly(args: argparse.Namespace, run: Any) -> int:
    """``run(args)`` with its report on stdout dropped under -q (problems go to stderr)."""
    if not args.quiet:
        return run(args)
    with open(os.devnull, "w", encoding="utf-8") as nowhere, contextlib.redirect_stdout(nowhere):
        return run(args)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    _left_for_exit.clear()
    console = Console(args.site)
    try:
        if args.command in ("build", "check"):
            return _build_or_check(args, console)
        if args.command == "import":
            return _quietly(args, run_import)
        if args.command == "init":
            from .starter import run_init

            return _quietly(args, run_init)
        if args.command == "new":
            from .newpaper import run_new

            return _quietly(args, run_new)
        if args.command == "serve":
            from .serve import Manners, serve

            manners = Manners(quiet=args.quiet, verbose=args.verbose, strict=args.strict)
            return serve(args.site, args.output, args.base_url, args.host, args.port, manners)
    except ConfigError as error:
        if args.command in ("build", "check"):
            combined, note = _with_content(error)
            return report_error(combined, args.site, note, console)
        return report_error(error, args.site, console=console)
    except ContentError as error:
        note = " (warnings are errors with --strict)" if getattr(args, "strict", False) else ""
        return report_error(error, args.site, note, console)
    except SitegenError as error:
        return report_error(error, args.site, console=console)
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
