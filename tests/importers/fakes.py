"""A fake network for importer tests: recorded answers by URL, a clock that sleeping moves."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sitegen.importers.http import Fetcher, Response

RECORDED = Path(__file__).parent / "recorded"


def recorded(name: str) -> bytes:
    return (RECORDED / name).read_bytes()


class FakeClock:
    """``clock`` and ``sleep`` for a Fetcher: sleeping advances time instantly and is logged."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@dataclass
class Call:
    url: str
    headers: Mapping[str, str]
    at: float


Answer = Response | OSError


@dataclass
class FakeTransport:
    """Serves answers by exact URL; a list of answers is served in turn, the last one repeated.

    An unknown URL fails the test loudly rather than looking like a network error.
    """

    routes: dict[str, Answer | list[Answer]] = field(default_factory=dict)
    clock: FakeClock = field(default_factory=FakeClock)
    calls: list[Call] = field(default_factory=list)

    def add(self, url: str, *answers: Answer) -> None:
        self.routes[url] = list(answers)

    def get(self, url: str, headers: Mapping[str, str]) -> Response:
        self.calls.append(Call(url, dict(headers), self.clock()))
        if url not in self.routes:
            raise AssertionError(f"unexpected request to {url}; known: {sorted(self.routes)}")
        answers = self.routes[url]
        if isinstance(answers, list):
            answer = answers.pop(0) if len(answers) > 1 else answers[0]
        else:
            answer = answers
        if isinstance(answer, OSError):
            raise answer
        return answer

    @property
    def urls(self) -> list[str]:
        return [call.url for call in self.calls]

    @property
    def gaps(self) -> list[float]:
        """Seconds between the starts of consecutive requests."""
        times = [call.at for call in self.calls]
        return [later - earlier for earlier, later in zip(times, times[1:], strict=False)]

    def fetcher(self, source: str = "test", **kw) -> Fetcher:  # type: ignore[no-untyped-def]
        return Fetcher(source, self, sleep=self.clock.sleep, clock=self.clock, **kw)


def ok(url: str, body: bytes | str, status: int = 200, **headers: str) -> Response:
    data = body.encode() if isinstance(body, str) else body
    return Response(url=url, status=status, headers=dict(headers), body=data)
