"""The related lists' fast paths (sitegen/related.py) against plain references
written from its docstring: words cut by one bytes.translate, each paper's
heaviest words picked without weighing every word, postings sorted as int keys
in each share and merged, lists sent as arrays. Every table must be what the
plain way gives, in one process and split between several."""

from __future__ import annotations

import math
import re
import string
from collections import Counter
from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen import related, relatedshare
from sitegen.model import Paper
from sitegen.related import POSTINGS, SCALE, TERMS
from sitegen.relatedtables import NONE, Tables, starts_of

_SEPARATORS = str.maketrans(dict.fromkeys(string.punctuation, " "))


def reference_tokens(title: str, abstract: str) -> list[str]:
    """The tokens, in order, as sitegen cut them before the bytes.translate path."""
    title = title.lower()
    text = f"{title}\n{title}\n{abstract.lower()}"
    return text.translate(_SEPARATORS).split() if text.isascii() else re.findall(r"[^\W_]+", text)


def reference_words(title: str, abstract: str) -> Counter[str]:
    """The words as sitegen counted them before the bytes.translate path."""
    return Counter(word for word in reference_tokens(title, abstract) if word not in related.SKIPPED)


# ASCII letters of both cases, digits, punctuation, every kind of ASCII space
# and control character, and letters whose lower case is ASCII (the Kelvin sign) or not.
CHARACTERS = st.sampled_from(
    [*string.ascii_letters[::5], *"0189", *string.punctuation, *" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x00\x07\x7f"]
    + [*"éÉΣσςİıKÅß", "\u00a0", "\u2028"]
)
TEXT = st.lists(st.one_of(CHARACTERS, st.sampled_from(["the", "graph", "Sparse", "of"])), max_size=60).map(
    "".join
)


@settings(max_examples=500, deadline=None)
@given(title=TEXT, abstract=TEXT)
def test_words_are_what_the_plain_way_counts(title, abstract):
    assert related.words_of(title, abstract) == reference_words(title, abstract)
    ascii_only = title.encode("ascii", "ignore").decode(), abstract.encode("ascii", "ignore").decode()
    assert related.words_of(*ascii_only) == reference_words(*ascii_only)


@settings(max_examples=500, deadline=None)
@given(title=TEXT, abstract=TEXT)
def test_the_title_cut_apart_from_the_abstract_gives_the_texts_tokens_in_order(title, abstract):
    """A share looks a title's words up once and counts them twice: the title's
    tokens twice, then the abstract's, are the tokens of the text end to end, in
    order (so a paper's words come in the same order)."""
    for pair in (
        (title, abstract),
        (title.encode("ascii", "ignore").decode(), abstract.encode("ascii", "ignore").decode()),
    ):
        in_title, in_abstract = related.tokens_apart(*pair)
        assert in_title + in_title + in_abstract == related.tokens(*pair) == reference_tokens(*pair)


def test_a_share_counts_each_papers_words_as_the_plain_way_does():
    papers = [_paper(i, title, abstract) for i, (title, abstract) in enumerate(_SAMPLE)]
    counted, df = counted_words(papers)
    for paper, (words, counts) in zip(papers, counted, strict=True):
        plain = reference_words(paper.title, paper.abstract)
        assert dict(zip(words, counts, strict=True)) == {w: min(n, 255) for w, n in plain.items()}
    assert df == Counter(word for p in papers for word in reference_words(p.title, p.abstract))


def counted_words(papers) -> tuple[list, Counter[str]]:
    """What a share counts of ``papers``, read as the build reads them: from one text."""
    texts = "".join(part for p in papers for part in (p.title, p.abstract))
    starts = starts_of(n for p in papers for n in (len(p.title), len(p.abstract)))
    return relatedshare._counted(texts, starts, [(0, len(papers))], [])


_SAMPLE = [
    ("Graph Graph", "graph " * 300 + "sparse kernels"),
    ("Über naïve Σίσυφος", "the graph of kernels, sparse; ÜBER"),
    ("Sparse attention", "Sparse attention kernels 3d l2 x"),
]


def reference_tables(papers: list[Paper], count: int) -> Tables:
    """Every table worked out the plain way, from the docstring of related.py:
    every word of a paper weighed, sorted with explicit keys."""
    ordered = sorted(papers, key=lambda p: p.id)
    n = len(ordered)
    counts = [reference_words(p.title, p.abstract) for p in ordered]
    df = Counter(word for c in counts for word in c)
    usable = sorted((f, w) for w, f in df.items() if f > 1 and related._usable(w))
    rank = {w: r for r, (_, w) in enumerate(usable)}
    kept, weights, last, most = [], [], [], []
    for c in counts:
        weighed = sorted(
            (-(related._TF[min(tf, 64)] * math.log((n + 1) / df[w])), rank[w])
            for w, tf in c.items()
            if w in rank
        )[:TERMS]
        norm = math.sqrt(math.fsum(w * w for w, _ in weighed)) or 1.0
        kept.append([r for _, r in weighed])
        weights.append([round(-w / norm * SCALE) for w, _ in weighed])
        last.append(-weighed[-1][0] if len(weighed) == TERMS else 0.0)
        most.append(min(max(c.values(), default=1), 64))
    postings = []
    for r in range(len(usable)):
        having = sorted((-w, i) for i in range(n) for k, w in zip(kept[i], weights[i], strict=True) if k == r)
        postings.append([(i, -w) for w, i in having[:POSTINGS]])
    lists = []
    for i in range(n):
        scores: Counter[int] = Counter()
        for r, w in zip(kept[i], weights[i], strict=True):
            for other, theirs in postings[r]:
                if other != i:
                    scores[other] += w * theirs
        lists.append([other for _, other in sorted((-s, o) for o, s in scores.items())[:count]])
    return _as_tables(ordered, count, kept, weights, last, most, postings, lists)


def _as_tables(ordered, count, kept, weights, last, most, postings, lists) -> dict:
    pad = lambda rows, width: [x for row in rows for x in [*row, *[NONE] * (width - len(row))]]  # noqa: E731
    return {
        "ids": [p.id for p in ordered],
        "kept": pad(kept, TERMS),
        "weights": [x if x != NONE else 0 for x in pad(weights, TERMS)],
        "last": last,
        "most": most,
        "postings": postings,
        "lists": pad(lists, count),
    }


def fast_tables(papers: list[Paper], count: int, workers: int) -> dict:
    t = related.compute(papers, count, workers)
    usable = len(t.vocab) - sum(
        1 for w, f in zip(t.vocab, t.df, strict=True) if f < 2 or not related._usable(w)
    )
    return {
        "ids": t.ids,
        "kept": list(t.kept),
        "weights": list(t.weights),
        "last": list(t.last),
        "most": list(t.most),
        "postings": [list(t.posting(r)) for r in range(usable)],
        "lists": list(t.lists),
    }


def _paper(i: int, title: str, abstract: str) -> Paper:
    return Paper(
        id=f"p{i:03d}",
        title=title,
        date=datetime(2025, 3, 10, tzinfo=UTC),
        day=date(2025, 3, 10),
        abstract=abstract,
    )


# Few words, so weights and scores tie often: ties go by rarity, word and index.
WORDS = "graph graphs neural sparse decoding robot brain speech prune quokka wombat".split()
WORDS += "the of Graph über 3d x".split()
CORPUS = st.lists(
    st.tuples(st.lists(st.sampled_from(WORDS), max_size=4), st.lists(st.sampled_from(WORDS), max_size=30)),
    min_size=1,
    max_size=60,
)


@pytest.mark.parametrize("workers", [1, 3])
@settings(max_examples=60, deadline=None)
@given(corpus=CORPUS, count=st.sampled_from([1, 5, 12]))
def test_every_table_is_what_the_plain_way_gives(corpus, count, workers, monkeypatch_module):
    papers = [_paper(i, " ".join(t), " ".join(a)) for i, (t, a) in enumerate(corpus)]
    assert fast_tables(papers, count, workers) == reference_tables(papers, count)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_word_many_papers_keep_proposes_its_heaviest_across_the_shares(workers, monkeypatch_module):
    """30 papers keep "graph", with weights that tie in runs: each share's
    heaviest ten and the merge of them are the whole site's heaviest ten."""
    papers = [
        _paper(i, "graph " * (1 + i % 4), f"quokka wombat {WORDS[i % 9]} {WORDS[i % 7]}") for i in range(30)
    ]
    assert fast_tables(papers, 5, workers) == reference_tables(papers, 5)


@pytest.fixture(scope="module")
def monkeypatch_module():
    """Shares in forked processes from the first paper on, claiming runs of
    two papers (which process gets which differs from run to run)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(related, "PARALLEL_FROM", 0)
        patch.setattr(relatedshare, "CHUNK", 2)
        yield


@given(rows=st.lists(st.lists(st.integers(0, 9), max_size=4), min_size=10, max_size=10))
def test_lists_by_id_are_the_rows_without_their_empty_slots(rows):
    from array import array

    ids = [f"p{i}" for i in range(10)]
    lists = array("I", [x for row in rows for x in [*row, *[NONE] * (4 - len(row))]])
    empty = array("I")
    t = Tables(4, TERMS, ids, "", empty, [], empty, empty, empty, empty, empty, empty, empty, empty, lists)
    assert t.lists_by_id() == {ids[i]: tuple(ids[x] for x in row) for i, row in enumerate(rows) if row}


@pytest.mark.parametrize("count", [1, 2, 3, 4, 6])
def test_best_of_breaks_ties_at_the_cut_by_lower_index_and_leaves_the_paper_out(count):
    """Scores 9 (the paper itself), 3, 3, 2, 2, 2, 1: the paper is never
    listed, and papers tied with the last one listed go by lower index."""
    postings = {0: [(7, 9), (8, 3), (5, 3), (6, 2), (4, 2)], 1: [(3, 2), (2, 1)]}
    best = related.best_of(7, [0, 1], [1, 1], postings.__getitem__, count)
    assert best == (5, 8, 3, 4, 6, 2)[:count]


def test_best_of_adds_a_papers_score_over_every_word_it_shares():
    """Paper 2 is proposed by both words (2x4 + 3x1 = 11), above paper 1's
    single 2x5 = 10; a paper proposed by no word is not listed at all."""
    postings = {0: [(1, 5), (2, 4)], 1: [(3, 2), (2, 1)]}
    assert related.best_of(0, [0, 1], [2, 3], postings.__getitem__, 5) == (2, 1, 3)
    assert related.best_of(0, [], [], postings.__getitem__, 5) == ()


def test_a_paper_without_usable_words_or_without_a_repeated_one_has_its_slots_and_most():
    """An empty abstract and a title of stopwords: no kept word, lightest
    weight 0.0, most 1, no list; no title and words said once each: most 1;
    "graph" three times in the title (counted twice): most 6."""
    papers = [
        _paper(0, "The of", ""),
        _paper(1, "", "quokka wombat sparse neural robot"),
        _paper(2, "graph graph graph", "quokka sparse"),
        _paper(3, "graph", "brain speech wombat neural robot"),
    ]
    tables = related.compute(papers, 3)
    assert list(tables.kept[:TERMS]) == [NONE] * TERMS and list(tables.weights[:TERMS]) == [0] * TERMS
    assert list(tables.most) == [1, 1, 6, 2]
    assert tables.last[0] == 0.0
    assert list(tables.lists[:3]) == [NONE] * 3
    assert tables.lists_by_id() == fast_lists(papers, 3)


def fast_lists(papers: list[Paper], count: int) -> dict:
    reference = reference_tables(papers, count)
    ids, width = reference["ids"], count
    rows = [reference["lists"][i * width : (i + 1) * width] for i in range(len(ids))]
    return {ids[i]: tuple(ids[j] for j in row if j != NONE) for i, row in enumerate(rows) if row[0] != NONE}
