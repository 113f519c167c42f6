"""The network layer every importer shares: one polite, retrying GET.

Sources are reached through a ``Transport`` (one attempt, no policy) wrapped
in a ``Fetcher`` (the policy: User-Agent, spacing between requests, retries
with backoff, and one-line ``SourceError`` messages). Tests swap the
transport for a fake and the clock for a counter, so they never touch the
network and never really sleep.
"""

from __future__ import annotations

import http.client
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from email.message import Message
from http import HTTPStatus
from typing import Protocol
from urllib.parse import urlsplit

from .. import __version__
from .base import SourceError

USER_AGENT = f"sitegen/{__version__} (+static site generator for paper feeds)"
MAX_BODY = 50 * 1024 * 1024  # far above any listing; stops a runaway answer from filling memory
MAX_RETRY_AFTER = 120.0  # a server asking for more than this is better answered with "try later"


@dataclass(frozen=True)
class Response:
    url: str
    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""


class Transport(Protocol):
    def get(self, url: str, headers: Mapping[str, str]) -> Response:
        """One attempt. Any HTTP status is a Response; a network failure raises OSError."""
        ...


class _Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    # urllib would follow a redirect to ftp://; a source has no business sending us there.
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        if urlsplit(newurl).scheme not in ("http", "https"):
            raise urllib.error.URLError(f"refused a redirect to {newurl[:60]}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class UrllibTransport:
    """The real transport: ``urllib.request`` with a timeout and a cap on the body size."""

    def __init__(self, timeout: float = 30.0, max_body: int = MAX_BODY) -> None:
        self.timeout = timeout
        self.max_body = max_body
        self._opener = urllib.request.build_opener(_HttpOnlyRedirects())

    def get(self, url: str, headers: Mapping[str, str]) -> Response:
        request = urllib.request.Request(url, headers=dict(headers), method="GET")
        try:
            try:
                with self._opener.open(request, timeout=self.timeout) as answer:
                    return self._response(answer.geturl(), answer.status, answer.headers, answer)
            except urllib.error.HTTPError as error:  # a status is an answer, not a failure
                with error:
                    return self._response(error.geturl() or url, error.code, error.headers, error)
        except http.client.HTTPException as error:  # e.g. IncompleteRead: the connection broke
            raise OSError(f"connection broken ({type(error).__name__})") from error

    def _response(self, url: str, status: int, headers: Message | None, stream: _Readable) -> Response:
        body = stream.read(self.max_body + 1)
        if len(body) > self.max_body:
            limit = f"{self.max_body // 2**20} MB" if self.max_body >= 2**20 else f"{self.max_body} bytes"
            raise SourceError(f"{_host(url)} sent more than {limit}; refusing it")
        return Response(url=url, status=status, headers=dict(headers.items()) if headers else {}, body=body)


def _host(url: str) -> str:
    return urlsplit(url).hostname or url


def _reason(error: OSError) -> str:
    """The short human part of a network error: 'Name or service not known', 'timed out'."""
    reason: object = error.reason if isinstance(error, urllib.error.URLError) else error
    if isinstance(reason, TimeoutError):
        return "timed out"
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror
    return str(reason) or type(reason).__name__


def _retry_after(headers: Mapping[str, str]) -> float | None:
    # Only the seconds form: the HTTP-date form needs a wall clock and is rare on these APIs.
    for key, value in headers.items():
        if key.lower() == "retry-after":
            try:
                seconds = float(value.strip())
            except ValueError:
                return None
            return min(max(seconds, 0.0), MAX_RETRY_AFTER)
    return None


def _status_text(status: int) -> str:
    try:
        return f"HTTP {status} ({HTTPStatus(status).phrase})"
    except ValueError:
        return f"HTTP {status}"


class Fetcher:
    """GETs for one source, spaced, retried and reported as ``SourceError`` lines.

    ``throttled`` recognises a source's own way of saying "slow down" in an
    otherwise normal answer (arXiv's plain-text "Rate exceeded."), which is
    retried like a 429. ``notify`` hears about each retry, e.g. to tell a
    user why nothing seems to happen for 16 seconds.
    """

    def __init__(
        self,
        source: str,
        transport: Transport | None = None,
        *,
        retries: int = 4,
        backoff: float = 2.0,
        min_interval: float = 0.0,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
        throttled: Callable[[Response], bool] | None = None,
        notify: Callable[[str], None] | None = None,
    ) -> None:
        self.source = source
        self.transport: Transport = transport if transport is not None else UrllibTransport()
        self.retries = retries
        self.backoff = backoff
        self.min_interval = min_interval
        # Looked up now, not when this module was imported, so a test can stand in for time.
        self.sleep = sleep if sleep is not None else time.sleep
        self.clock = clock if clock is not None else time.monotonic
        self.throttled = throttled
        self.notify = notify
        self._last_request: float | None = None

    def get(self, url: str, *, accept: Collection[int] = ()) -> Response:
        """The 2xx answer to ``url`` (or one whose status is in ``accept``), else ``SourceError``."""
        host = _host(url)
        headers = {"User-Agent": USER_AGENT}
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            self._space_out()
            try:
                response = self.transport.get(url, headers)
            except SourceError as error:
                raise SourceError(f"{self.source}: {error}") from None
            except OSError as error:
                if last:
                    raise SourceError(
                        f"{self.source}: could not reach {host} ({_reason(error)}); "
                        "check the network and try again"
                    ) from None
                self._wait(attempt, None, f"could not reach {host} ({_reason(error)})")
                continue
            throttled = response.status == 429 or (self.throttled is not None and self.throttled(response))
            if throttled or response.status >= 500:
                what = "is limiting requests" if throttled else "is unavailable"
                if last:
                    status = f" ({_status_text(response.status)})" if response.status >= 400 else ""
                    raise SourceError(
                        f"{self.source}: {host} {what}{status}; gave up after {self.retries + 1} attempts, "
                        "try again in a few minutes"
                    )
                self._wait(attempt, _retry_after(response.headers), f"{host} {what}")
                continue
            if 200 <= response.status < 300 or response.status in accept:
                return response
            raise SourceError(f"{self.source}: {host} answered {_status_text(response.status)}")
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _space_out(self) -> None:
        now = self.clock()
        if self._last_request is not None and self.min_interval > 0:
            wait = self._last_request + self.min_interval - now
            if wait > 0:
                self.sleep(wait)
                now = self.clock()
        self._last_request = now

    def _wait(self, attempt: int, retry_after: float | None, why: str) -> None:
        delay = retry_after if retry_after is not None else self.backoff * 2**attempt
        if self.notify is not None:
            self.notify(f"{self.source}: {why}; retrying in {delay:g} s")
        self.sleep(delay)
