"""A parse-cache row is input like any file in the site folder: read back with suspicion.

The store is a file in the site folder (.sitegen-cache/papers.sqlite): a site repository, or
a pull request to one, could ship a store of its own making. Two things follow:

- A pickle names the functions that unpickling calls, so a row could run any code on the
  machine that builds the site. ``loads`` finds only the functions a paper is rebuilt with
  and the types a content file's values can hold (YAML's and JSON's: dates, times, zones,
  besides what pickle writes without a name); any other name makes the row unreadable.
- A row's values were never validated here, so what the validation guarantees for safety is
  checked again (``vouched``): each id names a folder inside papers/, each link, author URL
  and thumbnail has an allowed scheme, each citation key is a plain BibTeX key. A row that
  fails is not used, and its file is parsed (and its problems reported) again.
"""

from __future__ import annotations

import io
import pickle
from typing import Any

_found: dict[tuple[str, str], Any] = {}


def _names() -> dict[tuple[str, str], Any]:
    import datetime
    import zoneinfo

    from . import model

    def zone_getattr(owner: Any, name: str) -> Any:
        # How a ZoneInfo pickles: getattr(ZoneInfo, "_unpickle")(key, ...). No other getattr:
        # from any class it reaches every class's attributes, os.system among them.
        if owner is zoneinfo.ZoneInfo and name == "_unpickle":
            return zoneinfo.ZoneInfo._unpickle
        raise pickle.UnpicklingError(f"a cache row asks for {name!r} of {owner!r}")

    found: dict[tuple[str, str], Any] = {
        ("sitegen.model", "_unpickled"): model._unpickled,
        ("sitegen.model", "_shared_author"): model._shared_author,
        ("zoneinfo", "ZoneInfo"): zoneinfo.ZoneInfo,
        ("builtins", "getattr"): zone_getattr,
    }
    for name in ("date", "datetime", "time", "timedelta", "timezone"):
        found["datetime", name] = getattr(datetime, name)
    return found


class _RowUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        found = _found.get((module, name))
        if found is None:
            raise pickle.UnpicklingError(f"a cache row names {module}.{name}, which sitegen never writes")
        return found


def loads(blob: bytes) -> Any:
    """``pickle.loads(blob)``, finding only the names above (else UnpicklingError)."""
    if not _found:  # importing model.py registers the extension code rows name _unpickled by
        _found.update(_names())
    return _RowUnpickler(io.BytesIO(blob)).load()


_checks: list[Any] = []  # bound at the first row: cache.py, which imports this, is on the no-change path


def _bind() -> None:
    from .entries import CITATION_KEY
    from .model import Author, Paper
    from .routes import paper_slug
    from .urls import check_image_url, check_url

    _checks.extend((Paper, Author, paper_slug, check_url, check_image_url, CITATION_KEY.fullmatch))


def vouched(papers: Any) -> bool:
    """Whether a row's papers, ``[(key path, Paper), ...]``, hold only what the validation
    of a content file lets through where it matters for safety (the module's docstring)."""
    if not _checks:
        _bind()
    paper_type, author_type, paper_slug, check_url, check_image_url, is_key = _checks
    try:
        for _, paper in papers:
            if type(paper) is not paper_type:
                return False
            paper_slug(paper.id)  # ValueError for an id that names no folder inside papers/
            for _, url in paper.links:
                if check_url(url) is not None:
                    return False
            for author in paper.authors:
                if type(author) is not author_type or (author.url is not None and check_url(author.url)):
                    return False
            if paper.thumbnail is not None and check_image_url(paper.thumbnail) is not None:
                return False
            if paper.citation_key is not None and not is_key(paper.citation_key):
                return False
    except (TypeError, ValueError, AttributeError):  # not a str where one must be, or not a row's shape
        return False
    return True
