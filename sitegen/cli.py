"""The command line: turns SitegenErrors into 'path:line: field: message' lines."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .build import BuildResult, build
from .errors import Problem, SitegenError
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
