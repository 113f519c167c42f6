"""build(): the pipeline, chained. Each stage takes values and returns values."""

from __future__ import annotations

import contextlib
import gc
import hashlib
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .cache import CACHE_DIR, ParseCache, content_fingerprint
from .config import Config, load_config
from .errors import OutputError, Problem
from .loading import content_files, load_papers
from .lock import BuildLock
from .processes import default_workers
from .progress import Progress
from .site import build_site
from .theme import read_static, resolve_theme, theme_digest
from .writer import Report, Writer, check_output_dir

if TYPE_CHECKING:
    from .model import Paper
    from .site import Site

__all__ = ["CACHE_DIR", "BuildResult", "build", "output_dir_of"]


@dataclass(frozen=True)
class BuildResult:
    config: Config
    papers: int
    outputs: int
    report: Report | None  # None for a check, which writes nothing
    seconds: float
    phases: dict[str, float] = field(default_factory=dict)  # seconds per stage, for --timings


def output_dir_of(config: Config, output: Path | None) -> Path:
    return output if output is not None else config.site_dir / config.output_dir


def _cache_dir(config: Config) -> Path:
    return config.site_dir / CACHE_DIR


def _manifest_path(config: Config, out_dir: Path) -> Path:
    # One manifest per output folder, so --output elsewhere never prunes by another's record.
    key = hashlib.sha256(str(out_dir.resolve()).encode()).hexdigest()[:12]
    return _cache_dir(config) / f"manifest-{key}.json"


# Called with the papers and the site once they are loaded (see build()).
Vet = Callable[[Config, "list[Paper] | None", "Site | None"], None]

BUILD_GC_THRESHOLD = 50_000  # new objects between two runs of the cyclic GC (Python's default: 700)


def _import_rendering() -> None:
    """Rendering's libraries (Jinja, Markdown, feeds: ~0.1 s), imported while
    worker processes parse the content, instead of after."""
    from . import parallel, render  # noqa: F401


def _fingerprint(config: Config, theme_digest: str, known: dict[str, str] | None = None) -> str:
    """Of all a build's inputs; ``known`` are content digests the load already took."""
    content = content_fingerprint(content_files(config), config.timezone.key, known)
    return hashlib.blake2b(f"{content}|{theme_digest}".encode(), digest_size=16).hexdigest()


def build(
    site_dir: Path,
    output: Path | None = None,
    base_url: str | None = None,
    *,
    write: bool = True,
    workers: int | None = None,
    progress: Progress | None = None,
    keep: list[object] | None = None,
    vet: Vet | None = None,
) -> BuildResult:
    """Load, validate, render and (unless ``write`` is false) write a site.

    ``vet(config, papers, site)`` runs once the papers are loaded, before anything
    is rendered or written; what it raises stops the build (``--strict``). When
    the site is unchanged since the last build, nothing is loaded and it gets
    ``None`` for the papers and the site.

    ``keep`` receives the build's largest objects (the papers, the site, the
    renderer) so that they outlive the call: a process that exits right after
    lets the OS free them at once, instead of Python one object at a time
    (~1.5 s at 100k papers)."""
    threshold = gc.get_threshold()
    # Rendering makes no reference cycles (a page's objects die with it), yet
    # at the default threshold the cyclic GC ran every 700 new objects: ~400
    # times and 0.15 s of CPU in a 10k build, against 0.05 s at this one.
    # Cycles a theme might make are still collected.
    gc.set_threshold(BUILD_GC_THRESHOLD, *threshold[1:])
    try:
        with contextlib.ExitStack() as held:  # the build lock, from when the output folder is known
            return _build(
                site_dir,
                output,
                base_url,
                held,
                write=write,
                workers=workers,
                progress=progress,
                keep=keep,
                vet=vet,
            )
    finally:
        # The build froze its objects out of the GC's sight; hand them back, so a
        # long-running process (the preview server) can free them.
        gc.unfreeze()
        gc.set_threshold(*threshold)


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _build(
    site_dir: Path,
    output: Path | None,
    base_url: str | None,
    held: contextlib.ExitStack,
    *,
    write: bool = True,
    workers: int | None = None,
    progress: Progress | None = None,
    keep: list[object] | None = None,
    vet: Vet | None = None,
) -> BuildResult:
    started = time.perf_counter()
    phases: dict[str, float] = {}
    mark = started

    def phase(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        phases[name] = now - mark
        mark = now

    config = load_config(site_dir, base_url)
    theme = resolve_theme(config)

    writer = None
    digest = theme_digest(theme, config)
    if write:
        out_dir = output_dir_of(config, output)
        check_output_dir(out_dir, config.site_dir, config.site_dir / config.content_dir)
        if out_dir.is_symlink():  # the folder it names is replaced, and the link stays
            out_dir = out_dir.resolve()
        held.enter_context(BuildLock(_cache_dir(config), out_dir, _say))
        writer = Writer(out_dir, _manifest_path(config, out_dir))
        # Output is a pure function of content, settings, theme and code: if none
        # changed and every file is still in place, there is nothing to do, not
        # even loading the papers. Without a record to compare with, the
        # fingerprint waits for the load, which hashes every file anyway.
        if writer.may_be_up_to_date:
            writer.fingerprint = _fingerprint(config, digest)
        if writer.up_to_date():
            writer.abort()
            if vet is not None:
                vet(config, None, None)
            phase("check unchanged")
            report = writer.report
            return BuildResult(
                config, writer.papers, report.unchanged, report, time.perf_counter() - started, phases
            )

    # Parsed papers depend on the timezone (dates) and the limits (what is refused).
    parse_key = f"{config.timezone.key}|{config.limits!r}"
    cache = ParseCache(_cache_dir(config) / "papers", parse_key) if write else None
    workers = workers or default_workers()
    # Loading makes millions of objects that all live to the end of the build;
    # the cyclic GC would rescan them again and again (a third of the load time
    # at 100k papers). Off while they are made, then frozen out of its sight.
    gc.disable()
    try:
        papers = load_papers(config, cache, workers, meanwhile=_import_rendering)
        phase("load")
        site = build_site(papers, config)
    finally:
        gc.freeze()
        gc.enable()
    if vet is not None:
        try:
            vet(config, papers, site)
        except BaseException:
            if writer is not None:
                writer.abort()
            raise
    if writer is not None:
        writer.papers = len(papers)
        if not writer.fingerprint:
            assert cache is not None
            writer.fingerprint = _fingerprint(config, digest, cache.digests())

    # Rendering libraries are imported only by builds that render something.
    from .outputs import Output, check_unique, plan_static
    from .parallel import render_outputs, template_errors
    from .render import Renderer
    from .siteplan import plan, plan_papers

    static = plan_static(theme)
    renderer = Renderer(site, theme, digest)
    outputs: list[Output] = []  # filled by plan_all: in a cold build, while paper pages render

    def plan_all(paper_pages: list[Output] | None = None) -> None:
        outputs[:] = plan(site, paper_pages)
        check_unique(outputs, static)

    # A cold build has nothing to reuse, so nothing to compare before rendering:
    # its paper pages start at once, and this process plans the other outputs
    # (and groups the authors) while the first of them render.
    cold = writer is not None and not writer.has_record
    paper_pages = plan_papers(site) if cold else []
    if not cold:
        plan_all()
    phase("plan")

    if writer is None:
        with template_errors():
            for item in outputs:
                renderer.render(item)
        return BuildResult(
            config, len(papers), len(outputs) + len(static), None, time.perf_counter() - started
        )

    progress = progress or Progress(enabled=False)

    def plan_the_rest() -> list[tuple[Output, str | None]]:
        plan_all(paper_pages)
        rest: list[tuple[Output, str | None]] = [(item, None) for item in outputs if item.kind != "paper"]
        progress.expect(len(rest))
        return rest

    try:
        writer.begin()
        if cold:  # keys are made where the outputs render, in parallel
            todo: list[tuple[Output, str | None]] = [(item, None) for item in paper_pages]
        else:
            todo = [(item, key) for item in outputs if not writer.reuse(item.path, key := renderer.key(item))]
        phase("compare")
        progress.start(len(todo))
        try:
            assert cache is not None
            later = plan_the_rest if cold else None
            render_outputs(renderer, writer, todo, workers, progress.advance, cache.papers_files(), later)
        finally:
            progress.finish()
        for path, source in static:
            writer.add(path, read_static(theme, source))
        phase("render")
        report = writer.commit()
    except OSError as error:  # what the writer did not put in its own words
        writer.abort()
        raise OutputError(Problem(error.strerror or str(error), error.filename)) from None
    except BaseException:
        writer.abort()
        raise
    assert cache is not None
    cache.save()
    phase("commit")
    if keep is not None:
        keep += [papers, site, renderer, outputs, writer, todo]
    total = time.perf_counter() - started
    return BuildResult(config, len(papers), len(outputs) + len(static), report, total, phases)
