"""The Loader: collects the papers and problems of one load's files, wherever
each file was checked (here, in a fork, or taken from the parse cache): ids
registered (a repeated one reported at the end, with the line of each place),
equal small values of the papers made one object (model.SharedValues)."""

from __future__ import annotations

from contextlib import AbstractContextManager
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from . import routes
from .config import Config
from .documents import Document, KeyPath, load_document
from .errors import Problem
from .limits import Limits
from .model import Paper, SharedValues

if TYPE_CHECKING:
    from .cache import ParseCache
    from .loading import Checked, Seen


_second = itemgetter(1)  # of (KeyPath, Paper)


class _Place(NamedTuple):
    """Where an id was first given; the line is looked up only if it is duplicated.
    (A tuple: one a paper, made in ~0.3 µs where a frozen dataclass took ~1.5.)"""

    path: Path
    shown: str
    at: KeyPath
    id: str


class Loader:
    """Collects papers and problems across all files of one site."""

    def __init__(self, config: Config, cache: ParseCache | None = None, seen: Seen | None = None) -> None:
        self.config = config
        self.cache = cache
        self.seen = seen
        self.papers: list[Paper] = []
        self.problems: list[Problem] = []
        self.ids: dict[str, _Place] = {}
        self.duplicates: list[tuple[_Place, _Place]] = []  # (first, again)
        self._shared = SharedValues()  # equal small values made one, as papers come in

    def take(self, path: Path, shown: str, checked: Checked) -> None:
        """Take in one file, checked or from the parse cache, in this process or a worker."""
        if self.seen is not None:
            self._took(shown, checked.digest)
        for at, paper_id in checked.ids:
            self.register(path, shown, at, paper_id)
        if checked.problems:
            self.problems.extend(checked.problems)
        if checked.papers is not None:
            if checked.shared:
                self.papers.extend(map(_second, checked.papers))  # in C: no generator
            else:
                self.papers.extend(map(self._shared.share, map(_second, checked.papers)))

    def take_papers(self, path: Path, shown: str, papers: list[tuple[KeyPath, Paper]], digest: str) -> None:
        """Take in the papers of a file without problems (a worker's, unpickled
        while this load's unpickling() ran), whose bytes had ``digest``."""
        self._took(shown, digest)
        for at, paper in papers:
            self.register(path, shown, at, paper.id)
            self.papers.append(paper)

    def unpickling(self) -> AbstractContextManager[None]:
        """Papers unpickled meanwhile are made of this load's shared values (model.SharedValues)."""
        return self._shared.unpickling()

    def _took(self, shown: str, digest: str) -> None:
        """Note a file's digest as the load took it, if it is not the check's."""
        seen = self.seen
        if seen is not None and seen.digests.get(shown) != digest:
            seen.changed[shown] = digest

    def register(self, path: Path, shown: str, at: KeyPath, paper_id: str) -> None:
        place = _Place(path, shown, at, paper_id)
        key = routes.checked_id_key(paper_id)  # entries._id checked it: read, unpickled or cached
        first = self.ids.setdefault(key, place)
        if first is not place:
            self.duplicates.append((first, place))

    def report_duplicates(self) -> None:
        """One problem per repeated id, at the repeat, naming the first place."""
        docs: dict[Path, Document] = {}
        for first, again in self.duplicates:
            first_line = _reload(docs, first, self.config.limits).line_at(first.at + ("id",))
            where = f"{first.shown}:{first_line}" if first_line else first.shown
            if first.id == again.id:
                message = f"duplicate id '{again.id}' (also in {where})"
            else:
                message = f"duplicate id '{again.id}' (same page as '{first.id}' in {where})"
            line = _reload(docs, again, self.config.limits).line_at(again.at + ("id",))
            self.problems.append(Problem(message, again.shown, line, "id"))


def same_citation_keys(papers: list[Paper]) -> list[Problem]:
    """A ``citation_key`` fixed by hand on two papers (ignoring letter case)."""
    first: dict[str, Paper] = {}
    problems = []
    for paper in papers:
        if paper.citation_key:
            other = first.setdefault(paper.citation_key.casefold(), paper)
            if other is not paper:
                message = (
                    f"citation key '{paper.citation_key}' is also the key of '{other.id}' ({other.source})"
                )
                problems.append(Problem(message, str(paper.source), None, "citation_key"))
    return problems


def _reload(docs: dict[Path, Document], place: _Place, limits: Limits) -> Document:
    # Documents are not kept for the whole load (memory at 100k papers); this is the rare error path.
    if place.path not in docs:
        docs[place.path] = load_document(place.path, place.shown, limits=limits)
    return docs[place.path]
