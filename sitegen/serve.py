"""`sitegen serve`: build into a temporary folder, serve it on localhost, rebuild when sources change.

Four pieces, each replaceable on its own:

- the server (devserver.py): regular files of the built site over HTTP,
  never through a symlink (any symlink inside the output answers 404);
- live reload and error pages (livereload.py), added to HTML responses only,
  never to the built files;
- the watcher (watch.py): OS file events for the sources (watchfiles), a
  call back on a change, and it outlives any failure;
- ``rebuild()`` below: one build, whose every failure becomes a message in
  the terminal and an error page in the browser, and leaves the previous
  build on disk.

The preview never touches output/: it builds into a folder of its own in
the cache folder (``.sitegen-cache/serve-*/site``, so on the site's file
system, with room for the writer's spare folder beside it), removed on exit
with its build records. The session holds a flock in that folder, so the
next session can tell the folder of one that was killed (SIGKILL, a crash)
and removes it. ``--output DIR`` builds into DIR instead, and keeps it.

Binds to 127.0.0.1 unless told otherwise: a preview server has no business
being reachable from the network. The port is bound before the first build,
so a busy port costs no build. The site is built for
``http://127.0.0.1:PORT/<path of base_url>`` and served at that path, so
links behave as they will when deployed; ``/`` redirects there.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from .advice import Vetter
from .build import CACHE_DIR, BuildResult, _manifest_path, build, output_dir_of
from .config import Config, load_config
from .console import Console
from .devserver import PreviewServer, open_server
from .errors import Problem, SitegenError
from .livereload import Live
from .watch import Watcher
from .wording import counted
from .writer import records_beside

KEPT = "previous output kept; fix the problem and save again"
FIRST = "serving an error page until it builds; fix the problem and save"
TEMP_PREFIX = "serve-"
OUTPUT_NAME = "site"
SWEEP_AFTER_SECONDS = 60
SESSION_LOCK = "session.lock"

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]


@dataclass
class Manners:
    """-q, -v and --strict, as `sitegen build` has them."""

    quiet: bool = False
    verbose: bool = False
    strict: bool = False
    shown: list[Problem] = field(default_factory=list)  # the warnings last printed


def rebuild(
    site_dir: Path,
    output: Path | None,
    base_url: str,
    live: Live | None = None,
    manners: Manners | None = None,
    first: bool = False,
) -> BuildResult | None:
    """Build once; report any failure in a line (a traceback only for a bug), show it to
    the browser through ``live``, and return None."""
    manners = manners or Manners()
    vetter = Vetter(manners.strict)
    try:
        result = build(site_dir, output, base_url, vet=vetter)
    except Exception as error:
        if live is not None and live.closed:
            return None  # stopped meanwhile (Ctrl+C) and its folder removed: nothing to tell
        problems = _report(error, site_dir, first)
        if live is not None:
            live.failed(problems)
        return None
    report = result.report
    assert report is not None
    if vetter.warnings != manners.shown and not manners.quiet:  # each new set once, not every save
        Console(site_dir).warnings(vetter.warnings, verbose=manners.verbose)
    manners.shown = vetter.warnings
    if not (manners.quiet or first):  # start() tells of the first build with the address
        done = f"{report.written} written, {report.removed} removed in {result.seconds:.2f} s"
        print(f"rebuilt: {done}", flush=True)
    if not first:
        _timings(result, manners)
    if live is not None:
        live.built(changed=bool(report.written or report.removed))
    return result


def _timings(result: BuildResult, manners: Manners) -> None:
    if manners.verbose and result.phases:
        print("  ".join(f"{name} {seconds:.2f} s" for name, seconds in result.phases.items()), flush=True)


def _report(error: Exception, site_dir: Path, first: bool = False) -> list[Problem]:
    """Print a failed rebuild's problems in the terminal; return them for the error page."""
    from .cli import report_error  # the CLI owns how problems are shown

    if isinstance(error, SitegenError):  # content, config, theme or output: the user can fix it
        report_error(error, site_dir)
        print(FIRST if first else KEPT, file=sys.stderr, flush=True)
        return error.problems
    if isinstance(error, OSError):
        where = f"{error.filename}: " if error.filename else ""
        print(f"rebuild failed: {where}{error.strerror or error}; {KEPT}", file=sys.stderr, flush=True)
        return [Problem(error.strerror or str(error), error.filename)]
    bug = f"a bug in sitegen ({type(error).__name__}: {error})"
    # The line and its traceback in one write: nothing printed meanwhile comes between them.
    message = f"rebuild failed: {bug}; please report it with the traceback below; {KEPT}\n"
    print(message + traceback.format_exc(), end="", file=sys.stderr, flush=True)
    return [Problem(f"{bug}; the terminal shows the traceback")]


@dataclass
class Preview:
    """A built site being served and watched; ``serve()`` runs one until Ctrl+C."""

    server: PreviewServer
    watcher: Watcher
    url: str
    out_dir: Path
    live: Live
    # What the session made and removes on close: its folder and the build records of it.
    owned: list[Path] = field(default_factory=list)
    held: int | None = None  # the lock on that folder, which tells other sessions it is in use

    def close(self) -> None:
        self.watcher.stop(wait=5.0)  # a rebuild under way must not write into a removed folder
        self.server.server_close()
        _remove(self.owned, self.held)


def _remove(paths: list[Path], held: int | None = None) -> None:
    try:
        for path in paths:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
    finally:
        if held is not None:
            os.close(held)


def _records(config: Config, out_dir: Path) -> list[Path]:
    """The build records sitegen keeps in the cache for ``out_dir``."""
    manifest = _manifest_path(config, out_dir)
    return [manifest, *records_beside(manifest)]


def _hold(folder: Path) -> int | None:
    """A descriptor holding an exclusive flock on ``folder``'s session lock; None if another
    process holds it. (Not on the folder itself: each build locks that, lock.py.)"""
    fd = os.open(folder / SESSION_LOCK, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def _session_folder(config: Config) -> tuple[Path, int | None]:
    """A new folder for this session's builds, locked for as long as the session lives; the
    folders of sessions that were killed (unlocked, and not brand new) are removed first."""
    cache_dir = config.site_dir / CACHE_DIR
    cache_dir.mkdir(parents=True, exist_ok=True)
    if fcntl is None:  # Windows: no telling a live session's folder from a dead one's
        return Path(tempfile.mkdtemp(prefix=TEMP_PREFIX, dir=cache_dir)), None
    for folder in cache_dir.glob(TEMP_PREFIX + "*"):
        try:
            # A folder this new may be another session's, not locked yet.
            if time.time() - folder.stat().st_mtime < SWEEP_AFTER_SECONDS or (fd := _hold(folder)) is None:
                continue
        except OSError:
            continue
        try:
            _remove([folder, *_records(config, folder / OUTPUT_NAME)])
        finally:
            os.close(fd)
    folder = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX, dir=cache_dir))
    return folder, _hold(folder)


def start(
    site_dir: Path,
    output: Path | None,
    base_url: str | None,
    host: str,
    port: int,
    manners: Manners | None = None,
) -> Preview | str:
    """Bind, build and start watching; the one-line reason instead when the port cannot be had.
    A broken site.yaml raises its ConfigError, as `sitegen build` would: without it there is
    no knowing where to serve or what to watch. Any other failing first build is served as
    an error page."""
    manners = manners or Manners()
    config = load_config(site_dir, base_url)
    owned: list[Path] = []
    held = None
    server: PreviewServer | str | None = None
    try:
        if output is not None:
            out_dir = output_dir_of(config, output)
        else:
            with _signals_held():  # a Ctrl+C between making the folder and noting it would leak it
                folder, held = _session_folder(config)
                out_dir = folder / OUTPUT_NAME
                owned = [folder, *_records(config, out_dir)]
        live = Live()
        names = frozenset(name.lower() for name in (host, urlsplit(base_url or "").hostname) if name)
        server = open_server(host, port, str(out_dir.absolute()), config.base_path, live, names)
        if isinstance(server, str):
            _remove(owned, held)
            return server
        shown_host = f"[{host}]" if ":" in host else host
        # An explicit --base-url is used as given (a proxy, another name for this machine).
        url = base_url or f"http://{shown_host}:{server.server_address[1]}{config.base_path}"
        content = config.content_dir if config.content_dir.is_absolute() else site_dir / config.content_dir
        sources = [
            site_dir / "site.yaml",
            content,
            *(site_dir / name for name in ("templates", "themes", "static")),
        ]
        # Subscribed before the first build, so that a save during it is seen as a change.
        watcher = Watcher(sources, lambda: rebuild(site_dir, out_dir, url, live, manners), out_dir)
        # A first build that fails is shown like any other: the error page until a good save.
        built = rebuild(site_dir, out_dir, url, live, manners, first=True)
    except BaseException:
        if isinstance(server, PreviewServer):
            server.server_close()
        _remove(owned, held)
        raise
    watcher.start()
    where = "" if output is None else f"{out_dir} "
    if manners.quiet:  # the address even so: with --port 0 there is no other way to learn it
        what = ""
    else:
        what = f"built {counted(built.papers, 'paper')}; " if built else "the site does not build yet; "
    print(f"{what}serving {where}at {url} (Ctrl+C to stop)", flush=True)
    if built:
        _timings(built, manners)
    return Preview(server, watcher, url, out_dir, live, owned, held)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Ctrl+C and SIGTERM wait until the block is done (main thread only; elsewhere nothing)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    stopping = {signal.SIGINT, signal.SIGTERM}
    signal.pthread_sigmask(signal.SIG_BLOCK, stopping)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, stopping)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _in_a_worker() -> None:
    """In a build's worker process. Ctrl+C reaches the terminal's whole process group: the
    server handles it, and the workers ignore it (else each prints a traceback). SIGTERM,
    with which a pool stops its workers, kills again instead of raising KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def serve(
    site_dir: Path,
    output: Path | None,
    base_url: str | None,
    host: str,
    port: int,
    manners: Manners | None = None,
) -> int:
    """Exit status: 0 after Ctrl+C, 2 when the port cannot be had."""
    # SIGTERM (a plain `kill`, a test harness) stops like Ctrl+C: the temporary folder is removed.
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)
        os.register_at_fork(after_in_child=_in_a_worker)
    preview = start(site_dir, output, base_url, host, port, manners)
    if isinstance(preview, str):
        print(preview, file=sys.stderr)
        return 2
    try:
        preview.server.serve_forever()
    except KeyboardInterrupt:
        print("stopped", flush=True)
    finally:
        preview.close()
    return 0
