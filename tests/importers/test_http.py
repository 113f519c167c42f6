"""The network layer: politeness, retries and what a user reads when a source fails."""

from __future__ import annotations

import io
import socket
import urllib.error
import urllib.request
from email.message import Message

import pytest

import sitegen
from sitegen.importers.base import SourceError
from sitegen.importers.http import USER_AGENT, UrllibTransport, _HttpOnlyRedirects

from .fakes import FakeTransport, ok

URL = "https://huggingface.co/api/daily_papers"


def test_user_agent_names_sitegen_and_its_version() -> None:
    fake = FakeTransport()
    fake.add(URL, ok(URL, "[]"))
    fake.fetcher().get(URL)
    assert fake.calls[0].headers["User-Agent"] == USER_AGENT
    assert USER_AGENT.startswith(f"sitegen/{sitegen.__version__} ")


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_retries_with_growing_backoff_then_succeeds(status: int) -> None:
    fake = FakeTransport()
    fake.add(URL, ok(URL, "", status), ok(URL, "", status), ok(URL, "", status), ok(URL, "[1]"))
    response = fake.fetcher(backoff=2.0).get(URL)
    assert response.body == b"[1]"
    assert len(fake.calls) == 4
    assert fake.clock.sleeps == [2.0, 4.0, 8.0]


def test_retry_after_in_seconds_is_honoured_and_capped() -> None:
    fake = FakeTransport()
    fake.add(
        URL,
        ok(URL, "", 429, **{"Retry-After": "7"}),
        ok(URL, "", 503, **{"retry-after": "86400"}),
        ok(URL, "", 429, **{"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}),  # not seconds: backoff
        ok(URL, "[]"),
    )
    fake.fetcher(backoff=2.0).get(URL)
    assert fake.clock.sleeps == [7.0, 120.0, 8.0]


def test_retries_exhausted_is_one_line_naming_source_and_host() -> None:
    fake = FakeTransport()
    fake.add(URL, ok(URL, "", 503))
    notes: list[str] = []
    with pytest.raises(SourceError) as caught:
        fake.fetcher("hf-daily", retries=2, notify=notes.append).get(URL)
    message = str(caught.value)
    assert message == (
        "hf-daily: huggingface.co is unavailable (HTTP 503 (Service Unavailable)); "
        "gave up after 3 attempts, try again in a few minutes"
    )
    assert len(fake.calls) == 3
    assert notes == [
        "hf-daily: huggingface.co is unavailable; retrying in 2 s",
        "hf-daily: huggingface.co is unavailable; retrying in 4 s",
    ]


@pytest.mark.parametrize("status", [400, 403, 404, 410])
def test_client_errors_fail_at_once_without_retry(status: int) -> None:
    fake = FakeTransport()
    fake.add(URL, ok(URL, "nope", status))
    with pytest.raises(SourceError, match=rf"^arxiv: huggingface.co answered HTTP {status} \(") as caught:
        fake.fetcher("arxiv").get(URL)
    assert "\n" not in str(caught.value)
    assert len(fake.calls) == 1
    assert fake.clock.sleeps == []


def test_an_accepted_error_status_is_handed_back_for_the_importer_to_read() -> None:
    fake = FakeTransport()
    fake.add(URL, ok(URL, "<feed/>", 400))
    assert fake.fetcher().get(URL, accept={400}).status == 400


def test_offline_is_retried_then_one_line_naming_the_host() -> None:
    fake = FakeTransport()
    offline = urllib.error.URLError(socket.gaierror(-2, "Name or service not known"))
    fake.add(URL, offline)
    with pytest.raises(SourceError) as caught:
        fake.fetcher("hf-daily", retries=1).get(URL)
    assert str(caught.value) == (
        "hf-daily: could not reach huggingface.co (Name or service not known); "
        "check the network and try again"
    )
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert len(fake.calls) == 2


def test_a_timeout_reads_as_timed_out() -> None:
    fake = FakeTransport()
    fake.add(URL, TimeoutError("The read operation timed out"))
    with pytest.raises(SourceError, match=r"could not reach huggingface.co \(timed out\)"):
        fake.fetcher(retries=0).get(URL)


def test_one_network_hiccup_is_survived() -> None:
    fake = FakeTransport()
    fake.add(URL, ConnectionResetError(104, "Connection reset by peer"), ok(URL, "[]"))
    assert fake.fetcher().get(URL).body == b"[]"
    assert fake.clock.sleeps == [2.0]


def test_min_interval_spaces_consecutive_requests() -> None:
    fake = FakeTransport()
    fake.add(URL, ok(URL, "[]"))
    fetcher = fake.fetcher(min_interval=3.0)
    fetcher.get(URL)
    fake.clock.now += 1.0  # the caller spent a second parsing
    fetcher.get(URL)
    fake.clock.now += 5.0  # long enough already: no wait
    fetcher.get(URL)
    times = [call.at for call in fake.calls]
    assert times[1] - times[0] == pytest.approx(3.0)
    assert times[2] - times[1] == pytest.approx(5.0)
    assert fake.clock.sleeps == [pytest.approx(2.0)]


def test_min_interval_also_spaces_retries() -> None:
    fake = FakeTransport()
    fake.add(URL, ok(URL, "", 503), ok(URL, "[]"))
    fake.fetcher(min_interval=3.0, backoff=0.5).get(URL)
    assert fake.calls[1].at - fake.calls[0].at == pytest.approx(3.0)


# --- the real transport, with urllib's opener replaced (no sockets are opened) ---


class _Opener:
    def __init__(self, outcome: object) -> None:
        self.outcome = outcome
        self.requests: list[urllib.request.Request] = []
        self.timeouts: list[float] = []

    def open(self, request: urllib.request.Request, timeout: float):  # type: ignore[no-untyped-def]
        self.requests.append(request)
        self.timeouts.append(timeout)
        if isinstance(self.outcome, BaseException):
            raise self.outcome
        return self.outcome


class _Answer(io.BytesIO):
    def __init__(self, body: bytes, status: int = 200) -> None:
        super().__init__(body)
        self.status = status
        self.headers = Message()
        self.headers["Content-Type"] = "application/json"

    def geturl(self) -> str:
        return URL


def _transport(outcome: object, **kw) -> UrllibTransport:  # type: ignore[no-untyped-def]
    transport = UrllibTransport(**kw)
    transport._opener = _Opener(outcome)  # type: ignore[assignment]
    return transport


def test_urllib_transport_returns_body_status_and_headers() -> None:
    transport = _transport(_Answer(b"[]"))
    response = transport.get(URL, {"User-Agent": USER_AGENT})
    assert (response.status, response.body, response.headers["Content-Type"]) == (
        200,
        b"[]",
        "application/json",
    )
    assert transport._opener.requests[0].get_header("User-agent") == USER_AGENT  # type: ignore[attr-defined]


def test_urllib_transport_returns_http_errors_as_responses() -> None:
    headers = Message()
    headers["Retry-After"] = "5"
    error = urllib.error.HTTPError(URL, 503, "Service Unavailable", headers, io.BytesIO(b"busy"))
    response = _transport(error).get(URL, {})
    assert (response.status, response.body, response.headers["Retry-After"]) == (503, b"busy", "5")


def test_urllib_transport_refuses_an_oversized_body() -> None:
    with pytest.raises(SourceError, match="sent more than 1 MB"):
        _transport(_Answer(b"x" * (1024 * 1024 + 1)), max_body=1024 * 1024).get(URL, {})


def test_oversized_body_reaches_the_user_prefixed_and_unretried() -> None:
    transport = _transport(_Answer(b"x" * 11), max_body=10)
    fake = FakeTransport()
    fetcher = fake.fetcher("hf-daily")
    fetcher.transport = transport
    with pytest.raises(SourceError, match=r"^hf-daily: huggingface.co sent more than 10 bytes; refusing it$"):
        fetcher.get(URL)
    assert fake.clock.sleeps == []


def test_redirects_only_to_http_or_https() -> None:
    request = urllib.request.Request(URL)
    with pytest.raises(urllib.error.URLError, match="refused a redirect"):
        _HttpOnlyRedirects().redirect_request(request, None, 302, "Found", {}, "ftp://x.org/secret")
    assert (
        _HttpOnlyRedirects().redirect_request(request, None, 302, "Found", {}, "https://x.org/") is not None
    )


def test_requests_time_out_after_30_seconds_as_docs_import_md_says() -> None:
    transport = _transport(_Answer(b"[]"))
    transport.get(URL, {})
    assert transport._opener.timeouts == [30.0]  # type: ignore[attr-defined]
