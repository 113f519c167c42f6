"""Related papers after an edit: the last build's tables (relatedtables.py)
brought up to the new titles and abstracts, working out again only what the
edit can change, so the lists are exactly, byte for byte, what a computation
from nothing (related.compute) gives for the same content.

What an edit of some papers' words can change, the number of papers staying
the same (anything else, or too many edits, is computed from nothing):

- a word's document frequency, if an edited paper gained or lost it: the
  "moved" words; every other word weighs what it weighed;
- the vector (kept words and weights) of an edited paper; of a paper that
  kept a moved word (its weight changed, so the weights scaled with it did);
  and of a paper that has, without keeping it, a moved word that got heavier
  (fewer papers have it, or now enough to use it) and may now outweigh the
  lightest word it keeps. A moved word that got lighter cannot enter a paper
  that did not keep it: no other weight in that paper changed;
- the postings of every word some changed vector keeps or kept;
- the list of a paper whose vector changed, or that keeps a word whose
  postings changed: nothing else goes into a list.

"May now outweigh" is checked without reading the paper: its tf is at most
its most repeated word's, so when ``_TF[most] * idf`` is below the lightest
kept weight, the word stays out. The papers left are read again and worked
out in full, the same way a computation from nothing weighs words.
"""

from __future__ import annotations

import math
import sys
from array import array
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from operator import sub
from pathlib import Path

from .model import Paper
from .related import _TF, POSTINGS, SCALE, TERMS, Posting, _usable, best_of, compute, text_digest, words
from .relatedtables import FORMAT, NONE, Tables, read_tables, starts_of, write_tables

# More papers edited, or more vectors to work out again, than this share of
# the papers (or REDO_ANYWAY, if more) and everything is worked out again.
REDO_AT_MOST = 0.1
REDO_ANYWAY = 50
_ITEM = array("I").itemsize
KEY = f"{FORMAT}|{TERMS}|{POSTINGS}|{SCALE}"
RELATED_FILE = "related.bin"  # in .sitegen-cache/
_OLD_FILE = "related.json"  # the lists alone, before the tables (format 2)


class RelatedCache:
    """The last build's tables, in one file under .sitegen-cache/: reused as
    they are when no title or abstract changed, updated when a few did,
    made anew otherwise (other papers, other settings, an unreadable file)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def lists(self, papers: Iterable[Paper], count: int, workers: int = 1) -> Mapping[str, tuple[str, ...]]:
        if count <= 0:
            return {}
        ordered = sorted(papers, key=lambda p: p.id)
        tables = read_tables(self.path, KEY, count, TERMS)
        changed = update(tables, ordered) if tables is not None else None
        if tables is None or changed is None:
            tables, changed = compute(ordered, count, workers), True
        if changed:
            try:
                write_tables(self.path, tables, KEY)
                self.path.with_name(_OLD_FILE).unlink(missing_ok=True)
            except OSError:
                pass  # a cache is an optimisation
        return tables.lists_by_id()


def update(tables: Tables, papers: Sequence[Paper]) -> bool | None:
    """Bring ``tables`` up to ``papers`` (in id order), in place: whether
    anything changed, or None (``tables`` then spoiled) when it takes a
    computation from nothing."""
    n = len(papers)
    if [p.id for p in papers] != tables.ids:
        return None
    digests = list(map(text_digest, papers))
    edited = [i for i, (new, old) in enumerate(zip(digests, tables.digests, strict=True)) if new != old]
    if not edited:
        return False
    limit = max(n * REDO_AT_MOST, REDO_ANYWAY)
    if len(edited) > limit:
        return None
    counts = {i: words(papers[i]) for i in edited}
    number = {word: i for i, word in enumerate(tables.vocab)}
    moved = _count_words(tables, counts, number)
    todo = _vectors_to_redo(tables, moved, set(edited), limit) if moved is not None else None
    if todo is None:
        return None
    redone = _redo_vectors(tables, todo, papers, counts, number)
    _redo_lists(tables, redone)
    tables.digests = digests
    return True


def _count_words(
    tables: Tables, counts: dict[int, Counter[str]], number: dict[str, int]
) -> dict[int, int] | None:
    """The edited papers' words into ``tables`` (rows, document frequencies,
    new words numbered): the moved words, each with its old frequency."""
    vocab, df, rows, starts = tables.vocab, tables.df, tables.rows, tables.row_starts
    known = len(vocab)
    before: dict[int, int] = {}
    new_rows: dict[int, tuple[array]] = {}
    for i, paper_counts in counts.items():
        for word in paper_counts:
            if word not in number:
                number[word] = len(vocab)
                vocab.append(word)
                df.append(0)
        row = array("I", map(number.__getitem__, paper_counts))
        new_rows[i] = (row,)
        old, new = set(rows[starts[i] : starts[i + 1]]), set(row)
        if old and max(old) >= known:
            return None  # the file's rows point past its words
        for word in old - new:
            before.setdefault(word, df[word])
            if df[word] == 0:
                return None
            df[word] -= 1
        for word in new - old:
            before.setdefault(word, df[word])
            df[word] += 1
    (tables.rows,), tables.row_starts = _splice((rows,), starts, new_rows)
    tables.post_starts.extend(tables.post_starts[-1:] * (len(vocab) + 1 - len(tables.post_starts)))
    return {word: old for word, old in before.items() if df[word] != old}


def _vectors_to_redo(
    tables: Tables, moved: dict[int, int], edited: set[int], limit: float
) -> set[int] | None:
    """The papers whose vectors may change (None: more than ``limit``)."""
    todo = set(edited)
    for keepers in _keepers(tables, set(moved)).values():  # their weights changed
        todo.update(i for _, i in keepers)
    n, starts, rows, most, last = len(tables.ids), tables.row_starts, tables.rows, tables.most, tables.last
    by_room: tuple[list[float], list[int]] | None = None
    flat: bytes | None = None  # rows, to search
    for word, old in moved.items():  # papers where a heavier word may now be kept
        df = tables.df[word]
        if len(todo) > limit:
            return None
        if df < 2 or (df > old and old > 1) or not _usable(tables.vocab[word]):
            continue
        idf = math.log((n + 1) / df)
        if by_room is None:  # papers by the idf a word needs to enter them, at least
            room = sorted((last[i] / _TF[most[i]], i) for i in range(n))
            by_room = ([r * (1 - 1e-9) for r, _ in room], [i for _, i in room])
        candidates = by_room[1][: bisect_right(by_room[0], idf)]
        if df <= len(candidates):  # fewer papers have the word: find them
            flat = flat if flat is not None else rows.tobytes()
            having = (bisect_right(starts, at) - 1 for at in _find(flat, word))
        else:
            having = (i for i in candidates if word in rows[starts[i] : starts[i + 1]])
        todo.update(i for i in having if i not in todo and _TF[most[i]] * idf >= last[i])
    return todo if len(todo) <= limit else None


def _keepers(tables: Tables, wanted: set[int]) -> dict[int, list[tuple[int, int]]]:
    """Word -> (minus weight, paper) of every paper keeping it, for the ``wanted`` words."""
    found: dict[int, list[tuple[int, int]]] = {word: [] for word in wanted}
    terms, kept, weights = tables.terms, tables.kept, tables.weights
    for at in [at for at, word in enumerate(kept) if word in wanted] if wanted else ():
        found[kept[at]].append((-weights[at], at // terms))
    return found


def vector(
    counts: Mapping[str, int], number: Mapping[str, int], df: array, n: int
) -> tuple[list, float, int]:
    """A paper's kept words (number, integer weight), heaviest first, the raw
    weight of the ``TERMS``-th and its highest tf: what related._share works
    out, the plain way (every word weighed)."""
    weighed = []
    for word, tf in counts.items():
        frequency = df[number[word]]
        if frequency > 1 and _usable(word):
            weighed.append((-(_TF[min(tf, 64)] * math.log((n + 1) / frequency)), frequency, word))
    weighed.sort()  # heaviest first, then rarest, then by word: rank order
    top = weighed[:TERMS]
    norm = math.sqrt(math.fsum(w * w for w, _, _ in top)) or 1.0
    kept = [(number[word], round(-w / norm * SCALE)) for w, _, word in top]
    return kept, -top[-1][0] if len(top) == TERMS else 0.0, min(max(counts.values(), default=1), 64)


def _redo_vectors(
    tables: Tables, todo: set[int], papers: Sequence[Paper], counts: dict[int, Counter[str]], number: dict
) -> dict[int, set[int]]:
    """Paper -> the words its old and new vectors keep, for each whose vector changed."""
    n, terms = len(papers), tables.terms
    redone = {}
    for i in sorted(todo):
        paper_counts = counts[i] if i in counts else words(papers[i])
        new, tables.last[i], tables.most[i] = vector(paper_counts, number, tables.df, n)
        old = tables.vector(i)
        if set(old) != set(new):
            redone[i] = {w for w, _ in old} | {w for w, _ in new}
            empty = terms - len(new)
            tables.kept[i * terms : (i + 1) * terms] = array("I", [w for w, _ in new] + [NONE] * empty)
            tables.weights[i * terms : (i + 1) * terms] = array("I", [x for _, x in new] + [0] * empty)
    return redone


def _redo_lists(tables: Tables, redone: dict[int, set[int]]) -> None:
    """Postings of the words changed vectors keep or kept, and the lists that read them."""
    postings: dict[int, Posting] = {}
    relist = set(redone)
    for word, keepers in _keepers(tables, set().union(*redone.values())).items():
        keepers.sort()
        posting = tuple((i, -w) for w, i in keepers[:POSTINGS])
        if posting != tables.posting(word):
            postings[word] = posting
            relist.update(i for _, i in keepers)
    changed = {w: (array("I", (i for i, _ in p)), array("I", (x for _, x in p))) for w, p in postings.items()}

    def posting_of(word: int) -> Posting:
        if word not in postings:
            postings[word] = tables.posting(word)
        return postings[word]

    width, lists = tables.count, tables.lists
    for i in relist:
        kept = tables.vector(i)
        best = best_of(i, [w for w, _ in kept], [x for _, x in kept], posting_of, width)
        lists[i * width : (i + 1) * width] = array("I", best + (NONE,) * (width - len(best)))
    flats = (tables.post_papers, tables.post_weights)
    (tables.post_papers, tables.post_weights), tables.post_starts = _splice(
        flats, tables.post_starts, changed
    )


def _find(data: bytes, value: int) -> Iterator[int]:
    """The indexes where ``value`` is in the 'I' array whose bytes are ``data``."""
    pattern = value.to_bytes(_ITEM, sys.byteorder)
    at = data.find(pattern)
    while at >= 0:
        if at % _ITEM:
            at = data.find(pattern, at + 1)
        else:
            yield at // _ITEM
            at = data.find(pattern, at + _ITEM)


def _splice(
    flats: tuple[array, ...], starts: array, changes: dict[int, tuple[array, ...]]
) -> tuple[tuple[array, ...], array]:
    """``flats`` with run ``i`` (starts[i] to starts[i + 1]) replaced by
    ``changes[i]``: the new flats and starts."""
    lengths = list(map(sub, starts[1:], starts[:-1]))
    out = [array(flat.typecode) for flat in flats]
    at = 0
    for i in sorted(changes):
        for new, flat, replacement in zip(out, flats, changes[i], strict=True):
            new.extend(flat[at : starts[i]])
            new.extend(replacement)
        lengths[i] = len(changes[i][0])
        at = starts[i + 1]
    for new, flat in zip(out, flats, strict=True):
        new.extend(flat[at:])
    return tuple(out), starts_of(lengths)
