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
processes, this one taking a share (relatedshare.py): papers are claimed in
runs by whichever process is free, so all end a step together. ``compute``
works everything out from nothing and returns it as ``Tables``
(relatedtables.py): the lists, and what an edit needs to update them, which
relatedupdate.RelatedCache keeps under .sitegen-cache/, written (all but the
lists) while the lists are worked out. A build whose titles
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
from collections.abc import Callable, Iterable, Sequence
from itertools import chain, filterfalse, repeat
from operator import and_, neg, rshift
from typing import Any

from .model import Paper
from .processes import fork_context
from .relatedtables import ARRAYS, NONE, Tables, TablesWriter, starts_of, text_pieces

TERMS = 8  # a paper's heaviest words, kept for matching
POSTINGS = 10  # papers a word proposes as candidates, those where it weighs most
SCALE = 4096  # weights are rounded to multiples of 1/SCALE
PARALLEL_FROM = 3000  # papers; below, starting processes costs more than it saves

_TF = [0.0] + [1 + math.log(tf) for tf in range(1, 65)]  # sublinear: 1 + ln(tf), at most tf 64
TF_OF = array("d", _TF + _TF[-1:] * (256 - len(_TF)))  # per count a share keeps (at most 255), capped at 64
_32 = itertools.repeat(32)
REPEATED = bytes.maketrans(bytes(range(256)), bytes([0, 0]) + b"\1" * 254)  # count -> whether above 1
EMPTY_SLOTS = array("I", [NONE] * TERMS)  # a paper's empty slots
ZERO_SLOTS = array("I", [0] * TERMS)
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
SKIPPED = STOPWORDS | frozenset(string.ascii_lowercase + string.digits)


def words(paper: Paper) -> Counter[str]:
    """How often each word is in a paper's title (counted twice: a title names
    the subject) and abstract, lower-cased, stopwords and one-character words
    left out (other misshapen words are left out later, once per word)."""
    return words_of(paper.title, paper.abstract)


def words_of(title: str, abstract: str) -> Counter[str]:
    """``words`` of a paper with this title and abstract."""
    return Counter(filterfalse(SKIPPED.__contains__, tokens(title, abstract)))


def tokens(title: str, abstract: str) -> list[str]:
    """The title (twice) and abstract lower-cased and cut at anything but a letter or digit."""
    title_tokens, abstract_tokens = tokens_apart(title, abstract)
    return title_tokens + title_tokens + abstract_tokens


def tokens_apart(title: str, abstract: str) -> tuple[list[str], list[str]]:
    """``tokens`` of the title (once) and of the abstract: the title's words
    are then looked up once and counted twice (relatedshare.py)."""
    text = f"{title}\n{abstract}"
    if text.isascii():  # lower-cased and cut in one bytes.translate: ~2x faster than the path below
        cut = text.encode().translate(_ASCII_WORDS).decode()
        return cut[: len(title)].split(), cut[len(title) :].split()
    title, abstract = title.lower(), abstract.lower()
    # The ASCII path is ~40% faster than the regular expression, and finds the same words;
    # either is taken for both, as for the text end to end (no word runs over the newline).
    if f"{title}{abstract}".isascii():
        return title.translate(_SEPARATORS).split(), abstract.translate(_SEPARATORS).split()
    return _WORD.findall(title), _WORD.findall(abstract)


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
    if len(scores) > count:  # only those scoring at least the count-th highest score can be in
        least = sorted(scores.values(), reverse=True)[count - 1]
        scores = {other: score for other, score in scores.items() if score >= least}
    # Lower index first, then (a stable sort) higher score first.
    return tuple(sorted(sorted(scores), key=scores.__getitem__, reverse=True)[:count])


Postings = tuple[array, array, array]  # per word rank: offsets into papers and weights
Posting = Sequence[tuple[int, int]]  # a word's papers (indexes) and weights, heaviest first


class _Shares:
    """The per-paper work as a conversation (relatedshare.py): each process
    taking part runs a share, a generator that says what it found and is sent
    what the whole site's numbers make of it. This process talks to its own
    share directly and to the others, in forked processes (one each, so a
    share keeps its state between steps), through pools; the values
    exchanged are plain and small (arrays, words), never the papers. All here
    when there is no fork or too little work."""

    def __init__(self, texts: str, starts: array, count: int, workers: int) -> None:
        from . import relatedshare

        self._relatedshare, self._step = relatedshare, relatedshare.step
        papers = len(starts) // 2
        context = fork_context() if workers > 1 and papers >= PARALLEL_FROM else None
        relatedshare.source(texts, starts, relatedshare.Claims(context))  # before any fork
        self.count = count
        self.shares = workers if context is not None else 1
        self._here = relatedshare.share(count)
        self._pools = [context.Pool(1) for _ in range(self.shares - 1)] if context is not None else []

    def say(self, replies: list[Any] | None = None, meanwhile: Callable[[], None] | None = None) -> list:
        """What each share says next, given the replies to what it said last;
        ``meanwhile`` runs here once the forked shares have their replies."""
        pending = [
            pool.apply_async(self._step, (key, self.count, None if replies is None else replies[key]))
            for key, pool in enumerate(self._pools, 1)
        ]
        if meanwhile is not None:
            meanwhile()
        here = next(self._here) if replies is None else self._here.send(replies[0])
        return [here, *(result.get() for result in pending)]

    def close(self) -> None:
        """Ends every share; again, nothing."""
        self._relatedshare.source("", array("I", [0]), self._relatedshare.Claims())
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


def compute(
    papers: Iterable[Paper], count: int, workers: int = 1, keep: bool = True, out: TablesWriter | None = None
) -> Tables:
    """The lists, from nothing, and (``keep``) what an edit needs to update
    them (relatedupdate.py); without, the tables are good for their lists only.
    With ``out``, the tables are written there too, all but the lists while
    the lists are worked out (an OSError leaves the file in place as it was)."""
    ordered = sorted(papers, key=lambda p: p.id)
    # Every title and abstract end to end, made before any fork: the shares
    # read them there, not in the papers (whose pages a fork would copy).
    texts = "".join(chain.from_iterable((p.title, p.abstract) for p in ordered))
    starts = starts_of(chain.from_iterable((len(p.title), len(p.abstract)) for p in ordered))
    shares = _Shares(texts, starts, count, workers)
    try:
        kept_texts = (texts, starts) if keep else ("", array("I"))
        return _compute(shares, [p.id for p in ordered], kept_texts, count, keep, out)
    finally:
        shares.close()
        if out is not None:
            out.close()


def _compute(
    shares: _Shares,
    ids: list[str],
    texts: tuple[str, array],
    count: int,
    keep: bool,
    out: TablesWriter | None,
) -> Tables:
    total = len(ids)
    said = shares.say()
    runs = [part[0] for part in said]
    # The site's document frequencies: every share's counts added up.
    df: Counter[str] = Counter()
    for _, vocabulary, counts in said:
        if not df:
            df = Counter(dict(zip(vocabulary, counts, strict=True)))
        else:
            for word, n in zip(vocabulary, counts, strict=True):
                df[word] += n
    # Usable words, rarest first, ties by word: a word's rank numbers it from here on.
    usable = sorted((n, word) for word, n in df.items() if n > 1 and _usable(word))
    unusable = len(usable)
    rank = {word: r for r, (_, word) in enumerate(usable)}
    idf = array("d", (math.log((total + 1) / n) for n, _ in usable))
    idf.append(0.0)  # the unusable rank
    # The rarest words that, together, are in TERMS x 3 papers' lists on average.
    rare_below, covered = 0, 0
    while rare_below < unusable and covered < 3 * TERMS * total:
        covered += usable[rare_below][0]
        rare_below += 1
    said = shares.say(
        [
            (array("I", (rank.get(w, unusable) for w in words)), idf, unusable, rare_below)
            for _, words, _ in said
        ]
    )
    kept, weights, last, most = (
        _in_order(runs, [part[i] for part in said], width, code)
        for i, (width, code) in enumerate(((TERMS, "I"), (TERMS, "I"), (1, "d"), (1, "B")))
    )
    starts, papers, post_weights = postings = _merged([part[4] for part in said], unusable)
    # Words are numbered by rank, then come the unusable ones, which propose nothing.
    vocab = [word for _, word in usable]
    if keep:
        vocab.extend(sorted(word for word in df if word not in rank))
    post_starts = starts[: len(vocab) + 1]
    post_starts.extend(starts[-1:] * (len(vocab) + 1 - len(post_starts)))
    frequencies = array("I", map(df.__getitem__, vocab))
    tables = Tables(count, TERMS, ids, *texts, vocab, frequencies,
                    kept, weights, last, most, post_starts, papers, post_weights, array("I"))  # fmt: skip

    def write() -> None:  # all but the lists, while the forked shares score
        nonlocal out
        try:
            if out is not None:
                numbers = [getattr(tables, name) for name in ARRAYS if name != "lists"]
                out.begin(tables.ids, text_pieces(tables.texts), vocab, numbers)
        except OSError:
            out.close()
            out = None

    said = shares.say([(kept, weights, postings)] * len(said), meanwhile=write)
    # The shares have said all: their processes go before the tables are put
    # together (at 100k papers the stage peaked ~160 MiB higher).
    shares.close()
    tables.lists = _in_order([part[0] for part in said], [part[1] for part in said], count, "I")
    if out is not None:
        try:
            out.finish(tables.lists)
        except OSError:
            pass  # a cache is an optimisation: left as it was (``tables`` closes it)
    return tables


def _in_order(runs: list[list[tuple[int, int]]], parts: list[array], width: int, code: str) -> array:
    """The shares' rows (``width`` items a paper, each share's in the order of
    its runs) as one array in paper order."""
    pieces = []
    for share_runs, part in zip(runs, parts, strict=True):
        at = 0
        for a, b in share_runs:
            pieces.append((a, part[at : at + (b - a) * width]))
            at += (b - a) * width
    whole = array(code)
    for _, piece in sorted(pieces, key=lambda pair: pair[0]):
        whole.extend(piece)
    return whole


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
