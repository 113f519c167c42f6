"""Related papers: for each paper, the few most alike by the words of its
title and abstract (TF-IDF, cosine), worked out once per build.

A pure function of the papers' ids, titles and abstracts (and the count
asked for), so an incremental build shows what a cold build shows:

- a paper's words: its title (twice) and abstract lower-cased, cut at
  anything but a letter or digit; words of one character, words starting with
  a digit, stopwords and words no other paper has are left out;
- weights: tf-idf with sublinear tf (1 + ln tf) and idf = ln((N+1)/df); each
  paper keeps its ``TERMS`` heaviest words, normalised over those and rounded
  to integers; scores are sums of integer products, exact in any order, so no
  platform's float rounding can reorder two papers;
- ties are broken by rarity, then word, then paper id; nothing random, and
  nothing depends on how the work was split between processes.

What keeps it linear: each paper is looked up by its ``TERMS`` heaviest words
only, and from each word only the ``POSTINGS`` papers where it weighs most are
candidates (a word shared by thousands of papers says little about any two).
So scoring is at most N x TERMS x POSTINGS additions, whatever the corpus.

Large sites split the per-paper work (words, vectors, scores) between forked
processes, this one taking a share: see ``_Shares``. ``compute`` works
everything out from nothing and returns it as ``Tables`` (relatedtables.py):
the lists, and what an edit needs to update them, which
relatedupdate.RelatedCache keeps under .sitegen-cache/. A build whose titles
and abstracts are as they were reuses the lists; a build where a few changed
updates the tables (relatedupdate.py), working out again only the vectors,
postings and lists the edit can change, with the same arithmetic, so the lists
are byte for byte what ``compute`` gives; anything else (papers added or
removed: every idf changes) is worked out from nothing. Only the pages whose
list (or a listed paper's title) changed are rendered again.
"""

from __future__ import annotations

import itertools
import math
import re
import string
from array import array
from collections import Counter
from collections.abc import Callable, Generator, Iterable, Sequence
from itertools import chain, compress, filterfalse, repeat
from operator import and_, lshift, mul, neg, or_, rshift
from typing import Any

from .model import Paper
from .processes import fork_context
from .relatedtables import NONE, Tables, starts_of

TERMS = 8  # a paper's heaviest words, kept for matching
POSTINGS = 10  # papers a word proposes as candidates, those where it weighs most
SCALE = 4096  # weights are rounded to multiples of 1/SCALE
PARALLEL_FROM = 3000  # papers; below, starting processes costs more than it saves

_TF = [0.0] + [1 + math.log(tf) for tf in range(1, 65)]  # sublinear: 1 + ln(tf), at most tf 64
_TF_OF = array("d", _TF + _TF[-1:] * (256 - len(_TF)))  # per count a share keeps (at most 255), capped at 64
_32 = itertools.repeat(32)
_REPEATED = bytes.maketrans(bytes(range(256)), bytes([0, 0]) + b"\1" * 254)  # count -> whether above 1
_EMPTY = array("I", [NONE] * TERMS)  # a paper's empty slots
_ZEROS = array("I", [0] * TERMS)
_SEPARATORS = str.maketrans(dict.fromkeys(string.punctuation, " "))
_ASCII_WORDS = bytes.maketrans(  # ASCII: upper to lower case, punctuation to a space
    string.ascii_uppercase.encode() + string.punctuation.encode(),
    string.ascii_lowercase.encode() + b" " * len(string.punctuation),
)
_WORD = re.compile(r"[^\W_]+")  # letters and digits: what the ASCII path splits into
# Words that say nothing about a paper's subject: English function words and
# the boilerplate of abstracts.
STOPWORDS = frozenset(
    """
    about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had
    has have having he her here hers herself him himself his how if in into is it its itself just
    me more most my myself no nor not now of off on once only or other our ours ourselves out over
    own same she should so some such than that the their theirs them themselves then there these
    they this those through to too under until up very was we were what when where which while who
    whom why will with would you your yours yourself yourselves via thus however therefore whereas
    within without across among upon onto per yet may might must shall us one two three new use
    used using based show shows shown propose proposed present presents paper work approach method
    methods results result study introduce introduces existing well many much often like et al
    """.split()
)
_SKIPPED = STOPWORDS | frozenset(string.ascii_lowercase + string.digits)


def words(paper: Paper) -> Counter[str]:
    """How often each word is in a paper's title (counted twice: a title names
    the subject) and abstract, lower-cased, stopwords and one-character words
    left out (other misshapen words are left out later, once per word)."""
    return words_of(paper.title, paper.abstract)


def words_of(title: str, abstract: str) -> Counter[str]:
    """``words`` of a paper with this title and abstract."""
    return Counter(filterfalse(_SKIPPED.__contains__, tokens(title, abstract)))


def tokens(title: str, abstract: str) -> list[str]:
    """The title (twice) and abstract lower-cased and cut at anything but a letter or digit."""
    text = f"{title}\n{title}\n{abstract}"
    if text.isascii():  # lower-cased and cut in one bytes.translate: ~2x faster than the path below
        return text.encode().translate(_ASCII_WORDS).decode().split()
    title = title.lower()
    text = f"{title}\n{title}\n{abstract.lower()}"
    # The ASCII path is ~40% faster than the regular expression, and finds the same words.
    return text.translate(_SEPARATORS).split() if text.isascii() else _WORD.findall(text)


def _usable(word: str) -> bool:
    return len(word) > 1 and word[0].isalpha() and word not in STOPWORDS


def best_of(
    index: int, top: Iterable[int], weights: Iterable[int], posting_of: Callable[[int], Posting], count: int
) -> tuple[int, ...]:
    """The ``count`` papers that score highest with paper ``index``, whose
    kept words are ``top`` with ``weights``: higher score first, then lower index."""
    scores: dict[int, int] = {}
    get = scores.get
    for word, weight in zip(top, weights, strict=True):
        for other, theirs in posting_of(word):
            scores[other] = get(other, 0) + weight * theirs
    scores.pop(index, None)
    # Lower index first, then (a stable sort) higher score first.
    return tuple(sorted(sorted(scores), key=scores.__getitem__, reverse=True)[:count])


# The per-paper work is a conversation: each share of the papers (a run of
# them, in id order) is a generator that yields what it found and is sent what
# the whole site's numbers make of it. This process talks to its own share
# directly and to the others through forked processes (_Share); the values
# exchanged are plain and small (arrays, words), never the papers.
_PAPERS: Sequence[Paper] = ()  # set before forking: what the shares read
_RUNNING: dict[int, Generator[Any, Any, None]] = {}  # in a forked process: its share

Postings = tuple[array, array, array]  # per word rank: offsets into papers and weights
Posting = Sequence[tuple[int, int]]  # a word's papers (indexes) and weights, heaviest first


def _counted(papers: Sequence[Paper]) -> tuple[list[tuple[tuple[str, ...], bytes]], Counter[str]]:
    """Each paper's words and how often each is in it (at most 255: tf is
    capped below that), and the number of papers each word is in.

    Compact: a Counter a paper, each word a string of its own, was ~9 KB a
    paper, 0.9 GB at 100k papers while the lists were worked out; a tuple of
    words each held once and a bytes of counts are ~0.8 KB."""
    df: Counter[str] = Counter()
    # Each word as the one string held for it, each skipped word as "": counted
    # that way, a paper's words are held once already (~10% faster).
    held = _Held.fromkeys(_SKIPPED, "").__getitem__
    found = []
    for paper in papers:
        counts = Counter(filter(None, map(held, tokens(paper.title, paper.abstract))))
        df.update(counts.keys())
        try:
            tfs = bytes(counts.values())  # ~10x faster than capping each count
        except ValueError:  # a word more than 255 times
            tfs = bytes(map(min, counts.values(), _COUNT_CAP))
        found.append((tuple(counts), tfs))
    return found, df


class _Held(dict):
    """Word -> the string held for it: the first seen."""

    def __missing__(self, word: str) -> str:
        self[word] = word
        return word


_COUNT_CAP = itertools.repeat(255)


def _share(start: int, stop: int, count: int) -> Generator[Any, Any, None]:
    sets, df = _counted(_PAPERS[start:stop])
    vocabulary = sorted(df)
    # -> each word's rank (``unusable`` if it is not used), each rank's idf, and
    # the ranks rare enough that most papers have ``TERMS`` words below it
    ranks, idf, unusable, rare_below = yield vocabulary, array("I", map(df.__getitem__, vocabulary))
    rank = dict(zip(vocabulary, ranks, strict=True))
    rank_of = rank.__getitem__
    rare = frozenset(word for word, r in rank.items() if r < rare_below)
    del df, vocabulary
    # Per paper TERMS slots: the ranks it keeps and their weights; its lightest kept weight and highest tf.
    kept, weights, last, most = array("I"), array("I"), array("d"), array("B")
    vectors: list[tuple[int, ...]] = []
    entries: list[list[int]] = [[] for _ in range(unusable)]  # per rank: its papers' posting keys
    for index, (paper_words, paper_counts) in enumerate(sets, start):
        # The heaviest words (tf-idf) are among the rarest and the repeated
        # ones: any other weighs at most what each of the rarest weighs. The
        # rarest are among the paper's rare words when it has enough (a set
        # intersection instead of a look-up per word), else among them all.
        found = rare.intersection(paper_words)
        rarest = sorted(map(rank_of, found if len(found) >= TERMS else paper_words))[:TERMS]
        weighed = dict(zip(rarest, map(idf.__getitem__, rarest), strict=True))
        repeated = paper_counts.translate(_REPEATED)  # 1 where a word is there more than once
        ranked = list(map(rank_of, compress(paper_words, repeated)))
        tf_weights = map(_TF_OF.__getitem__, compress(paper_counts, repeated))
        weighed.update(zip(ranked, map(mul, tf_weights, map(idf.__getitem__, ranked)), strict=True))
        weighed.pop(unusable, None)
        # Heaviest first, then rarest: (minus weight, rank) in order.
        top = sorted(zip(map(neg, weighed.values()), weighed, strict=True))[:TERMS]
        minus, ranks_kept = zip(*top, strict=True) if top else ((), ())
        norm = math.sqrt(math.fsum(map(mul, minus, minus))) or 1.0
        vectors.append(ranks_kept)
        kept.extend(ranks_kept)
        scaled = [round(w / norm * SCALE) for w in minus]  # minus the weights: round(-x) is -round(x)
        weights.extend(map(neg, scaled))
        keys = map(or_, map(lshift, scaled, _32), repeat(index))  # see _heads
        list(map(list.append, map(entries.__getitem__, ranks_kept), keys))
        if len(top) < TERMS:
            kept.extend(_EMPTY[len(top) :])
            weights.extend(_ZEROS[len(top) :])
            last.append(0.0)
        else:
            last.append(-minus[-1])
        most.append(min(max(paper_counts, default=1), 64))
    del sets
    # Postings: per rank, the papers where it weighs most, heaviest first, lower index first.
    postings: Postings = yield kept, weights, last, most, _heads(entries)
    del entries
    starts, papers, post_weights = postings
    of: dict[int, Posting] = {}

    def posting_of(word: int) -> Posting:
        posting = of.get(word)
        if posting is None:
            a, b = starts[word], starts[word + 1]
            posting = of[word] = tuple(zip(papers[a:b], post_weights[a:b], strict=True))
        return posting

    lists, empty = array("I"), array("I", [NONE]) * count  # per paper ``count`` slots
    for index, top in enumerate(vectors, start):
        at = (index - start) * TERMS
        best = best_of(index, top, weights[at : at + len(top)], posting_of, count)
        lists.extend(best)
        if len(best) < count:
            lists.extend(empty[: count - len(best)])
    yield lists


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


def _merged(parts: list[tuple[array, array]], ranks: int) -> Postings:
    """The shares' postings (each of its own papers) as one: per rank, the
    first ``POSTINGS`` keys of all, as papers and weights."""
    starts, keys = parts[0]
    if len(parts) > 1:
        starts, keys = array("I", [0]), array("q")
        for r in range(ranks):
            keys.extend(sorted(chain.from_iterable(k[s[r] : s[r + 1]] for s, k in parts))[:POSTINGS])
            starts.append(len(keys))
    papers = array("I", map(and_, keys, repeat(NONE)))
    return starts, papers, array("I", map(neg, map(rshift, keys, _32)))


def _step(key: int, start: int, stop: int, count: int, reply: Any) -> Any:
    """In a forked process: the next thing its share says."""
    if key not in _RUNNING:
        _RUNNING[key] = _share(start, stop, count)
        return next(_RUNNING[key])
    return _RUNNING[key].send(reply)


class _Shares:
    """Talks to every share at once: this process's own share runs here while
    the others run in forked processes (one each, so a share keeps its state
    between steps). All here when there is no fork or too little work."""

    def __init__(self, papers: Sequence[Paper], count: int, workers: int) -> None:
        global _PAPERS
        _PAPERS = papers
        context = fork_context() if workers > 1 and len(papers) >= PARALLEL_FROM else None
        shares = workers if context is not None else 1
        bounds = [len(papers) * i // shares for i in range(shares + 1)]
        self.runs = list(zip(bounds, bounds[1:], strict=False))
        self.count = count
        self._here = _share(*self.runs[0], count)
        self._pools = [context.Pool(1) for _ in self.runs[1:]] if context is not None else []

    def say(self, replies: list[Any] | None = None) -> list[Any]:
        """What each share says next, given the replies to what it said last."""
        pending = [
            pool.apply_async(_step, (key, *run, self.count, None if replies is None else replies[key]))
            for key, (pool, run) in enumerate(zip(self._pools, self.runs[1:], strict=True), 1)
        ]
        here = next(self._here) if replies is None else self._here.send(replies[0])
        return [here, *(result.get() for result in pending)]

    def close(self) -> None:
        """Ends every share; again, nothing."""
        global _PAPERS
        _PAPERS = ()
        self._here.close()
        for pool in self._pools:
            pool.terminate()
            pool.join()
        self._pools = []


def related_papers(papers: Iterable[Paper], count: int, workers: int = 1) -> dict[str, tuple[str, ...]]:
    """Paper id -> the ids of up to ``count`` papers most alike, most alike
    first; papers sharing no usable word with any other are left out."""
    if count <= 0:
        return {}
    return compute(papers, count, workers, keep=False).lists_by_id()


def compute(papers: Iterable[Paper], count: int, workers: int = 1, keep: bool = True) -> Tables:
    """The lists, from nothing, and (``keep``) what an edit needs to update
    them (relatedupdate.py); without, the tables are good for their lists only."""
    ordered = sorted(papers, key=lambda p: p.id)
    shares = _Shares(ordered, count, workers)
    try:
        return _compute(shares, ordered, count, keep)
    finally:
        shares.close()


def _compute(shares: _Shares, ordered: list[Paper], count: int, keep: bool) -> Tables:
    said = shares.say()
    # The site's document frequencies: every share's counts added up.
    df: Counter[str] = Counter()
    for vocabulary, counts in said:
        if not df:
            df = Counter(dict(zip(vocabulary, counts, strict=True)))
        else:
            for word, n in zip(vocabulary, counts, strict=True):
                df[word] += n
    # Usable words, rarest first, ties by word: a word's rank numbers it from here on.
    usable = sorted((n, word) for word, n in df.items() if n > 1 and _usable(word))
    unusable = len(usable)
    rank = {word: r for r, (_, word) in enumerate(usable)}
    total = len(ordered)
    idf = array("d", (math.log((total + 1) / n) for n, _ in usable))
    idf.append(0.0)  # the unusable rank
    # The rarest words that, together, are in TERMS x 3 papers' lists on average.
    rare_below, covered = 0, 0
    while rare_below < unusable and covered < 3 * TERMS * total:
        covered += usable[rare_below][0]
        rare_below += 1
    said = shares.say(
        [(array("I", (rank.get(w, unusable) for w in words)), idf, unusable, rare_below) for words, _ in said]
    )

    kept, weights, last, most = (array(code) for code in "IIdB")
    for part in said:
        for whole, piece in zip((kept, weights, last, most), part[:4], strict=True):
            whole.extend(piece)
    starts, papers, post_weights = postings = _merged([part[4] for part in said], unusable)
    said = shares.say([postings] * len(said))
    # The shares have said all: their processes go before the texts and tables
    # are made, not after (at 100k papers the stage peaked ~160 MiB higher).
    shares.close()

    lists = array("I")
    for part in said:
        lists.extend(part)
    # Words are numbered by rank, then come the unusable ones, which propose nothing.
    vocab = [word for _, word in usable]
    if keep:
        vocab.extend(sorted(word for word in df if word not in rank))
    post_starts = starts[: len(vocab) + 1]
    post_starts.extend(starts[-1:] * (len(vocab) + 1 - len(post_starts)))
    texts = "".join(chain.from_iterable((p.title, p.abstract) for p in ordered)) if keep else ""
    text_starts = starts_of(
        chain.from_iterable((len(p.title), len(p.abstract)) for p in ordered) if keep else ()
    )
    frequencies = array("I", map(df.__getitem__, vocab))
    return Tables(count, TERMS, [p.id for p in ordered], texts, text_starts, vocab, frequencies,
                  kept, weights, last, most, post_starts, papers, post_weights, lists)  # fmt: skip
