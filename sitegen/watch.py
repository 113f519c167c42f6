"""Watch a site's sources and call back when any changes; nothing stops the watch.

Polls (size and mtime of every source file, every ``POLL_SECONDS``) rather
than using inotify or FSEvents: no dependency, the same on every system, and
editors that save by writing a new file and renaming it are seen like any
other. After a change it waits until the files stop changing (an editor or
``git checkout`` writing several; at most a second) and calls ``on_change`` once.

Whatever ``on_change`` or the polling raises is reported and the watch goes
on: a watcher that died silently would leave the preview serving stale pages
while the user keeps saving. ``on_change`` is expected to report its own
expected failures (see serve.rebuild); what reaches the watcher is a bug.
"""

from __future__ import annotations

import sys
import threading
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path

POLL_SECONDS = 0.5
SETTLE_SECONDS = 0.1
SETTLE_ROUNDS = 10

Snapshot = dict[Path, tuple[int, int]]


def snapshot(files: Iterable[Path], folders: Iterable[Path], skip: Path) -> Snapshot:
    """(mtime, size) of ``files`` and of every file below ``folders``, except below ``skip``."""
    paths = list(files)
    for root in folders:
        if root.is_dir():
            paths += [p for p in root.rglob("*") if skip not in p.parents and p != skip]
    state = {}
    for path in paths:
        try:
            info = path.stat()
        except OSError:  # removed meanwhile, or a dangling link: not a source
            continue
        if not path.is_dir():
            state[path] = (info.st_mtime_ns, info.st_size)
    return state


class Watcher:
    def __init__(self, take: Callable[[], Snapshot], on_change: Callable[[], None]) -> None:
        self._take = take
        self._on_change = on_change
        self._stop = threading.Event()
        self._failing = False  # report a polling failure once, not on every poll
        self._thread = threading.Thread(target=self._run, name="sitegen-watch", daemon=True)
        # The sources as they are now, before the first build and before the thread
        # starts: a save made meanwhile is a change, not the starting point.
        self._before = self._take_or_report({})

    def start(self) -> None:
        self._thread.start()

    def stop(self, wait: float = 0.0) -> None:
        """Stop watching; with ``wait``, give a rebuild under way that many seconds to end."""
        self._stop.set()
        if wait and self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(wait)

    def _run(self) -> None:
        before = self._before
        while not self._stop.wait(POLL_SECONDS):
            now = self._take_or_report(before)
            if now == before:
                continue
            for _ in range(SETTLE_ROUNDS):  # bounded: a file rewritten nonstop must not block rebuilds
                if self._stop.wait(SETTLE_SECONDS):
                    return
                settled = self._take_or_report(now)
                if settled == now:
                    break
                now = settled
            # Taken before the rebuild: a save during it is seen on the next poll.
            before = now
            try:
                self._on_change()
            except Exception:
                _report_bug("rebuilding")

    def _take_or_report(self, last: Snapshot) -> Snapshot:
        try:
            state = self._take()
        except Exception:
            if not self._failing:
                _report_bug("looking for changes")
            self._failing = True
            return last
        self._failing = False
        return state


def _report_bug(doing: str) -> None:
    print(f"error while {doing}: a bug in sitegen (traceback below); still watching", file=sys.stderr)
    traceback.print_exc()
    sys.stderr.flush()
