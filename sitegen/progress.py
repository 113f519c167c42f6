"""A one-line progress display for long builds on a terminal.

Shown only when stderr is a terminal and CI is not set, and only once a
build has run for a second: short builds and logs stay clean.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from .ci import on_ci

DELAY = 1.0  # seconds before the line first appears
INTERVAL = 0.1  # seconds between redraws


class Progress:
    def __init__(self, stream: TextIO | None = None, enabled: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        if enabled is None:
            enabled = self.stream.isatty() and not on_ci()
        self.enabled = enabled
        self.started = time.monotonic()
        self._drawn = 0.0
        self._total = 0
        self._done = 0
        self._shown = False

    def start(self, total: int) -> None:
        self._total, self._done = total, 0

    def expect(self, more: int) -> None:
        """Files found to do after the start (planned while the first render)."""
        self._total += more

    def advance(self, count: int = 1) -> None:
        self._done += count
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.started < DELAY or now - self._drawn < INTERVAL:
            return
        self._drawn = now
        width = 30
        filled = width * self._done // max(self._total, 1)
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(f"\rrendering [{bar}] {self._done}/{self._total} files")
        self.stream.flush()
        self._shown = True

    def finish(self) -> None:
        if self._shown:
            self.stream.write("\r\x1b[K")  # clear the line for the summary
            self.stream.flush()
            self._shown = False
