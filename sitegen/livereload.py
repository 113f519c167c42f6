"""Live reload and error pages for `sitegen serve`, added to responses, never to files.

- **One state, shared.** ``Live`` holds the preview's generation (changed by
  every rebuild that changed the site or its error) and the current error,
  if the last rebuild failed. The generation starts with a random session id,
  so a tab left open across a restart of the server reloads too.
- **The tab asks, the server tells.** Every HTML response gets one
  ``<script src="/__sitegen/reload.js" data-generation="...">`` before
  ``</body>``: an external file, so a theme's ``script-src 'self'`` CSP
  allows it. The script opens a server-sent events stream
  (``/__sitegen/events``), which sends the current generation at once and
  again after each change; the tab reloads when it differs from its own. A
  hidden tab closes its stream (browsers allow ~6 connections per host over
  HTTP/1.1, and each open stream holds one) and reopens it when shown.
- **Errors in the browser.** While the last rebuild failed, every HTML
  response is an error page naming file, line and field of each problem
  (escaped: messages quote the user's content), until the next good build.
"""

from __future__ import annotations

import html
import re
import secrets
import threading
from collections.abc import Sequence
from typing import Any

from .errors import Problem

PREFIX = "/__sitegen/"
EVENTS = PREFIX + "events"
SCRIPT = PREFIX + "reload.js"
PING_SECONDS = 10.0  # a comment line this often, so a closed tab's stream is noticed and dropped

RELOAD_JS = b"""// sitegen serve: reload this tab when the site is rebuilt (never part of a build).
(() => {
  const me = document.currentScript;
  const shown = me.dataset.generation;
  let source = null;
  const open = () => {
    source = new EventSource(me.dataset.events);
    source.onmessage = (event) => {
      if (event.data !== shown) {
        source.close();
        location.reload();
      }
    };
  };
  document.addEventListener("visibilitychange", () => {
    if (document.hidden && source) {
      source.close();
      source = null;
    } else if (!document.hidden && !source) {
      open();
    }
  });
  if (!document.hidden) open();
})();
"""

_BODY_END = re.compile(rb"</body\s*>", re.IGNORECASE)

ERROR_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; connect-src 'self'"

_ERROR_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>sitegen: the site does not build</title>
<style>
body {{ font: 16px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem;
  color: #1a1a1a; background: #fff; }}
h1 {{ color: #a50e0e; font-size: 1.4rem; }}
li {{ margin: 0.5rem 0; }}
code {{ font: 0.95em/1.4 ui-monospace, monospace; background: #f3f3f3; padding: 0.1em 0.3em; }}
.message {{ white-space: pre-wrap; }}
</style>
</head>
<body>
<h1>The site does not build</h1>
<p>The last save broke the build; the terminal running <code>sitegen serve</code> says the same.
Fix it and save: this page reloads by itself.</p>
<ul class="problems">
{items}
</ul>
</body>
</html>
"""


def error_page(problems: Sequence[Problem]) -> str:
    """The page shown instead of the site: one item per problem, every part escaped."""
    items = []
    for problem in problems:
        where = []
        if problem.path is not None:
            place = str(problem.path) + (f":{problem.line}" if problem.line is not None else "")
            where.append(f'<code class="file">{html.escape(place)}</code>')
        if problem.field:
            where.append(f'<code class="field">{html.escape(problem.field)}</code>')
        message = f'<span class="message">{html.escape(problem.message)}</span>'
        items.append(f"<li>{': '.join([*where, message])}</li>")
    return _ERROR_PAGE.format(items="\n".join(items))


class Live:
    """The preview's generation and current error, and the streams waiting on them."""

    def __init__(self) -> None:
        self._session = secrets.token_hex(4)
        self._count = 0
        self._changed = threading.Condition()
        self._closed = False
        self.error: bytes | None = None  # the error page while the last build failed

    @property
    def generation(self) -> str:
        return f"{self._session}-{self._count}"

    def state(self) -> tuple[str, bytes | None]:
        """The generation and the error page, read together: a page must carry the generation it shows."""
        with self._changed:
            return self.generation, self.error

    def built(self, changed: bool) -> None:
        """A good build; the tabs reload if it changed a file or ends an error."""
        with self._changed:
            if changed or self.error is not None:
                self.error = None
                self._bump()

    def failed(self, problems: Sequence[Problem]) -> None:
        page = error_page(problems).encode()
        with self._changed:
            if page != self.error:
                self.error = page
                self._bump()

    def _bump(self) -> None:
        self._count += 1
        self._changed.notify_all()

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    def inject(self, page: bytes, generation: str) -> bytes:
        """``page`` with the reload script before its last ``</body>`` (or at its end)."""
        tag = (
            f'<script src="{SCRIPT}" data-events="{EVENTS}" data-generation="{generation}"></script>'.encode()
        )
        ends = list(_BODY_END.finditer(page))
        at = ends[-1].start() if ends else len(page)
        return page[:at] + tag + page[at:]

    def answer(self, handler: Any, path: str) -> bool:
        """Answer a request for one of our own URLs; False for any other path."""
        if path == SCRIPT:
            _send(handler, 200, "text/javascript; charset=utf-8", RELOAD_JS)
        elif path == EVENTS:
            self._stream(handler)
        else:
            return False
        return True

    def _stream(self, handler: Any) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.send_header("Cache-Control", "no-store")
        handler.end_headers()
        if handler.command == "HEAD":
            return
        # retry: how soon the browser reconnects after the server went away (a restart).
        sent = self.generation
        handler.wfile.write(f"retry: 1000\ndata: {sent}\n\n".encode())
        handler.wfile.flush()
        while True:
            with self._changed:
                self._changed.wait_for(
                    lambda last=sent: self._closed or self.generation != last, PING_SECONDS
                )
                if self._closed:
                    return
                now = self.generation
            handler.wfile.write(f"data: {now}\n\n".encode() if now != sent else b": ping\n\n")
            handler.wfile.flush()  # a tab that went away fails here, and its thread is freed
            sent = now


def _send(handler: Any, status: int, content_type: str, body: bytes, csp: str | None = None) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    handler.send_header("Cache-Control", "no-store")
    if csp:
        handler.send_header("Content-Security-Policy", csp)
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(body)


def send_error_page(handler: Any, live: Live, generation: str, page: bytes) -> None:
    """``page`` and ``generation`` as read together by ``Live.state()``."""
    _send(handler, 500, "text/html; charset=utf-8", live.inject(page, generation), ERROR_CSP)
