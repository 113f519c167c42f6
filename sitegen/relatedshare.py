"""One process's part of a related-papers computation (related.py).

Each process taking part (this one and any forked ones) runs ``share``, a
generator the parent talks to: it counts the words of the papers it claims,
is told what the whole site's numbers make of them, weighs those papers'
vectors and their heaviest postings, is sent every vector and the merged
postings, and scores the papers it claims then. Papers are claimed in runs
of ``CHUNK`` through counters shared by every process, so a process that
starts late or is slowed down takes fewer and none waits for the others at
the end of a step; the lists do not depend on who worked out what.

The papers' titles and abstracts are read from one string made before any
fork (``source``): reading a paper's own strings writes their reference
counts, so a fork would copy every page they are on (~150 MB at 100k papers).
"""

from __future__ import annotations

import itertools
import math
from array import array
from collections import Counter
from collections.abc import Generator, Iterable, Iterator
from itertools import chain, compress, repeat
from operator import itemgetter, lshift, mul, neg, or_
from typing import Any

from .related import (
    EMPTY_SLOTS,
    POSTINGS,
    REPEATED,
    SCALE,
    SKIPPED,
    TERMS,
    TF_OF,
    ZERO_SLOTS,
    Posting,
    best_of,
    tokens_apart,
)
from .relatedtables import NONE

CHUNK = 500  # papers a process claims at once (~20-40 ms of work)
_32 = itertools.repeat(32)
_COUNT_CAP = itertools.repeat(255)
ONCE = b"\1"  # a count of 1, deleted to leave the repeated words' counts
# Looked up per word as ``list.__getitem__`` (a C method): an array's is a slot
# wrapper, called through an argument tuple (~1.5% of the stage's instructions).
TF_LIST = TF_OF.tolist()

# Set before forking: every paper's title and abstract end to end and where
# each starts (see relatedtables.Tables), and the counters of claimed runs.
_SOURCE: tuple[str, array] = ("", array("I", [0]))
_CLAIMS: Claims | None = None
_RUNNING: dict[int, Generator[Any, Any, None]] = {}  # in a forked process: its share


class Claims:
    """Runs of papers handed out one at a time to whichever process asks
    first, one counter per step; in shared memory when ``context`` forks."""

    def __init__(self, context: Any = None) -> None:
        self._counters = [context.Value("q", 0) for _ in range(2)] if context is not None else None
        self._here = [itertools.count(), itertools.count()]

    def runs(self, step: int, papers: int) -> Iterator[tuple[int, int]]:
        """The runs (start, stop) this process claims for ``step``, in order."""
        while True:
            if self._counters is None:
                chunk = next(self._here[step])
            else:
                counter = self._counters[step]
                with counter.get_lock():
                    chunk = counter.value
                    counter.value = chunk + 1
            if chunk * CHUNK >= papers:
                return
            yield chunk * CHUNK, min(papers, (chunk + 1) * CHUNK)


def source(texts: str, starts: array, claims: Claims) -> None:
    """What every share reads, set before forking."""
    global _SOURCE, _CLAIMS
    _SOURCE, _CLAIMS = (texts, starts), claims
    _RUNNING.clear()


def step(key: int, count: int, reply: Any) -> Any:
    """In a forked process: the next thing its share says."""
    if key not in _RUNNING:
        _RUNNING[key] = share(count)
        return next(_RUNNING[key])
    return _RUNNING[key].send(reply)


def share(count: int) -> Generator[Any, Any, None]:
    texts, starts = _SOURCE
    claims = _CLAIMS
    assert claims is not None
    papers = len(starts) // 2
    runs: list[tuple[int, int]] = []  # claimed one at a time, as the papers before are counted
    sets, df = _counted(texts, starts, claims.runs(0, papers), runs)
    vocabulary = sorted(df)
    # -> each word's rank (``unusable`` if it is not used), each rank's idf, and
    # the ranks rare enough that most papers have ``TERMS`` words below it
    ranks, idf, unusable, rare_below = yield runs, vocabulary, array("I", map(df.__getitem__, vocabulary))
    rank = dict(zip(vocabulary, ranks, strict=True))
    rank_of, idf_of, tf_of = rank.__getitem__, idf.tolist().__getitem__, TF_LIST.__getitem__
    rare = frozenset(word for word, r in rank.items() if r < rare_below)
    del df, vocabulary
    # Per paper TERMS slots: the ranks it keeps and their weights; its lightest kept weight and highest tf.
    kept, weights, last, most = array("I"), array("I"), array("d"), array("B")
    entries: list[list[int]] = [[] for _ in range(unusable)]  # per rank: its papers' posting keys
    for index, (paper_words, paper_counts) in zip(_indexes(runs), sets, strict=True):
        # The heaviest words (tf-idf) are among the rarest and the repeated
        # ones: any other weighs at most what each of the rarest weighs. The
        # rarest are among the paper's rare words when it has enough (a set
        # intersection instead of a look-up per word), else among them all.
        found = rare.intersection(paper_words)
        rarest = sorted(map(rank_of, found if len(found) >= TERMS else paper_words))[:TERMS]
        weighed = dict(zip(rarest, map(idf_of, rarest), strict=True))
        repeated = paper_counts.translate(REPEATED)  # 1 where a word is there more than once
        ranked = list(map(rank_of, compress(paper_words, repeated)))
        tfs = paper_counts.translate(None, ONCE)  # the counts above 1, in the same order
        weighed.update(zip(ranked, map(mul, map(tf_of, tfs), map(idf_of, ranked)), strict=True))
        weighed.pop(unusable, None)
        # Heaviest first, then rarest: sorted by rank, then (stable) by weight.
        ranks_kept = sorted(sorted(weighed), key=weighed.__getitem__, reverse=True)[:TERMS]
        heaviest = list(map(weighed.__getitem__, ranks_kept))
        norm = math.sqrt(math.fsum(map(mul, heaviest, heaviest))) or 1.0
        kept.extend(ranks_kept)
        scaled = [round(w / norm * SCALE) for w in heaviest]
        weights.extend(scaled)
        keys = map(or_, map(lshift, map(neg, scaled), _32), repeat(index))  # see _heads
        list(map(list.append, map(entries.__getitem__, ranks_kept), keys))
        if len(ranks_kept) < TERMS:
            kept.extend(EMPTY_SLOTS[len(ranks_kept) :])
            weights.extend(ZERO_SLOTS[len(ranks_kept) :])
            last.append(0.0)
        else:
            last.append(heaviest[-1])
        most.append(min(max(tfs, default=1), 64))
    del sets, idf_of
    # -> every paper's kept words and weights, and the postings: per rank, the
    # papers where it weighs most, heaviest first, lower index first.
    said = kept, weights, last, most, _heads(entries)
    every_kept, every_weight, (starts, post_papers, post_weights) = yield said
    del entries, kept, weights
    of: dict[int, Posting] = {}
    # A paper's index as one int object in every posting: the scores' dict
    # then finds it by identity, without comparing two ints.
    same = {}.setdefault

    def posting_of(word: int) -> Posting:
        posting = of.get(word)
        if posting is None:
            a, b = starts[word], starts[word + 1]
            others = post_papers[a:b]
            posting = of[word] = tuple(zip(map(same, others, others), post_weights[a:b], strict=True))
        return posting

    scored, lists, empty = [], array("I"), array("I", [NONE]) * count  # per paper ``count`` slots
    for a, b in claims.runs(1, papers):
        scored.append((a, b))
        for index in range(a, b):
            at = index * TERMS
            top = every_kept[at : at + TERMS]
            if top[-1] == NONE:
                top = top[: top.index(NONE)]
            best = best_of(index, top, every_weight[at : at + len(top)], posting_of, count)
            lists.extend(best)
            if len(best) < count:
                lists.extend(empty[: count - len(best)])
    yield scored, lists


def _indexes(runs: list[tuple[int, int]]) -> Iterator[int]:
    return chain.from_iterable(itertools.starmap(range, runs))


def _counted(
    texts: str, starts: array, runs: Iterable[tuple[int, int]], done: list[tuple[int, int]]
) -> tuple[list, Counter[str]]:
    """Each paper's words and how often each is in it (at most 255: tf is
    capped below that), and the number of papers each word is in, for the
    papers of ``runs`` (each put in ``done`` as it is taken).

    Compact: a Counter a paper, each word a string of its own, was ~9 KB a
    paper, 0.9 GB at 100k papers while the lists were worked out; a tuple of
    words each held once and a bytes of counts are ~0.8 KB."""
    df: Counter[str] = Counter()
    # Each word as the one string held for it, each skipped word as "": counted
    # that way, a paper's words are held once already (~10% faster).
    held = _Held.fromkeys(SKIPPED, "").__getitem__
    found = []
    for a, b in runs:
        done.append((a, b))
        bounds = starts[2 * a : 2 * b + 1]
        for title, abstract, end in zip(bounds[::2], bounds[1::2], bounds[2::2], strict=False):
            in_title, in_abstract = tokens_apart(texts[title:abstract], texts[abstract:end])
            title_words = list(filter(None, map(held, in_title)))  # the title counts twice
            counts = Counter(chain(title_words, title_words, filter(None, map(held, in_abstract))))
            try:
                tfs = bytes(counts.values())  # ~10x faster than capping each count
            except ValueError:  # a word more than 255 times
                tfs = bytes(map(min, counts.values(), _COUNT_CAP))
            found.append((tuple(counts), tfs))
    df.update(chain.from_iterable(map(itemgetter(0), found)))  # in one call, not one a paper
    return found, df


class _Held(dict):
    """Word -> the string held for it: the first seen."""

    def __missing__(self, word: str) -> str:
        self[word] = word
        return word


def _heads(entries: list[list[int]]) -> tuple[array, array]:
    """Per rank, the first ``POSTINGS`` of its posting keys in order: ``starts``
    (a rank's keys from starts[r] to starts[r + 1]) and the keys.

    A posting key is (minus weight) * 2**32 + paper: in order, heaviest first,
    then lower index first; sorting the ints is ~3x faster than pairs."""
    starts, keys = array("I", [0]), array("q")
    for entry in entries:
        if entry:
            entry.sort()
            keys.extend(entry[:POSTINGS])
        starts.append(len(keys))
    return starts, keys
