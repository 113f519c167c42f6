"""Who owns which field: what a re-import may change in a paper already on the site.

The source owns what it measures or publishes (upvotes, links, authors,
abstract, dates, venue, thumbnail) and refreshes it on every import. The
curator owns the rest: the title and listing day are written once, when the
paper is added; tags only ever gain the source's new ones; a note is never
touched; and any field named in the paper's ``pinned:`` list is left exactly
as it is. A source never deletes a field it does not give.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from datetime import date, datetime, timezone
from typing import Any

from .base import Imported
from .yamlnodes import extend, put, restyle_like

# Replaced by the source's value whenever the source gives one.
SOURCE_FIELDS = ("authors", "abstract", "upvotes", "published", "updated", "venue", "thumbnail")
# Mappings whose keys the source gives are replaced; the curator's other keys stay.
SOURCE_KEYED_FIELDS = ("links", "extra")
# The source's new tags are added after the curator's; none is ever removed.
MERGED_LIST_FIELDS = ("tags",)
# Order of the keys of a new paper: short facts first, the long abstract last.
NEW_ENTRY_ORDER = (
    "id",
    "title",
    "date",
    "authors",
    "tags",
    "links",
    "upvotes",
    "published",
    "updated",
    "venue",
    "thumbnail",
    "extra",
    "abstract",
)
_DATES = ("published", "updated")


def new_entry(paper: Imported, day: date) -> dict[str, Any]:
    """The entry of a paper not yet on the site, listed on ``day``."""
    values = {"id": paper.id, "date": day, **paper.fields}
    entry = {key: values[key] for key in NEW_ENTRY_ORDER if key in values}
    entry.update((key, value) for key, value in values.items() if key not in entry)
    return entry


def refresh(entry: MutableMapping[str, Any], paper: Imported) -> bool:
    """Apply the source's view of ``paper`` to the entry already on the site, in place.

    Returns whether anything changed: an import that finds nothing new must not
    rewrite the file (not even its formatting)."""
    pinned = _pinned(entry)
    changed = False
    for key, value in paper.fields.items():
        if key in pinned:
            continue
        old = entry.get(key)
        if key in SOURCE_FIELDS:
            new = _authors(old, value) if key == "authors" else value
            if not _same(key, old, new):
                put(entry, key, restyle_like(old, new))
                changed = True
        elif key in SOURCE_KEYED_FIELDS:
            changed |= _refresh_keys(entry, key, value)
        elif key in MERGED_LIST_FIELDS:
            changed |= _add_new_items(entry, key, value)
        elif key not in entry:  # the curator's (title): only filled in when missing
            put(entry, key, restyle_like(None, value))
            changed = True
    return changed


def _pinned(entry: Mapping[str, Any]) -> set[str]:
    raw = entry.get("pinned")
    return {str(name).strip() for name in raw} if isinstance(raw, list) else set()


def _refresh_keys(entry: MutableMapping[str, Any], key: str, value: Mapping[str, Any]) -> bool:
    old = entry.get(key)
    if not isinstance(old, dict):
        if old is None:
            put(entry, key, restyle_like(None, dict(value)))
            return True
        return False  # not a mapping: the loader reports it; leave the curator's text alone
    changed = False
    for name, item in value.items():
        if old.get(name) != item:
            put(old, name, restyle_like(old.get(name), item))
            changed = True
    return changed


def _add_new_items(entry: MutableMapping[str, Any], key: str, value: list[str]) -> bool:
    old = entry.get(key)
    if old is None:
        put(entry, key, restyle_like(None, list(value)))
        return True
    if not isinstance(old, list):
        return False
    known = {str(item).strip().casefold() for item in old}
    new = [item for item in value if item.strip().casefold() not in known]
    extend(old, new)
    return bool(new)


def _author_name(author: Any) -> str | None:
    if isinstance(author, str):
        return " ".join(author.split())
    if isinstance(author, dict) and isinstance(author.get("name"), str):
        return " ".join(author["name"].split())
    return None


def _authors(old: Any, new: list[Any]) -> list[Any]:
    """The source's author list, keeping what the curator added to each author it still names.

    When the names are the same, in the same order, a mapping the curator wrote
    (an affiliation or a home page) is kept and only gains the source's keys."""
    if not isinstance(old, list) or [_author_name(a) for a in old] != [_author_name(a) for a in new]:
        return new
    merged: list[Any] = []
    for mine, theirs in zip(old, new, strict=True):
        if isinstance(mine, dict):
            extra = theirs if isinstance(theirs, dict) else {}
            merged.append({**dict(mine), **extra})
        else:
            merged.append(theirs)
    return merged


def _same(key: str, old: Any, new: Any) -> bool:
    """Equal as the site would read them: a date written as a date or as a string is the same moment."""
    if key in _DATES and old is not None:
        return _moment(old) == _moment(new)
    return _plain(old) == _plain(new)


def _moment(value: Any) -> Any:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    if isinstance(value, str):
        try:
            return _moment(datetime.fromisoformat(value.strip().replace("Z", "+00:00")))
        except ValueError:
            return value
    return value


def _plain(value: Any) -> Any:
    """Round-trip containers as plain lists and dicts (key order kept), so equal data compares equal."""
    if isinstance(value, dict):
        return [(k, _plain(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value
