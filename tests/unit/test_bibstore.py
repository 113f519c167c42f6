"""papers.bib from the entries kept by the last build (bibstore.py): the same
bytes as made from nothing, after any edits, with only the changed entries made."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen import bibstore
from sitegen.build import CACHE_DIR, build
from sitegen.pages import cite
from tests.sitekit import paper

_IDS = [f"p{i}" for i in range(8)]


def _entry(paper_id: str, digest: str, key: str) -> str:
    return f"@misc{{{key},\n  title = {{{paper_id} {digest}}},\n  note = {{é}}\n}}"


# A site: some of the ids, each with a digest and a key, in an order (the keys' order in papers.bib).
_sites = st.lists(
    st.tuples(st.sampled_from(_IDS), st.sampled_from("abc"), st.sampled_from(["k1", "k2", "k3a", "k4"])),
    unique_by=lambda row: row[0],
    max_size=len(_IDS),
)


@settings(max_examples=300)
@given(st.lists(_sites, min_size=1, max_size=5))
def test_each_build_from_the_last_ones_entries_is_the_bytes_made_from_nothing(builds) -> None:
    kept, before = None, {}
    for rows in builds:
        made: list[str] = []
        by_id = {paper_id: (digest, key) for paper_id, digest, key in rows}

        def make(paper_id: str, made=made, by_id=by_id) -> str:
            made.append(paper_id)
            return _entry(paper_id, *by_id[paper_id])

        data, kept_rows, fresh = bibstore.assemble(rows, make, kept)
        assert data == "".join(_entry(*row) + "\n\n" for row in rows).encode()
        changed = {i for i in by_id if before.get(i) != by_id[i]}
        assert sorted(made) == sorted(changed), "made: the entries whose paper or key is not the one kept"
        assert fresh == len(made)
        kept, before = bibstore.Kept(*kept_rows, memoryview(data)), by_id


def test_a_kept_file_is_read_back_and_a_damaged_one_is_not(tmp_path: Path) -> None:
    rows = [("a", "d1", "k1"), ("b", "d2", "k2")]
    data, kept_rows, _ = bibstore.assemble(rows, lambda i: _entry(i, "x", "y"), None)
    store = tmp_path / "store.bib"
    bibstore.write(store, "settings", kept_rows, data)
    kept = bibstore.read(store, "settings")
    assert kept is not None and kept.ids == ["a", "b"] and bytes(kept.data) == data
    assert bibstore.read(store, "other settings") is None, "kept under other settings, templates or code"
    blob = store.read_bytes()
    for damaged in (
        blob[:-1],
        blob[:-3] + b"X" + blob[-2:],
        blob[:40],
        b"",
        blob.replace(b"sitegen", b"sitegem"),
    ):
        store.write_bytes(damaged)
        assert bibstore.read(store, "settings") is None
    assert bibstore.read(tmp_path / "missing.bib", "settings") is None


PAPERS = [
    paper(f"p{i}", f"2025-03-{10 + i % 4:02d}", title=f"Paper number {i}", authors=[f"Author {i % 5}"])
    for i in range(30)
]


def _edit(site: Path, papers: list[dict]) -> None:
    (site / "content/papers/papers.yaml").write_text(
        yaml.safe_dump(papers, sort_keys=False), encoding="utf-8"
    )


@pytest.fixture
def counted(monkeypatch):
    made: list[str] = []
    real = cite._citation

    def counting(renderer, paper):
        made.append(paper.id)
        return real(renderer, paper)

    monkeypatch.setattr(cite, "_citation", counting)
    return made


def test_an_edit_makes_only_its_papers_entry_and_the_file_of_a_cold_build(site_factory, tmp_path, counted):
    site = site_factory(PAPERS)
    build(site, workers=1)
    assert len(counted) == len(PAPERS), "cold: every entry made"
    papers = [dict(p) for p in PAPERS]
    papers[7]["title"] = "A new title"
    papers[9]["authors"] = ["Someone Else"]  # a new key for p9
    _edit(site, papers)
    counted.clear()
    build(site, workers=1)
    # p14 and p19 shared p9's key but for its letter (Author 4, 2025, "paper"): theirs move up.
    assert sorted(counted) == ["p14", "p19", "p7", "p9"], "only the entries whose paper or key changed"
    cold = site_factory(papers, name="cold")
    build(cold, workers=1)
    assert (site / "output/papers.bib").read_bytes() == (cold / "output/papers.bib").read_bytes()


def test_a_damaged_store_makes_every_entry_again(site_factory, counted):
    site = site_factory(PAPERS)
    build(site, workers=1)
    expected = (site / "output/papers.bib").read_bytes()
    (store,) = (site / CACHE_DIR).glob("manifest-*.bib")
    blob = bytearray(store.read_bytes())
    blob[-5] ^= 1  # one bit of an entry's text
    store.write_bytes(bytes(blob))
    papers = [dict(p) for p in PAPERS]
    papers[3]["title"] = "Paper number 3"  # the same title: every key and entry as it was
    papers[3]["abstract"] = "An abstract, so that the build renders again."
    _edit(site, papers)
    counted.clear()
    build(site, workers=1)
    assert len(counted) == len(PAPERS), "the damaged store was not used"
    assert (site / "output/papers.bib").read_bytes() == expected
