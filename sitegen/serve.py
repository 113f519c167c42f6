"""`sitegen serve`: build into a temporary folder, serve it on localhost, rebuild when sources change.

Four pieces, each replaceable on its own:

- the server (devserver.py): regular files of the built site over HTTP,
  never through a symlink (any symlink inside the output answers 404);
- live reload and error pages (livereload.py), added to HTML responses only,
  never to the built files;
- the watcher (watch.py): polls the sources, calls back on a change, and
  outlives any failure;
- ``rebuild()`` below: one build, whose every failure becomes a message in
  the terminal and an error page in the browser, and leaves the previous
  build on disk.

The preview never touches output/: it builds into a folder of its own in
the cache folder (``.sitegen-cache/serve-*/site``, so on the site's file
system, with room for the writer's spare folder beside it), removed on exit
with its build records. ``--output DIR`` builds into DIR instead, and keeps it.

Binds to 127.0.0.1 unless told otherwise: a preview server has no business
being reachable from the network. The port is bound before the first build,
so a busy port costs no build. The site is built for
``http://127.0.0.1:PORT/<path of base_url>`` and served at that path, so
links behave as they will when deployed; ``/`` redirects there.
"""

from __future__ import annotations

import shutil
import signal
import sys
import tempfile
import threading
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from .build import _manifest_path, build, output_dir_of
from .config import load_config
from .devserver import PreviewServer, open_server
from .errors import Problem, SitegenError
from .livereload import Live
from .watch import Watcher, snapshot

KEPT = "previous output kept; fix the problem and save again"
TEMP_PREFIX = "serve-"
OUTPUT_NAME = "site"


def rebuild(site_dir: Path, output: Path | None, base_url: str, live: Live | None = None) -> bool:
    """Build once; report any failure in a line (a traceback only for a bug), show it to
    the browser through ``live``, and return False."""
    from .cli import report_error  # the CLI owns how problems are shown

    try:
        result = build(site_dir, output, base_url)
    except SitegenError as error:  # content, config, theme or output: the user can fix it
        report_error(error, site_dir)
        print(KEPT, file=sys.stderr, flush=True)
        problems = error.problems
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        print(f"rebuild failed: {where}{error.strerror or error}; {KEPT}", file=sys.stderr, flush=True)
        problems = [Problem(error.strerror or str(error), error.filename)]
    except Exception as error:
        bug = f"a bug in sitegen ({type(error).__name__}: {error})"
        print(
            f"rebuild failed: {bug}; please report it with the traceback below; {KEPT}",
            file=sys.stderr,
        )
        traceback.print_exc()
        sys.stderr.flush()
        problems = [Problem(f"{bug}; the terminal shows the traceback")]
    else:
        report = result.report
        assert report is not None
        print(
            f"rebuilt: {report.written} written, {report.removed} removed in {result.seconds:.2f} s",
            flush=True,
        )
        if live is not None:
            live.built(changed=bool(report.written or report.removed))
        return True
    if live is not None:
        live.failed(problems)
    return False


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

    def close(self) -> None:
        self.watcher.stop(wait=5.0)  # a rebuild under way must not write into a removed folder
        self.server.server_close()
        _remove(self.owned)


def _remove(paths: list[Path]) -> None:
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def _session_folder(cache_dir: Path) -> Path:
    cache_dir.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=TEMP_PREFIX, dir=cache_dir))


def start(site_dir: Path, output: Path | None, base_url: str | None, host: str, port: int) -> Preview | str:
    """Bind, build and start watching; the one-line reason instead when the port cannot be had.
    A failing first build raises its SitegenError, as `sitegen build` would."""
    config = load_config(site_dir, base_url)
    owned: list[Path] = []
    if output is not None:
        out_dir = output_dir_of(config, output)
    else:
        folder = _session_folder(site_dir / ".sitegen-cache")
        out_dir = folder / OUTPUT_NAME
        manifest = _manifest_path(config, out_dir)
        records = (manifest.with_name(manifest.stem + end) for end in (".json", ".next.json", ".spare.json"))
        owned = [folder, *records]
    live = Live()
    names = frozenset(name.lower() for name in (host, urlsplit(base_url or "").hostname) if name)
    server = open_server(host, port, str(out_dir.absolute()), config.base_path, live, names)
    if isinstance(server, str):
        _remove(owned)
        return server
    shown_host = f"[{host}]" if ":" in host else host
    # An explicit --base-url is used as given (a proxy, another name for this machine).
    url = base_url or f"http://{shown_host}:{server.server_address[1]}{config.base_path}"
    sources = [config.content_dir if config.content_dir.is_absolute() else site_dir / config.content_dir]
    sources += [site_dir / name for name in ("templates", "themes", "static")]
    try:
        # Made before the first build, so that a save during it is seen as a change.
        watcher = Watcher(
            lambda: snapshot([site_dir / "site.yaml"], sources, out_dir),
            lambda: rebuild(site_dir, out_dir, url, live),
        )
        result = build(site_dir, out_dir, url)
    except BaseException:
        server.server_close()
        _remove(owned)
        raise
    watcher.start()
    where = "" if output is None else f"{out_dir} "
    print(f"built {result.papers} papers; serving {where}at {url} (Ctrl+C to stop)", flush=True)
    return Preview(server, watcher, url, out_dir, live, owned)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def serve(site_dir: Path, output: Path | None, base_url: str | None, host: str, port: int) -> int:
    """Exit status: 0 after Ctrl+C, 2 when the port cannot be had."""
    # SIGTERM (a plain `kill`, a test harness) stops like Ctrl+C: the temporary folder is removed.
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)
    preview = start(site_dir, output, base_url, host, port)
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
