"""build(): the pipeline, chained. Each stage takes values and returns values."""

from __future__ import annotations

import contextlib
import hashlib
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .cache import CACHE_DIR, PARSE_STORE, ParseCache, content_fingerprint, file_digests
from .cachedir import make_safe
from .config import Config, load_config
from .errors import OutputError, Problem
from .gcsettings import build_gc, long_lived
from .loading import Seen, content_files, load_papers
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


def _import_rendering() -> None:
    """Rendering's libraries (Jinja, Markdown, feeds: ~0.1 s), imported while
    worker processes parse the content, instead of after."""
    from . import parallel, render, schedule  # noqa: F401


def _fingerprint(
    config: Config, theme_digest: str, loaded: Mapping[str, str], files: list[tuple[str, str]] | None = None
) -> str:
    """Of all a build's inputs: of the content files ``files`` (as content_files
    lists them), else of those ``loaded`` names (_as_listed), by the digests
    ``loaded`` gives (ParseCache.digests, Seen.digests: none read here)."""
    files = _as_listed(loaded) if files is None else files
    content = content_fingerprint(files, config.timezone.key, loaded)
    return hashlib.blake2b(f"{content}|{theme_digest}".encode(), digest_size=16).hexdigest()


def _as_listed(loaded: Mapping[str, str]) -> list[tuple[str, str]]:
    """The files the load took (name -> digest: ParseCache.digests), in the
    order content_files lists them: by their names' parts, a folder's files
    together ("/" as NUL, below any character a name has). Neither listed nor
    read again (each name stands for its path: its digest is known): listing
    them took ~1.2 s of CPU at 100k papers, with the other core idle. A file
    the cache does not name (a row it could not write) or added since the load
    is not in this fingerprint, and one removed since is: the next build's, of
    the files listed then, differs, and that build renders what changed.
    (Listed after the load, a file added meanwhile was in the fingerprint but
    not in the site.)"""
    return [(name, name) for name in sorted(loaded, key=lambda name: name.replace("/", "\0"))]


class _Clock:
    """Seconds per stage, for --timings."""

    def __init__(self) -> None:
        self.started = self._mark = time.perf_counter()
        self.phases: dict[str, float] = {}

    def phase(self, name: str) -> None:
        now = time.perf_counter()
        self.phases[name] = now - self._mark
        self._mark = now

    def total(self) -> float:
        return time.perf_counter() - self.started


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
    (~1.5 s at 100k papers); what the build froze stays frozen, out of the
    collector's sight (gcsettings.build_gc)."""
    clock = _Clock()
    with build_gc(exiting=keep is not None), contextlib.ExitStack() as held:
        config = load_config(site_dir, base_url)
        theme = resolve_theme(config)
        digest = theme_digest(theme, config)
        writer = _open_output(config, output, held) if write else None

        # Output is a pure function of content, settings, theme and code: if
        # none changed and every file is in place, there is nothing to do.
        seen = _content_seen(writer, config, digest) if writer is not None else None
        if writer is not None and _up_to_date(writer):
            if vet is not None:
                vet(config, None, None)
            clock.phase("check unchanged")
            report = writer.report
            return BuildResult(config, writer.papers, report.unchanged, report, clock.total(), clock.phases)
        if writer is not None:
            writer.link_spare()  # if there is none, meanwhile (sparelink.py)

        cache = _parse_cache(config) if writer is not None else None
        workers = workers or default_workers()
        with long_lived():  # papers and site live to the end of the build
            papers = load_papers(config, cache, workers, meanwhile=_import_rendering, seen=seen)
            clock.phase("load")
            # The digests the load took, if a file changed since the check; the
            # listing let go before the site is made (else its ~30 MB of small
            # objects, freed later, left holes: the edit's peak was ~7 MB higher).
            loaded = seen.loaded() if seen is not None and seen.changed else None
            seen = None
            site = build_site(papers, config)
        if vet is not None:
            vet(config, papers, site)
        if writer is not None:
            writer.papers = len(papers)
            if not writer.fingerprint:  # no record to compare with: taken from what the load hashed
                assert cache is not None
                writer.fingerprint = _fingerprint(config, digest, cache.digests())
            elif loaded is not None:  # recorded as the load took them, not as checked
                writer.fingerprint = _fingerprint(config, digest, loaded)

        # Rendering libraries are imported only by builds that render something.
        from .outputs import plan_static
        from .parallel import render_outputs, template_errors
        from .relatedupdate import RELATED_FILE, RelatedCache
        from .render import Renderer
        from .schedule import Schedule

        static = plan_static(theme)
        with long_lived():  # the lists and the plan live to the end of the build too
            # Before any worker forks: every paper page needs them. A check writes
            # no cache; its renderer works them out.
            related = None
            if writer is not None:
                related = RelatedCache(_cache_dir(config) / RELATED_FILE).lists(
                    site.papers, config.related, workers
                )
                clock.phase("related")
            renderer = Renderer(site, theme, digest, related)
            schedule = Schedule(site, static, cold=writer is not None and not writer.has_record)
            clock.phase("plan")

        if writer is None:  # a check: every page rendered in memory, nothing written
            with template_errors():
                for item in schedule.outputs:
                    renderer.render(item)
            return BuildResult(config, len(papers), len(schedule.outputs) + len(static), None, clock.total())

        assert cache is not None
        progress = progress or Progress(enabled=False)
        with _oserrors_as_output_errors():
            todo = schedule.first(renderer, writer)  # compares with output/: the spare is not touched
            writer.begin()
            clock.phase("compare")
            progress.start(len(todo))
            try:
                later = schedule.later(progress)
                render_outputs(renderer, writer, todo, workers, progress.advance, cache, later)
            finally:
                progress.finish()
            for path, source in static:
                writer.add(path, read_static(theme, source))
            clock.phase("render")
            if config.search:  # after the pages, before the swap: the index is part of the new site
                from .search import add_index

                paper_paths = [item.path for item in schedule.outputs if item.kind == "paper"]
                add_index(writer, paper_paths, _cache_dir(config))
                clock.phase("search")
            report = writer.commit()
        cache.save()
        clock.phase("commit")
        if keep is not None:  # freed by the process's exit, not one object at a time
            keep += [papers, site, renderer, schedule, writer, todo]
        return BuildResult(
            config, len(papers), len(schedule.outputs) + len(static), report, clock.total(), clock.phases
        )


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _open_output(config: Config, output: Path | None, held: contextlib.ExitStack) -> Writer:
    """The writer of the output folder, once this build holds its lock. Until
    it commits, whatever stops the build leaves output/ as it was."""
    out_dir = output_dir_of(config, output)
    check_output_dir(out_dir, config.site_dir, config.site_dir / config.content_dir)
    if out_dir.is_symlink():  # the folder it names is replaced, and the link stays
        out_dir = out_dir.resolve()
    # Before its lock, records and store are opened: the cache folder may have come with the site.
    make_safe(_cache_dir(config))
    held.enter_context(BuildLock(_cache_dir(config), out_dir, _say))
    writer = Writer(out_dir, _manifest_path(config, out_dir))
    held.push(lambda kind, error, trace: None if error is None else writer.abort())
    return writer


@contextlib.contextmanager
def _oserrors_as_output_errors() -> Iterator[None]:
    try:
        yield
    except OSError as error:  # what the writer did not put in its own words
        raise OutputError(Problem(error.strerror or str(error), error.filename)) from None


def _content_seen(writer: Writer, config: Config, digest: str) -> Seen | None:
    """The content files listed, read and hashed, once, and the writer's
    fingerprint taken of them, if the last build left one to compare it with;
    the load then takes the papers of these files by these digests. Without a
    record, the fingerprint waits for the load, which hashes every file anyway."""
    if not writer.may_be_up_to_date:
        return None
    files = content_files(config, path_type=str)
    seen = Seen(files, file_digests(files))
    writer.fingerprint = _fingerprint(config, digest, seen.digests, files)
    return seen


def _up_to_date(writer: Writer) -> bool:
    """True if nothing changed since the last build (_content_seen took the fingerprint)."""
    if writer.up_to_date():
        writer.abort()
        return True
    return False


def _parse_cache(config: Config) -> ParseCache:
    # Parsed papers depend on the timezone (dates) and the limits (what is refused).
    return ParseCache(_cache_dir(config) / PARSE_STORE, f"{config.timezone.key}|{config.limits!r}")
