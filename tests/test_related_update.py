"""Related papers brought up to date after edits (sitegen/relatedupdate.py) are
exactly what a computation from nothing gives on the same content: the lists
and every table the next update reads. A cache that does not fit is never used."""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen import related, relatedshare, relatedtables, relatedupdate
from sitegen.model import Paper
from sitegen.related import compute, related_papers
from sitegen.relatedtables import NONE, Tables, read_tables, write_tables
from sitegen.relatedupdate import KEY, RelatedCache, cache_key

# Few words, so papers share them, frequencies move with every edit and a
# word often goes from one paper to two (usable) and back; stopwords, words
# of one letter or starting with a digit, capitals and non-ASCII words too.
WORDS = [
    *"graph graphs neural sparse decoding robot brain speech prune quokka wombat numbat dingo".split(),
    *"bilby possum echidna wallaby zebu tensor kernel attention diffusion".split(),
    *"über naïve Graph SPARSE the of method 3d l2 x".split(),
    *"İzmir ΌΡΟΣ όροσ".split(),  # lower-cased longer; a "Σ" lower-cased by the letters around
]
TEXT = st.lists(st.sampled_from(WORDS), max_size=24).map(" ".join)
DAY = date(2025, 3, 10)
WHEN = datetime(2025, 3, 10, tzinfo=UTC)


def make(paper_id: str, title: str, abstract: str) -> Paper:
    return Paper(id=paper_id, title=title, date=WHEN, day=DAY, abstract=abstract)


def canonical(t: Tables) -> dict:
    """The tables with words and papers by name: what must be the same
    whichever way they were made (numbers may differ, order within a slot too)."""
    word, ids = t.vocab, t.ids
    papers = {}
    for i, paper_id in enumerate(ids):
        lists = [ids[other] for other in t.lists[i * t.count : (i + 1) * t.count] if other != NONE]
        kept = sorted((word[w], x) for w, x in t.vector(i))
        papers[paper_id] = (t.text(i), kept, t.last[i], t.most[i], lists)
    postings = {word[w]: [(ids[i], x) for i, x in t.posting(w)] for w in range(len(word)) if t.posting(w)}
    df = {word[w]: n for w, n in enumerate(t.df) if n}
    return {"papers": papers, "postings": postings, "df": df, "count": t.count, "terms": t.terms}


EDITS = st.lists(
    st.tuples(
        st.sampled_from(["title", "abstract", "both", "drop", "say", "add", "remove", "none"]),
        st.integers(0, 99),
        TEXT,
        TEXT,
    ),
    max_size=8,
)


def _edited(old: Paper, kind: str, at: int, title: str, abstract: str) -> Paper:
    """``old`` with a new title or abstract, or with one of its words taken out
    of its abstract ("drop"), or a word of ``abstract`` said once more ("say")."""
    said = old.abstract.split()
    if kind == "drop":
        word = sorted(set(said) or {""})[at % len(set(said) or {""})]
        return make(old.id, old.title, " ".join(w for w in said if w != word))
    if kind == "say":
        return make(old.id, old.title, " ".join([*said, *abstract.split()[:1]]))
    title = title if kind in ("title", "both") else old.title
    return make(old.id, title, abstract if kind in ("abstract", "both") else old.abstract)


@pytest.mark.parametrize("search_text", [1.0, 0.0, float("inf")], ids=["either", "candidates", "all"])
@settings(max_examples=300, deadline=None)
@given(
    start=st.lists(st.tuples(TEXT, TEXT), min_size=2, max_size=16),
    edits=EDITS,
    count=st.sampled_from([1, 3, 5]),
)
def test_any_edits_give_what_a_computation_from_nothing_gives(search_text, start, edits, count):
    papers = [make(f"p{i:02d}", title, abstract) for i, (title, abstract) in enumerate(start)]
    made = len(papers)
    full = []
    real = relatedupdate.compute
    with tempfile.TemporaryDirectory() as folder, pytest.MonkeyPatch.context() as patch:
        patch.setattr(relatedupdate, "REDO_ANYWAY", 1000)  # never too many: always the update
        patch.setattr(relatedupdate, "SEARCH_TEXT", search_text)
        patch.setattr(relatedupdate, "compute", lambda *a, **k: full.append(a) or real(*a, **k))
        cache = RelatedCache(Path(folder) / "related.bin")
        cache.lists(papers, count)
        for kind, at, title, abstract in edits:
            i = at % len(papers)
            if kind == "add":
                papers.append(make(f"p{made:02d}", title, abstract))
                made += 1
            elif kind == "remove" and len(papers) > 2:
                del papers[i]
            elif kind != "remove":
                papers[i] = _edited(papers[i], kind, at // 7, title, abstract)
            full.clear()
            assert cache.lists(reversed(papers), count) == related_papers(papers, count)
            assert canonical(read_tables(cache.path, cache_key(), count, related.TERMS)) == canonical(
                compute(papers, count)
            )
            if kind not in ("add", "remove"):
                assert full == [], "an edit is an update, never a computation from nothing"


def test_the_update_works_out_only_what_the_edit_can_change():
    """On the bench's 10k-paper site, an abstract edit re-reads ~1 paper: a few
    here. The edited paper gains a word no other has (not usable): only its own
    vector is worked out again, and nothing else changes."""
    papers = [
        make(f"p{i:03d}", f"Paper {i}", f"{WORDS[i % 20]} {WORDS[(i * 7) % 20]} kernel") for i in range(200)
    ]
    tables = compute(papers, 5)
    before = canonical(tables)
    papers[7] = make("p007", "Paper 7", papers[7].abstract + " Edited zyzzyva.")
    read = []
    real = related.words
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(relatedupdate, "words", lambda p: read.append(p.id) or real(p))
        assert relatedupdate.update(tables, papers) is True
    assert read == ["p007"]
    after = canonical(tables)
    assert after == canonical(compute(papers, 5))
    assert {k: v for k, v in after["papers"].items() if k != "p007"} == {
        k: v for k, v in before["papers"].items() if k != "p007"
    }


@pytest.mark.parametrize(
    ("word", "said", "fillers", "others"),
    [("zebu", 1, 2, 2), ("aardvark", 1, 1, 2), ("zebu", 2, 2, 5)],
    ids=["rarer", "as-heavy-first-by-name", "repeated"],
)
def test_a_word_that_gets_heavier_enters_a_paper_that_did_not_keep_it(word, said, fillers, others):
    """Paper "a" keeps 8 words, each in ``fillers`` other papers. ``word``,
    said ``said`` times in "a" and in ``others`` other papers, weighs less than
    they do. An edit takes it out of one of those: now in fewer papers, it
    weighs more than the lightest of them ("rarer", "repeated": said twice, it
    enters though its idf is below theirs) or as much, and comes first by name,
    so "a" keeps it, though neither "a" nor a word "a" keeps was edited
    (relatedupdate.py: "may now outweigh")."""
    eight = "bilby dingo echidna numbat possum quokka wallaby wombat"
    papers = [
        make("a", "Paper", f"{eight} {' '.join([word] * said)}"),
        *[make(f"f{i}", "Paper", eight) for i in range(fillers)],
        *[make(f"w{i}", "Paper", f"{word} kernel") for i in range(others)],
        *[make(f"x{i}", "Paper", "kernel tensor") for i in range(11 - 1 - fillers - others)],
    ]
    papers.sort(key=lambda p: p.id)  # as update() takes them
    tables = compute(papers, 5)
    number = tables.vocab.index(word)
    assert number not in dict(tables.vector(0))
    papers[papers.index(next(p for p in papers if p.id == "w0"))] = make("w0", "Paper", "kernel")
    assert relatedupdate.update(tables, papers) is True
    assert number in dict(tables.vector(0))
    assert canonical(tables) == canonical(compute(papers, 5))


def test_a_word_a_second_paper_gains_enters_the_first():
    """ "zebu" is in "a" alone: no use. An edit puts it in "b" too: now "a",
    which keeps 8 words and was not edited, keeps it (a word in two papers is
    the heaviest there is) and lists "b" first."""
    eight = "bilby dingo echidna numbat possum quokka wallaby wombat"
    papers = [make("a", "Paper", f"{eight} zebu"), make("b", "Paper", "kernel")]
    papers += [make(f"f{i}", "Paper", eight) for i in range(3)] + [
        make(f"x{i}", "Paper", "kernel") for i in range(5)
    ]
    tables = compute(papers, 5)
    papers[1] = make("b", "Paper", "kernel zebu")
    assert relatedupdate.update(tables, papers) is True
    assert tables.vocab.index("zebu") in dict(tables.vector(0))
    assert "b" in tables.lists_by_id()["a"]
    assert canonical(tables) == canonical(compute(papers, 5))


def test_nothing_edited_changes_nothing_and_other_papers_take_a_computation():
    papers = [make(f"p{i}", "Sparse graphs", f"{WORDS[i]} kernel tensor") for i in range(6)]
    tables = compute(papers, 3)
    assert relatedupdate.update(tables, papers) is False
    assert relatedupdate.update(tables, papers[:-1]) is None
    assert relatedupdate.update(compute(papers, 3), [*papers, make("p9", "New", "kernel")]) is None


def test_too_many_edits_take_a_computation():
    """More than 10% of the papers (or REDO_ANYWAY, if more) edited, or vectors to
    work out again, and the update gives up before changing anything it keeps."""
    papers = [make(f"p{i:03d}", "Sparse graphs", f"{WORDS[i % 20]} kernel") for i in range(100)]
    edited = [make(p.id, p.title, p.abstract + " zyzzyva") for p in papers]
    calls = []
    real = relatedupdate._vectors_to_redo
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(relatedupdate, "_vectors_to_redo", lambda *a: calls.append(a) or real(*a))
        patch.setattr(relatedupdate, "REDO_ANYWAY", 5)
        assert relatedupdate.update(compute(papers, 3), edited[:11] + papers[11:]) is None  # 11 > 10%
        assert calls == [], "given up on the count of edited papers"
        assert relatedupdate.update(compute(papers, 3), edited[:10] + papers[10:]) is True
        patch.setattr(relatedupdate, "REDO_ANYWAY", 50)
        assert relatedupdate.update(compute(papers, 3), edited[:50] + papers[50:]) is True
        assert relatedupdate.update(compute(papers, 3), edited[:51] + papers[51:]) is None
    # An edit that moves a word most papers keep: every vector is to be worked out again.
    common = [make(p.id, p.title, p.abstract.replace("kernel", "")) if p.id == "p007" else p for p in papers]
    assert relatedupdate.update(compute(papers, 3), common) is None


# --- the file ----------------------------------------------------------------


def _tables() -> tuple[list[Paper], Tables]:
    papers = [make(f"p{i}", f"{WORDS[i]} {WORDS[i + 1]}", f"{WORDS[i + 2]} kernel über") for i in range(12)]
    return papers, compute(papers, 5)


def test_the_file_reads_back_as_written(tmp_path):
    _, tables = _tables()
    write_tables(tmp_path / "t", tables, KEY)
    assert read_tables(tmp_path / "t", KEY, 5, related.TERMS) == tables
    assert not list(tmp_path.glob("*.tmp")), "no temporary file is left"


def _cut(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _flip(data: bytes) -> bytes:
    at = len(data) // 3
    return data[:at] + bytes([data[at] ^ 1]) + data[at + 1 :]


def _last_byte(data: bytes) -> bytes:
    return data[:-1]


def _longer(data: bytes) -> bytes:
    return data + b"\0"


@pytest.mark.parametrize(
    "damage",
    [_cut, _flip, _last_byte, _longer, lambda _: b"", lambda _: b'{"digest": "x", "lists": {}}'],
    ids=["torn", "flipped-bit", "last-byte-missing", "longer", "empty", "old-json"],
)
def test_a_damaged_file_reads_as_nothing(tmp_path, damage):
    _, tables = _tables()
    write_tables(tmp_path / "t", tables, KEY)
    data = (tmp_path / "t").read_bytes()
    (tmp_path / "t").write_bytes(damage(data))
    assert read_tables(tmp_path / "t", KEY, 5, related.TERMS) is None


def test_a_fifo_or_a_link_in_its_place_reads_as_nothing_at_once(tmp_path):
    """Not read through a link, and no wait for a writer that never comes."""
    _, tables = _tables()
    write_tables(tmp_path / "real", tables, KEY)
    (tmp_path / "t").symlink_to(tmp_path / "real")
    assert read_tables(tmp_path / "t", KEY, 5, related.TERMS) is None
    os.mkfifo(tmp_path / "fifo")
    assert read_tables(tmp_path / "fifo", KEY, 5, related.TERMS) is None


def test_a_file_made_otherwise_reads_as_nothing(tmp_path):
    """Another format version or weighting, another `related:` count, another machine's byte order."""
    _, tables = _tables()
    write_tables(tmp_path / "t", tables, KEY)
    assert (
        read_tables(tmp_path / "t", KEY.replace(f"{relatedtables.FORMAT}|", "2|", 1), 5, related.TERMS)
        is None
    )
    assert read_tables(tmp_path / "t", KEY, 3, related.TERMS) is None
    assert read_tables(tmp_path / "t", KEY, 5, related.TERMS + 1) is None
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(relatedtables, "_machine", lambda: "big I4 d8")
        assert read_tables(tmp_path / "t", KEY, 5, related.TERMS) is None


@pytest.mark.parametrize(
    "spoil",
    [
        lambda t: t.kept.__setitem__(0, len(t.vocab)),  # a word past the vocabulary
        lambda t: t.lists.__setitem__(0, len(t.ids)),  # a paper past the papers
        lambda t: t.post_papers.__setitem__(0, len(t.ids)),
        lambda t: t.text_starts.__setitem__(1, len(t.texts) + 1),  # a title past the end
        lambda t: t.text_starts.pop(),
        lambda t: t.df.pop(),
        lambda t: t.weights.pop(),
        lambda t: t.most.pop(),
    ],
    ids=["kept-word", "listed-paper", "proposed-paper", "text-start", "text-starts", "df", "weights", "most"],
)
def test_whole_but_inconsistent_tables_read_as_nothing(tmp_path, spoil):
    _, tables = _tables()
    spoil(tables)
    write_tables(tmp_path / "t", tables, KEY)
    assert read_tables(tmp_path / "t", KEY, 5, related.TERMS) is None


def test_texts_whose_words_the_tables_lack_take_a_computation():
    papers, tables = _tables()
    tables.vocab[tables.vocab.index("kernel")] = "colonel"  # every paper's abstract says kernel
    papers[3] = make(papers[3].id, papers[3].title, "edited")
    assert relatedupdate.update(tables, papers) is None


def test_the_file_is_replaced_whole(tmp_path, monkeypatch):
    """A write that fails before the file is in place leaves the last one as it was, and no temporary file."""
    _, tables = _tables()
    path = tmp_path / "related.bin"
    write_tables(path, tables, KEY)
    good = path.read_bytes()

    def fail(*args):
        raise OSError("disk full")

    monkeypatch.setattr(relatedtables.os, "replace", fail)
    with pytest.raises(OSError):
        write_tables(path, compute(_tables()[0][:6], 5), KEY)
    assert path.read_bytes() == good
    assert [p.name for p in tmp_path.iterdir()] == ["related.bin"]


def test_an_update_writes_the_new_texts_without_copying_the_old():
    """The tables' texts (~150 MB at 100k papers) are not spliced in memory:
    the edited papers' texts are kept aside and the file is written from both."""
    papers = [make(f"p{i}", f"Title {i} graph", f"kernel tensor wombat {i}") for i in range(6)]
    tables = compute(papers, 3)
    texts = tables.texts
    papers[2] = make("p2", "Title 2 graph", "kernel quokka")
    papers[4] = make("p4", "New title", "tensor")
    assert relatedupdate.update(tables, papers) is True
    assert tables.texts is texts
    assert tables.text(2) == ("Title 2 graph", "kernel quokka")
    with tempfile.TemporaryDirectory() as folder:
        write_tables(Path(folder) / "r.bin", tables, KEY)
        back = read_tables(Path(folder) / "r.bin", KEY, 3, related.TERMS)
    assert back is not None and back.edited == {}
    assert canonical(back) == canonical(compute(papers, 3)) == canonical(tables)


@pytest.mark.parametrize("odd", ["", "ΌΡΟΣ", "İzmir"])
def test_a_heavier_word_is_looked_for_in_the_tables_texts_lower_cased_at_once(monkeypatch, odd):
    """When lower-casing the tables' texts changes no length and no "Σ" is in
    them, they are searched, lower-cased in one go (one copy, not every
    paper's then joined: two); else each paper's text, as before."""
    eight = "bilby dingo echidna numbat possum quokka wallaby wombat"
    papers = [make("a", f"Paper {odd}", f"{eight} ZEBU"), make("b", "Paper", "kernel")]
    papers += [make(f"f{i}", "Paper", eight) for i in range(3)] + [
        make(f"x{i}", "Paper", "kernel") for i in range(5)
    ]
    tables = compute(papers, 5)
    papers[1] = make("b", "Paper", "kernel zebu")
    each = []
    monkeypatch.setattr(relatedupdate, "SEARCH_TEXT", float("inf"))  # search the texts
    monkeypatch.setattr(
        relatedupdate, "_lower", lambda p: each.append(p) or p.title.lower() + "\n" + p.abstract.lower()
    )
    assert relatedupdate.update(tables, papers) is True
    assert "b" in tables.lists_by_id()["a"]  # found "zebu" in "a"'s "ZEBU"
    assert canonical(tables) == canonical(compute(papers, 5))
    assert len(each) == (0 if odd == "" else len(papers))


@pytest.mark.parametrize("workers", [1, 2])
def test_a_computation_writes_the_file_as_it_goes_byte_for_byte_as_its_tables(tmp_path, workers):
    """A build from nothing writes the tables all but the lists while the
    lists are worked out, then the lists: the same bytes as the tables written whole."""
    papers = [
        make(f"p{i:02d}", f"{WORDS[i % 20]} {WORDS[(i * 7) % 31]}", " ".join(WORDS[i % 9 :]))
        for i in range(40)
    ]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(related, "PARALLEL_FROM", 0)
        patch.setattr(relatedshare, "CHUNK", 3)
        lists = RelatedCache(tmp_path / "a.bin").lists(papers, 5, workers)
    tables = compute(papers, 5)
    write_tables(tmp_path / "b.bin", tables, cache_key())
    assert (tmp_path / "a.bin").read_bytes() == (tmp_path / "b.bin").read_bytes()
    assert lists == tables.lists_by_id()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.bin", "b.bin"]


@pytest.mark.parametrize("failing", ["open", "replace"])
def test_a_file_that_cannot_be_written_as_it_goes_leaves_the_last_one_and_the_lists(tmp_path, failing):
    papers, tables = _tables()
    path = tmp_path / "related.bin"
    write_tables(path, compute(papers[:6], 5), KEY)
    good = path.read_bytes()

    def fail(*args, **kwargs):
        raise OSError("disk full")

    with pytest.MonkeyPatch.context() as patch:
        if failing == "open":
            patch.setattr(relatedtables.Path, "open", fail)
        else:
            patch.setattr(relatedtables.os, "replace", fail)
        assert RelatedCache(path).lists(papers, 5) == tables.lists_by_id()
    assert path.read_bytes() == good
    assert [p.name for p in tmp_path.iterdir()] == ["related.bin"]


def test_the_texts_are_encoded_a_piece_at_a_time_as_they_are_written(tmp_path):
    """At 100k papers the texts are ~150 MB: encoded whole, or every piece
    kept until written, they were held twice while the file was written."""
    import tracemalloc

    papers = [make(f"p{i}", f"Paper {i} graph", "kernel tensor wombat " * 4000) for i in range(60)]
    tables = compute(papers, 3)
    assert len(tables.texts) > 4 * relatedtables._PIECE
    tracemalloc.start()
    try:
        with relatedtables.TablesWriter(tmp_path / "r.bin", KEY, 3, related.TERMS) as out:
            numbers = [getattr(tables, n) for n in relatedtables.ARRAYS if n != "lists"]
            out.begin(tables.ids, relatedtables.text_pieces(tables.texts), tables.vocab, numbers)
            out.finish(tables.lists)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 3 * relatedtables._PIECE
    assert read_tables(tmp_path / "r.bin", KEY, 3, related.TERMS) == tables


def test_tables_made_by_other_code_are_made_anew(tmp_path, monkeypatch):
    """related.bin is keyed by sitegen's code too: after an upgrade that counts words another
    way, an edit must not update the old tables with the new counting."""
    papers = [make(f"p{i}", f"title {i}", f"words of paper {i} and more words") for i in range(6)]
    cache = RelatedCache(tmp_path / "related.bin")
    first = cache.lists(papers, 3)
    full = []
    real = relatedupdate.compute
    monkeypatch.setattr(relatedupdate, "compute", lambda *a, **k: full.append(a) or real(*a, **k))
    assert cache.lists(papers, 3) == first and full == [], "the same code: the tables as they are"
    monkeypatch.setattr(relatedupdate, "code_digest", lambda: "other code")
    assert cache.lists(papers, 3) == first
    assert len(full) == 1, "other code: the tables made from nothing"
    assert read_tables(cache.path, cache_key(), 3, related.TERMS) is not None, "and kept under its key"
