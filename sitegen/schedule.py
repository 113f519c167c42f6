"""Which outputs a build renders, and when each is planned.

A warm build (one with a record of the last) plans every output first, keys
each, and renders only those whose key or file changed. A cold build has
nothing to reuse, so nothing to compare before rendering: its paper pages
start at once, and this process plans the other outputs, checks that no two
claim one file, and groups the authors (``Site.authors``, made on first use)
while the first of them render, instead of with the second core idle."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from .gcsettings import long_lived
from .outputs import Output, check_unique
from .progress import Progress
from .render import Renderer
from .site import Site
from .siteplan import WITH_PAPER, plan, plan_papers
from .writer import Writer

Todo = list[tuple[Output, "str | None"]]  # outputs to render, each with its key if made already


class Schedule:
    def __init__(self, site: Site, static: Sequence[tuple[str, Path]], cold: bool) -> None:
        self.site, self.static, self.cold = site, static, cold
        self.outputs: list[Output] = []  # every output, once planned (cold: while paper pages render)
        self._paper_pages = plan_papers(site) if cold else None
        if not cold:
            self._plan_all()

    def _plan_all(self) -> None:
        self.outputs[:] = plan(self.site, self._paper_pages)
        check_unique(self.outputs, self.static)

    def first(self, renderer: Renderer, writer: Writer) -> Todo:
        """What to render now. Cold: the paper pages and their cite files
        (siteplan.WITH_PAPER), keyed where they render
        (in parallel). Warm: every output whose key or file changed."""
        renderer.bib_store = writer.bib_store
        if self._paper_pages is not None:
            return [(item, None) for item in self._paper_pages]
        return [
            (item, key) for item in self.outputs if not writer.reuse(item.path, key := renderer.key(item))
        ]

    def later(self, progress: Progress) -> Callable[[], Todo] | None:
        """Cold: plans the rest, to be called once the paper pages are under way."""
        if not self.cold:
            return None

        def plan_the_rest() -> Todo:
            with long_lived():  # outputs, planned: no collection rescans them
                self._plan_all()
                rest: Todo = [(item, None) for item in self.outputs if item.kind not in WITH_PAPER]
            progress.expect(len(rest))
            return rest

        return plan_the_rest
