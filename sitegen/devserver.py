"""The preview server's HTTP side: regular files under one folder, nothing else.

- **Files only, never through a symlink.** A URL is split into names and each
  is opened relative to the folder before it with ``O_NOFOLLOW``, starting
  from the output folder (which itself may be a symlink: the user chose it).
  Any symlink inside the output, wherever it points, answers 404: sitegen
  writes none, so one there was put by hand and may lead anywhere. Devices,
  FIFOs and sockets answer 404 too, and a folder is served only through its
  index.html (no listings). ``..`` in a URL is refused, not resolved.
- **At the site's base path.** The folder is served below ``base_path`` (the
  path of base_url), as the real host will; ``/`` redirects there (302, not
  301: a browser keeps a 301 for good, and the next site previewed on this
  port may have another path).
- **Live.** With a ``Live`` (livereload.py), ``/__sitegen/`` is its own, HTML
  responses carry its reload script, and while a rebuild is failing every
  HTML response is its error page.
- **Holds a burst.** The listen backlog is 1024 (the kernel may cap it,
  ``net.core.somaxconn``): with the stdlib's 5, a burst of connections beyond
  it had their SYNs dropped and retried after 1, 3, 7 ... s. Connections are
  handled by reused threads, started on demand up to ``MAX_THREADS``; more
  are accepted and wait for a free thread. A client that sends nothing for
  ``Handler.timeout`` seconds is dropped, so idle sockets cannot hold threads.
- **Only to this machine's names.** A Host header that is not an IP address,
  ``localhost`` or a name the server was given answers 403: a page elsewhere
  on the web could otherwise resolve its own name to 127.0.0.1 (DNS
  rebinding) and read the preview, drafts included.
- **No stale pages in the browser.** ``Cache-Control: no-cache`` makes the
  browser ask again on every load; a file whose ETag (mtime in ns and size,
  and the generation for a page with the reload script) is unchanged
  answers 304, and the build leaves unchanged files alone.
"""

from __future__ import annotations

import errno
import http.server
import io
import ipaddress
import os
import queue
import socket
import stat
import sys
import threading
import traceback
import urllib.parse
from collections.abc import Callable
from typing import Any, BinaryIO

from .livereload import Live, send_error_page

BACKLOG = 1024
MAX_THREADS = 128
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
# O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused right after, by fstat).
_FILE_FLAGS = os.O_RDONLY | _NOFOLLOW | _CLOEXEC | getattr(os, "O_NONBLOCK", 0)
_DIR_FLAGS = os.O_RDONLY | _NOFOLLOW | _CLOEXEC | _DIRECTORY


def host_allowed(header: str | None, names: frozenset[str]) -> bool:
    """Whether a request's Host header names this machine by address or localhost, or is in ``names``."""
    if header is None:
        return True  # an HTTP/1.0 client: no name to rebind
    host = header.rsplit(":", 1)[0] if not header.endswith("]") else header
    host = host.strip("[]").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost") or host in names:
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def url_names(path: str) -> list[str] | None:
    """The names a URL path walks through, or None for a path that tries to climb out."""
    path = urllib.parse.unquote(path.split("?", 1)[0].split("#", 1)[0])
    names = [name for name in path.split("/") if name not in ("", ".")]
    if any(name == ".." or "\\" in name or "\0" in name for name in names):
        return None
    return names


def open_regular(root: str, names: list[str]) -> tuple[BinaryIO, os.stat_result, bool] | None:
    """(file, its stat, whether it is a folder's index.html) for the regular file
    ``names`` lead to below ``root``, opened without following any symlink below
    ``root``; None when there is nothing to serve."""
    if os.open not in os.supports_dir_fd:  # Windows: check each name, then open the path
        return _open_checked(root, names)
    fds: list[int] = []
    try:
        fds.append(os.open(root, os.O_RDONLY | _CLOEXEC | _DIRECTORY))
        for name in names[:-1]:
            fds.append(os.open(name, _DIR_FLAGS, dir_fd=fds[-1]))  # a symlink: ELOOP or ENOTDIR
        fds.append(os.open(names[-1] if names else ".", _FILE_FLAGS, dir_fd=fds[-1]))
        info = os.fstat(fds[-1])
        index = stat.S_ISDIR(info.st_mode)
        if index:
            fds.append(os.open("index.html", _FILE_FLAGS, dir_fd=fds[-1]))
            info = os.fstat(fds[-1])
        if not stat.S_ISREG(info.st_mode):
            return None
        return os.fdopen(fds.pop(), "rb"), info, index
    except OSError:
        return None
    finally:
        for fd in fds:
            os.close(fd)


def _open_checked(root: str, names: list[str]) -> tuple[BinaryIO, os.stat_result, bool] | None:
    path = root
    try:
        for name in names:
            if ":" in name or "/" in name:  # "C:x" would make join() drop the root
                return None
            path = os.path.join(path, name)
            if stat.S_ISLNK(os.lstat(path).st_mode):
                return None
        index = os.path.isdir(path)
        if index:
            path = os.path.join(path, "index.html")
            if stat.S_ISLNK(os.lstat(path).st_mode):
                return None
        file = open(path, "rb")  # noqa: SIM115 - handed to the caller
    except OSError:
        return None
    info = os.fstat(file.fileno())
    if not stat.S_ISREG(info.st_mode):
        file.close()
        return None
    return file, info, index


class Handler(http.server.SimpleHTTPRequestHandler):
    """GET and HEAD of the output's regular files below the base path; the site's own 404 page."""

    timeout = 15  # seconds a client may stay silent before its connection is dropped
    server: PreviewServer
    # Citation files as reference managers expect them (docs/deploy.md, "Content types").
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".bib": "application/x-bibtex; charset=utf-8",
        ".ris": "application/x-research-info-systems; charset=utf-8",
    }

    def send_head(self) -> BinaryIO | None:  # type: ignore[override]
        url_path = self.path.split("?", 1)[0].split("#", 1)[0]
        query = self.path[len(url_path) :]
        live, base = self.server.live, self.server.base_path
        if not host_allowed(self.headers.get("Host"), self.server.host_names):
            # DNS rebinding: a web page from elsewhere, under a name resolved to this machine.
            self.send_error(403, "sitegen serve answers to an IP address, localhost or --base-url's host")
            return None
        if live is not None and live.answer(self, url_path):
            return None
        if not url_path.startswith(base):
            if url_path in ("/", base[:-1]):  # to the site, where its links work as deployed
                self._redirect(302, base + query)
            else:
                self.send_error(404)
            return None
        names = url_names(url_path[len(base) - 1 :])
        found = open_regular(self.directory, names) if names is not None else None
        if found is None:
            self.send_error(404)
            return None
        file, info, index = found
        try:
            if index and not url_path.endswith("/"):
                # Relative links in the page resolve against the folder, as on the real host.
                file.close()
                self._redirect(301, url_path + "/" + query)
                return None
            content_type = self.guess_type("index.html" if index else url_path)
            # An ETag, not Last-Modified: a page rebuilt within the second it was
            # fetched in would otherwise answer 304 and stay stale in the browser.
            etag = f'"{info.st_mtime_ns:x}-{info.st_size:x}"'
            generation = None
            if live is not None and content_type.startswith("text/html"):
                generation, error = live.state()
                if error is not None:
                    file.close()
                    send_error_page(self, live, generation, error)
                    return None
                # The page carries the generation it was served in: a cached copy must not outlive it.
                etag = f'"{info.st_mtime_ns:x}-{info.st_size:x}-{generation}"'
            if etag in self.headers.get("If-None-Match", ""):
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Cache-Control", "no-cache")
                self.end_headers()
                file.close()
                return None
            size = info.st_size
            if live is not None and generation is not None:
                with file:
                    body = live.inject(file.read(), generation)
                file, size = io.BytesIO(body), len(body)
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(size))
            self.send_header("ETag", etag)
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            return file
        except BaseException:
            file.close()
            raise

    def _redirect(self, status: int, location: str) -> None:
        self.send_response(status)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        live = self.server.live
        generation, error = live.state() if live is not None else ("", None)
        if code == 404 and live is not None and error is not None:
            send_error_page(self, live, generation, error)
            return
        found = open_regular(self.directory, ["404.html"]) if code == 404 else None
        if found is None:
            super().send_error(code, message, explain)
            return
        with found[0] as page:
            body = page.read()
        if live is not None:
            body = live.inject(body, generation)
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        pass  # quiet: rebuild messages are what the user watches


class _Threads:
    """Handler threads, started as connections need them up to ``limit``, then reused."""

    def __init__(self, work: Callable[..., None], limit: int) -> None:
        self._work = work
        self._limit = limit
        self._jobs: queue.SimpleQueue[tuple[Any, ...] | None] = queue.SimpleQueue()
        self._idle = threading.Semaphore(0)
        self._started = 0

    def submit(self, *job: Any) -> None:
        if not self._idle.acquire(blocking=False) and self._started < self._limit:
            self._started += 1  # only the accepting thread submits: no lock needed
            threading.Thread(target=self._run, name=f"preview-{self._started}", daemon=True).start()
        self._jobs.put(job)

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            self._work(*job)
            self._idle.release()

    def close(self) -> None:
        for _ in range(self._started):
            self._jobs.put(None)


class PreviewServer(http.server.HTTPServer):
    request_queue_size = BACKLOG

    def __init__(
        self,
        host: str,
        port: int,
        directory: str,
        max_threads: int = MAX_THREADS,
        *,
        base_path: str = "/",
        live: Live | None = None,
        host_names: frozenset[str] = frozenset(),
    ) -> None:
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.directory = directory
        self.base_path = base_path if base_path.endswith("/") else base_path + "/"
        self.live = live
        self.host_names = host_names  # besides addresses and localhost: the names it may be asked by
        self._threads = _Threads(self._handle, max_threads)
        super().__init__((host, port), Handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        Handler(request, client_address, self, directory=self.directory)

    def process_request(self, request: Any, client_address: Any) -> None:
        self._threads.submit(request, client_address)

    def _handle(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            return  # the browser went away or stayed silent: nothing to tell the user
        print("preview server: a bug in sitegen while answering a request:", file=sys.stderr)
        traceback.print_exc()

    def server_close(self) -> None:
        super().server_close()
        if self.live is not None:
            self.live.close()  # ends the event streams, which hold their threads
        self._threads.close()


def suggest_port(host: str, taken: int) -> int:
    """A port near ``taken`` that can be bound now, else any free one."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for port in [*range(taken + 1, min(taken + 11, 65536)), 0]:
        with socket.socket(family) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds
            try:
                probe.bind((host, port))
            except OSError:
                continue
            return probe.getsockname()[1]
    return 0


def open_server(
    host: str,
    port: int,
    directory: str,
    base_path: str = "/",
    live: Live | None = None,
    host_names: frozenset[str] = frozenset(),
) -> PreviewServer | str:
    """A listening server, or the one line that says why there is none."""
    if not 0 <= port <= 65535:
        return f"port {port} is not a port number (0 to 65535)"
    try:
        return PreviewServer(host, port, directory, base_path=base_path, live=live, host_names=host_names)
    except socket.gaierror as error:
        return f"cannot listen on {host}: {error.strerror}"
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            return f"port {port} on {host} is in use; try --port {suggest_port(host, port)}"
        return f"cannot listen on {host} port {port}: {error.strerror or error}"
