"""`sitegen serve`: build, serve output/ on localhost, rebuild when sources change.

Three pieces, each replaceable on its own:

- the server (devserver.py): regular files of the output folder over HTTP,
  never through a symlink (any symlink inside the output answers 404);
- the watcher (watch.py): polls the sources, calls back on a change, and
  outlives any failure;
- ``rebuild()`` below: one build, whose every failure becomes a message and
  leaves the previous output served.

Binds to 127.0.0.1 unless told otherwise: a preview server has no business
being reachable from the network. The port is bound before the first build,
so a busy port costs no build, and the site is built with base_url pointing
at the server itself so every link works in the preview.
"""

from __future__ import annotations

import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

from .build import build, output_dir_of
from .config import load_config
from .devserver import PreviewServer, open_server
from .errors import SitegenError
from .watch import Watcher, snapshot

KEPT = "previous output kept; fix the problem and save again"


def rebuild(site_dir: Path, output: Path | None, base_url: str) -> bool:
    """Build once; report any failure in a line (a traceback only for a bug) and return False."""
    from .cli import report_error  # the CLI owns how problems are shown

    try:
        result = build(site_dir, output, base_url)
    except SitegenError as error:  # content, config, theme or output: the user can fix it
        report_error(error, site_dir)
        print(KEPT, file=sys.stderr, flush=True)
        return False
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        print(f"rebuild failed: {where}{error.strerror or error}; {KEPT}", file=sys.stderr, flush=True)
        return False
    except Exception as error:
        print(
            f"rebuild failed: a bug in sitegen ({type(error).__name__}: {error}); please report it "
            f"with the traceback below; {KEPT}",
            file=sys.stderr,
        )
        traceback.print_exc()
        sys.stderr.flush()
        return False
    report = result.report
    assert report is not None
    print(
        f"rebuilt: {report.written} written, {report.removed} removed in {result.seconds:.2f} s", flush=True
    )
    return True


@dataclass
class Preview:
    """A built site being served and watched; ``serve()`` runs one until Ctrl+C."""

    server: PreviewServer
    watcher: Watcher
    url: str

    def close(self) -> None:
        self.watcher.stop()
        self.server.server_close()


def start(site_dir: Path, output: Path | None, base_url: str | None, host: str, port: int) -> Preview | str:
    """Bind, build and start watching; the one-line reason instead when the port cannot be had.
    A failing first build raises its SitegenError, as `sitegen build` would."""
    config = load_config(site_dir, base_url)
    out_dir = output_dir_of(config, output)
    server = open_server(host, port, str(out_dir.absolute()))
    if isinstance(server, str):
        return server
    shown_host = f"[{host}]" if ":" in host else host
    url = base_url or f"http://{shown_host}:{server.server_address[1]}/"
    sources = [config.content_dir if config.content_dir.is_absolute() else site_dir / config.content_dir]
    sources += [site_dir / name for name in ("templates", "themes", "static")]
    # Made before the first build, so that a save during it is seen as a change.
    watcher = Watcher(
        lambda: snapshot([site_dir / "site.yaml"], sources, out_dir),
        lambda: rebuild(site_dir, output, url),
    )
    try:
        result = build(site_dir, output, url)
    except BaseException:
        server.server_close()
        raise
    watcher.start()
    print(f"built {result.papers} papers; serving {out_dir} at {url} (Ctrl+C to stop)", flush=True)
    return Preview(server, watcher, url)


def serve(site_dir: Path, output: Path | None, base_url: str | None, host: str, port: int) -> int:
    preview = start(site_dir, output, base_url, host, port)
    if isinstance(preview, str):
        print(preview, file=sys.stderr)
        return 1
    try:
        preview.server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        preview.close()
    return 0
