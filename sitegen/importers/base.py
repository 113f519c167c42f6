"""What every importer hands over: papers in the content schema, and one error type.

An importer turns a source's answer (JSON, Atom, BibTeX) into ``Imported``
values and knows nothing of the site's files; ``sitegen.importers.merge``
decides what each one changes on disk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..errors import SitegenError


class SourceError(SitegenError):
    """A source could not be reached or answered something unusable.

    Shown as one line (``hf-daily: ...``) and exit status 1; nothing is written."""


@dataclass(frozen=True)
class Imported:
    """One paper as a source describes it.

    ``fields`` uses the content schema (docs/content.md) with plain YAML-ready
    values: ``title`` (str), ``authors`` (list of str, or of {name, affiliation}),
    ``abstract`` (str), ``tags`` (list of str), ``links`` (dict name -> URL, in
    display order), ``upvotes`` (int), ``published`` / ``updated`` (ISO 8601
    strings with an offset, e.g. '2025-03-13T17:59:00Z'), ``venue``,
    ``thumbnail``. A field the source does not give is absent, never None.
    ``id`` and ``date`` are not in ``fields``: ``id`` is the attribute below,
    and the listing day is ``day`` (None: the caller picks one, e.g. today).
    """

    id: str
    day: date | None
    fields: dict[str, Any] = field(default_factory=dict)
    source: str = ""  # the importer's name: 'hf-daily', 'arxiv', 'bibtex'
