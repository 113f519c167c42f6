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

Which papers are edited: those whose title or abstract is not the one the
tables keep. Their old words are the kept text's words. "May now outweigh"
is checked without reading the paper: its tf is at most its most repeated
word's, so when ``_TF[most] * idf`` is below the lightest kept weight, the
word stays out. The papers that have the word are found by its letters in
their lower-cased text (a superset: "graph" is in "graphs" too). The papers
left are read again and worked out in full, weighing words the way
``related.compute`` does; ``vector`` here weighs every word of a paper, where
``compute`` skips those that cannot be among the heaviest, and
tests/test_related_update.py checks, on random edits, that both give the
same tables.
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import accumulate
from operator import sub
from pathlib import Path

from .codedigest import code_digest
from .model import Paper
from .related import _TF, POSTINGS, SCALE, TERMS, Posting, _usable, best_of, compute, words, words_of
from .relatedtables import FORMAT, NONE, Tables, TablesWriter, read_tables, starts_of, write_tables

# More papers edited, or more vectors to work out again, than this share of
# the papers (or REDO_ANYWAY, if more) and everything is worked out again.
REDO_AT_MOST = 0.1
REDO_ANYWAY = 50
# A word that got heavier is looked for in every paper's text when at most
# this many times as many papers have it as may let it in; else in theirs
# alone. Either finds the same papers (tests set it to 0 and to inf).
SEARCH_TEXT = 1.0
KEY = f"{FORMAT}|{TERMS}|{POSTINGS}|{SCALE}"
RELATED_FILE = "related.bin"  # in .sitegen-cache/
_OLD_FILE = "related.json"  # the lists alone, before the tables (format 2)


def cache_key() -> str:
    """KEY and sitegen's code: tables made by other code (words counted another way, with
    FORMAT unchanged) are made anew, as every page is, so that lists never mix the two."""
    return f"{KEY}|{code_digest()}"


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
        key = cache_key()
        tables = read_tables(self.path, key, count, TERMS)
        changed = update(tables, ordered) if tables is not None else None
        if tables is None or changed is None:  # written as it is worked out
            tables, changed = (
                compute(ordered, count, workers, out=TablesWriter(self.path, key, count, TERMS)),
                True,
            )
        elif changed:
            try:
                write_tables(self.path, tables, key)
            except OSError:
                pass  # a cache is an optimisation
        if changed:
            try:
                self.path.with_name(_OLD_FILE).unlink(missing_ok=True)
            except OSError:
                pass
        return tables.lists_by_id()


def update(tables: Tables, papers: Sequence[Paper]) -> bool | None:
    """Bring ``tables`` up to ``papers`` (in id order), in place: whether
    anything changed, or None (``tables`` then spoiled) when it takes a
    computation from nothing."""
    n = len(papers)
    if [p.id for p in papers] != tables.ids:
        return None
    edited = [i for i, p in enumerate(papers) if (p.title, p.abstract) != tables.text(i)]
    if not edited:
        return False
    limit = max(n * REDO_AT_MOST, REDO_ANYWAY)
    if len(edited) > limit:
        return None
    counts = {i: words(papers[i]) for i in edited}
    number = {word: i for i, word in enumerate(tables.vocab)}
    moved = _count_words(tables, {i: words_of(*tables.text(i)) for i in edited}, counts, number)
    todo = _vectors_to_redo(tables, papers, moved, set(edited), limit) if moved is not None else None
    if todo is None:
        return None
    redone = _redo_vectors(tables, todo, papers, counts, number)
    _redo_lists(tables, redone)
    tables.edited.update((i, (papers[i].title, papers[i].abstract)) for i in edited)
    return True


def _count_words(
    tables: Tables, old: dict[int, Counter[str]], new: dict[int, Counter[str]], number: dict[str, int]
) -> dict[int, int] | None:
    """The edited papers' words into the document frequencies (new words
    numbered): the moved words, each with its old frequency."""
    vocab, df = tables.vocab, tables.df
    before: dict[int, int] = {}
    for i, paper_counts in new.items():
        for word in paper_counts:
            if word not in number:
                number[word] = len(vocab)
                vocab.append(word)
                df.append(0)
        if not all(map(number.__contains__, old[i])):
            return None  # the file's words are not the file's text's
        gone, came = set(map(number.__getitem__, old[i])), set(map(number.__getitem__, paper_counts))
        for word in gone - came:
            before.setdefault(word, df[word])
            if df[word] == 0:
                return None
            df[word] -= 1
        for word in came - gone:
            before.setdefault(word, df[word])
            df[word] += 1
    tables.post_starts.extend(tables.post_starts[-1:] * (len(vocab) + 1 - len(tables.post_starts)))
    return {word: old for word, old in before.items() if df[word] != old}


def _vectors_to_redo(
    tables: Tables, papers: Sequence[Paper], moved: dict[int, int], edited: set[int], limit: float
) -> set[int] | None:
    """The papers whose vectors may change (None: more than ``limit``)."""
    todo = set(edited)
    for keepers in _keepers(tables, set(moved)).values():  # their weights changed
        todo.update(i for _, i in keepers)
    n, most, last = len(papers), tables.most, tables.last
    by_room: tuple[list[float], list[int]] | None = None
    lowered: tuple[str, list[int]] | None = None  # every text lower-cased, end to end, and where each starts
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
        # The papers that have the word have it in their lower-cased text (and
        # some others do too: those are worked out again for nothing).
        text = tables.vocab[word]
        if df <= len(candidates) * SEARCH_TEXT:  # fewer papers have the word: find them
            lowered = lowered if lowered is not None else _lowered(tables, papers)
            having: Iterable[int] = _find(*lowered, text)
        else:
            having = (i for i in candidates if text in _lower(papers[i]))
        todo.update(i for i in having if i not in todo and _TF[most[i]] * idf >= last[i])
    return todo if len(todo) <= limit else None


def _lower(paper: Paper) -> str:
    return f"{paper.title.lower()}\n{paper.abstract.lower()}"


def _lowered(tables: Tables, papers: Sequence[Paper]) -> tuple[str, Sequence[int]]:
    """Every paper's lower-cased text, end to end, and where each starts. The
    tables' texts lower-cased in one go: one copy (~150 MB at 100k papers),
    where each paper's, then joined, held two at once (the edit's peak). An
    edited paper's text there is its old one: it is worked out again anyway.
    Not when lower-casing changes a length ("İ" takes two letters) or may
    depend on the letters around ("Σ" at the end of a word): each paper's then."""
    texts = tables.texts
    if not tables.edited and "\u03a3" not in texts:  # (else a paper edited before may have new words)
        lowered = texts.lower()
        if len(lowered) == len(texts):  # no letter gets longer (none gets shorter)
            return lowered, tables.text_starts[::2]
        del lowered
    each = list(map(_lower, papers))
    return "\n".join(each), list(accumulate((len(t) + 1 for t in each), initial=0))


def _find(text: str, starts: list[int], word: str) -> Iterator[int]:
    """The papers whose lower-cased text (in ``text``, each from its start) has ``word``."""
    at = text.find(word)
    while at >= 0:
        paper = bisect_right(starts, at) - 1
        yield paper
        at = text.find(word, starts[paper + 1])


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
    weight of the ``TERMS``-th and its highest tf: what relatedshare.share works
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
