"""Watch a site's sources with OS file events and call back when any changes.

watchfiles (Rust's notify: inotify, FSEvents, ReadDirectoryChangesW) tells
us of changes instead of our looking at every file: polling a 20,000-file
site cost half a core while idle. Two subscriptions feed one queue:

- each existing source folder, recursively (content, templates, themes,
  static);
- each source's parent, not recursively, for the sources themselves:
  site.yaml (editors often save it by writing a new file and renaming it)
  and source folders that appear or vanish, after which the recursive
  subscription is made again over the folders that exist now.

Never the site folder recursively: output/ and .sitegen-cache/ are there,
with one folder per paper. Editors' swap and backup files and .git are
ignored (watchfiles' DefaultFilter).

Where the OS gives no events (a network file system, a container's bind
mount, the inotify limit reached) watchfiles polls instead:
``WATCHFILES_FORCE_POLLING=1`` asks for that; running out of inotify watches
falls back to it by itself, with a line saying so.

After a change it waits until the files stop changing (an editor or ``git
checkout`` writing several) and calls ``on_change`` once; a change during a
rebuild brings one more rebuild. Whatever ``on_change`` or a subscription
raises is reported and the watch goes on: a watcher that died silently would
leave the preview serving stale pages while the user keeps saving.
"""

from __future__ import annotations

import queue
import sys
import threading
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path

import watchfiles

SETTLE_SECONDS = 0.1  # quiet this long after a change before rebuilding
WAKE_MS = 200  # how often a subscription looks up from waiting, to notice stop() or a restart
RETRY_SECONDS = 1.0  # after a subscription failed


class Watcher:
    """Watches ``sources`` (files or folders, existing or not) except below ``skip``.

    Subscribed when made, so that a save during the first build is seen;
    ``on_change`` is first called after ``start()``.
    """

    def __init__(self, sources: Iterable[Path], on_change: Callable[[], None], skip: Path) -> None:
        self._sources = [Path(source).absolute() for source in sources]
        self._skip = Path(skip).absolute()
        self._on_change = on_change
        self._changes: queue.SimpleQueue[bool] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._regroup = threading.Event()  # a source folder appeared or vanished
        self._polling = False
        self._failing: set[str] = set()  # report a failing subscription once, not on every retry
        self._filter = watchfiles.DefaultFilter()
        parents = sorted({source.parent for source in self._sources})
        ready = [threading.Event(), threading.Event()]
        self._threads = [
            threading.Thread(target=self._watch_folders, args=(ready[0],), name="sitegen-watch", daemon=True),
            threading.Thread(
                target=self._watch_parents, args=(parents, ready[1]), name="sitegen-watch-top", daemon=True
            ),
        ]
        for thread in self._threads:
            thread.start()
        for event in ready:
            event.wait(10)
        self._rebuilder = threading.Thread(target=self._run, name="sitegen-rebuild", daemon=True)

    def start(self) -> None:
        self._rebuilder.start()

    def stop(self, wait: float = 0.0) -> None:
        """Stop watching; with ``wait``, give a rebuild under way that many seconds to end."""
        self._stop.set()
        self._changes.put(False)
        if wait and self._rebuilder.is_alive() and self._rebuilder is not threading.current_thread():
            self._rebuilder.join(wait)

    # --- the subscriptions ---

    def _watch_folders(self, ready: threading.Event) -> None:
        while not self._stop.is_set():
            self._regroup.clear()
            folders = [source for source in self._sources if source.is_dir()]
            if not folders:  # nothing to subscribe to until a source folder appears
                ready.set()
                self._regroup.wait(WAKE_MS / 1000)
                continue
            self._subscribe("the sources", folders, True, self._in_folders, ready, self._regroup)

    def _watch_parents(self, parents: list[Path], ready: threading.Event) -> None:
        while not self._stop.is_set():
            existing = [parent for parent in parents if parent.is_dir()]
            if not existing:
                ready.set()
                self._stop.wait(RETRY_SECONDS)
                continue
            self._subscribe("the site folder", existing, False, self._is_source, ready, None)

    def _subscribe(
        self,
        what: str,
        paths: list[Path],
        recursive: bool,
        wanted: Callable[[Path], bool],
        ready: threading.Event,
        restart: threading.Event | None,
    ) -> None:
        """One watchfiles subscription until stop() (or ``restart``); a failure waits and returns."""
        try:
            for changes in watchfiles.watch(
                *paths,
                watch_filter=None,
                debounce=1600,
                step=50,
                rust_timeout=WAKE_MS,
                yield_on_timeout=True,
                stop_event=self._stop,
                recursive=recursive,
                force_polling=True if self._polling else None,
                raise_interrupt=False,
            ):
                ready.set()  # the first answer (a timeout, usually) means the OS watch is in place
                self._failing.discard(what)
                for change, name in changes:
                    path = Path(name)
                    if not (wanted(path) and self._filter(change, name)):
                        continue
                    if not recursive and change != watchfiles.Change.modified:
                        self._regroup.set()  # a source folder came or went: subscribe anew
                    self._changes.put(True)
                if self._stop.is_set() or (restart is not None and restart.is_set()):
                    return
        except Exception as error:
            ready.set()
            if "limit" in str(error).lower() and not self._polling:
                self._polling = True  # out of inotify watches: poll, as watchfiles can
                print(f"warning: {error}; watching by polling instead", file=sys.stderr, flush=True)
                return
            if what not in self._failing:
                _report_bug(f"watching {what}")
                self._failing.add(what)
            self._stop.wait(RETRY_SECONDS)

    def _is_source(self, path: Path) -> bool:
        return path in self._sources

    def _in_folders(self, path: Path) -> bool:
        return path != self._skip and self._skip not in path.parents

    # --- the rebuilds ---

    def _run(self) -> None:
        while self._changes.get() and not self._stop.is_set():
            while True:  # settle: an editor or a checkout writes several files
                try:
                    if not self._changes.get(timeout=SETTLE_SECONDS):
                        return
                except queue.Empty:
                    break
            try:
                self._on_change()
            except Exception:
                _report_bug("rebuilding")


def _report_bug(doing: str) -> None:
    print(f"error while {doing}: a bug in sitegen (traceback below); still watching", file=sys.stderr)
    traceback.print_exc()
    sys.stderr.flush()
