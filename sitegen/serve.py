"""`sitegen serve`: build, serve output/ on localhost, rebuild when sources change.

Binds to 127.0.0.1 unless told otherwise: a preview server has no business
being reachable from the network. The site is built with base_url pointing
at the server itself so every link works in the preview.
"""

from __future__ import annotations

import functools
import http.server
import sys
import threading
from pathlib import Path

from .build import build, output_dir_of
from .config import load_config
from .errors import SitegenError

POLL_SECONDS = 0.5


def _snapshot(site_dir: Path, out_dir: Path) -> dict[Path, float]:
    """mtime of every source file; the output and cache folders are not sources."""
    watched = [site_dir / "site.yaml"]
    for folder in ("content", "templates", "themes", "static"):
        root = site_dir / folder
        if root.is_dir():
            watched += [p for p in root.rglob("*") if p.is_file()]
    state = {}
    for path in watched:
        if out_dir in path.parents:
            continue
        try:
            state[path] = path.stat().st_mtime_ns
        except OSError:
            pass
    return state


def _rebuild(site_dir: Path, output: Path | None, base_url: str) -> None:
    from .cli import report_error  # the CLI owns how problems are shown

    try:
        result = build(site_dir, output, base_url)
    except SitegenError as error:
        report_error(error, site_dir)
        print("previous output kept; fix the problems above and save again", file=sys.stderr)
        return
    report = result.report
    assert report is not None
    print(
        f"rebuilt: {report.written} written, {report.removed} removed in {result.seconds:.2f} s", flush=True
    )


class _Handler(http.server.SimpleHTTPRequestHandler):
    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code == 404 and page.is_file():
            body = page.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            return
        super().send_error(code, message, explain)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        pass  # quiet: rebuild messages are what the user watches


def serve(site_dir: Path, output: Path | None, base_url: str | None, host: str, port: int) -> int:
    config = load_config(site_dir, base_url)
    out_dir = output_dir_of(config, output)
    shown_host = f"[{host}]" if ":" in host else host
    preview_url = base_url or f"http://{shown_host}:{port}/"
    result = build(site_dir, output, preview_url)
    handler = functools.partial(_Handler, directory=str(out_dir))
    server = http.server.ThreadingHTTPServer((host, port), handler)
    print(f"built {result.papers} papers; serving {out_dir} at {preview_url} (Ctrl+C to stop)", flush=True)

    stop = threading.Event()

    def watch() -> None:
        before = _snapshot(site_dir, out_dir)
        while not stop.wait(POLL_SECONDS):
            now = _snapshot(site_dir, out_dir)
            if now != before:
                before = now
                _rebuild(site_dir, output, preview_url)

    threading.Thread(target=watch, daemon=True).start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.server_close()
    return 0
