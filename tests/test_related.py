"""Related papers on paper pages: alike by text, deterministic, cached, keyed by what they show."""

from __future__ import annotations

import json
import re
import shutil
import zlib
from pathlib import Path

import pytest
import yaml

import sitegen.build
from sitegen import related, relatedshare, relatedtables, relatedupdate
from sitegen.build import CACHE_DIR, build
from sitegen.config import load_config
from sitegen.errors import ConfigError
from sitegen.loading import load_papers
from sitegen.relatedupdate import RELATED_FILE
from tests.sitekit import paper, tree
from tests.test_incremental import changed_files, cold_tree, edit_papers, touch_all
from tests.test_related_reference import counted_words

TOPICS = {
    "decode": "Speculative decoding drafts tokens with a small model and verifies them with the large "
    "language model, which makes autoregressive decoding faster without changing its outputs.",
    "brain": "We reconstruct images that subjects see from fMRI recordings of the visual cortex, "
    "aligning brain activity with image embeddings from a diffusion model.",
    "robot": "A quadruped robot learns to walk over rough terrain with reinforcement learning in "
    "simulation, then transfers the policy to hardware without fine-tuning.",
    "graph": "Message passing neural networks over molecular graphs predict quantum chemistry "
    "properties of molecules from their atoms and bonds.",
    "speech": "A speech recognition model trained on thousands of hours of audio transcribes "
    "accented speech and noisy recordings better than earlier systems.",
    "prune": "Magnitude pruning removes most weights of a convolutional network; retraining the "
    "sparse network recovers its accuracy on image classification.",
}
TWIN_A = (
    "Retrieval augmented generation fetches passages from a large corpus with a dense retriever and "
    "conditions a language model on them, which reduces hallucinated answers to factual questions."
)
TWIN_B = TWIN_A.replace("reduces", "lowers")  # a near-duplicate: one word differs


def corpus() -> list[dict]:
    papers = [paper(f"t-{name}", title=f"A study of {name}", abstract=text) for name, text in TOPICS.items()]
    papers.append(paper("twin-a", title="Retrieval augmented generation", abstract=TWIN_A))
    papers.append(paper("twin-b", "2025-03-13", title="Grounded generation with retrieval", abstract=TWIN_B))
    return papers


def big_corpus(n: int) -> list[dict]:
    """``n`` papers whose abstracts mix a few of 30 topic words with shared filler."""
    vocabulary = [f"topic{chr(97 + i % 26)}{chr(97 + i // 26)}" for i in range(30)]
    papers = []
    for i in range(n):
        words = [vocabulary[(i * k) % 30] for k in (1, 3, 7, 11)]
        abstract = f"Models of {' and '.join(words)} with data and training for evaluation number {i}."
        papers.append(paper(f"p{i:03d}", f"2025-03-{10 + i % 5:02d}", abstract=abstract))
    return papers


def related_links(output: Path, paper_id: str) -> list[tuple[str, str]]:
    """(href, title) of each link in a paper page's related section, in order."""
    html = (output / "papers" / paper_id / "index.html").read_text(encoding="utf-8")
    section = re.search(r'<section class="related".*?</section>', html, re.S)
    if section is None:
        return []
    return re.findall(r'<a href="([^"]+)">(.*?)</a>', section.group(0))


def lists_of(site: Path, count: int = 5) -> dict[str, tuple[str, ...]]:
    return related.related_papers(load_papers(load_config(site)), count)


def test_near_duplicate_abstracts_are_each_others_first_related_paper(site_factory):
    site = site_factory(corpus())
    build(site)
    out = site / "output"
    assert related_links(out, "twin-a")[0] == ("/papers/twin-b/", "Grounded generation with retrieval")
    assert related_links(out, "twin-b")[0] == ("/papers/twin-a/", "Retrieval augmented generation")
    html = (out / "papers" / "twin-a" / "index.html").read_text(encoding="utf-8")
    assert '<section class="related" aria-labelledby="related-heading">' in html
    assert '<h2 id="related-heading">Related papers</h2>' in html


def test_links_and_titles_follow_base_url_and_markdown(site_factory):
    papers = corpus()
    papers[-1]["title"] = "Grounded *generation* with <retrieval> & $x^2$"
    site = site_factory(papers, base_url="https://example.org/sub/path/")
    build(site)
    href, title = related_links(site / "output", "twin-a")[0]
    assert href == "/sub/path/papers/twin-b/"
    assert title.startswith("Grounded <em>generation</em> with &lt;retrieval&gt; &amp; <math")


def test_at_most_the_count_set_and_never_the_paper_itself(site_factory):
    papers = [paper(f"p{i}", abstract=f"{TWIN_A} Variant {i}.") for i in range(8)]
    site = site_factory(papers, related=3)
    build(site)
    for i in range(8):
        links = related_links(site / "output", f"p{i}")
        assert len(links) == 3
        assert f"/papers/p{i}/" not in [href for href, _ in links]


def test_related_zero_turns_the_section_off_and_keeps_no_cache(site_factory):
    site = site_factory(corpus(), related=0)
    build(site)
    for page in (site / "output" / "papers").rglob("index.html"):
        assert "Related papers" not in page.read_text(encoding="utf-8")
    assert not (site / CACHE_DIR / RELATED_FILE).exists()


def test_a_paper_sharing_no_word_with_any_other_has_no_section(site_factory):
    papers = [*corpus(), paper("alone", title="Zyxw", abstract="Qwerty uiop asdf.")]
    site = site_factory(papers)
    build(site)
    assert related_links(site / "output", "alone") == []
    html = (site / "output" / "papers" / "alone" / "index.html").read_text(encoding="utf-8")
    assert 'class="related"' not in html


def test_the_same_input_gives_byte_identical_output(site_factory):
    first, second = site_factory(corpus(), name="one"), site_factory(corpus(), name="two")
    build(first)
    build(second)
    assert tree(first / "output") == tree(second / "output")
    cached = [(site / CACHE_DIR / RELATED_FILE).read_bytes() for site in (first, second)]
    assert cached[0] == cached[1]


def test_the_lists_do_not_depend_on_content_order_and_ties_go_by_id(site_factory):
    papers = load_papers(load_config(site_factory(corpus())))
    forward = related.related_papers(papers, 5)
    assert related.related_papers(list(reversed(papers)), 5) == forward
    assert forward["twin-a"][0] == "twin-b"
    # Three identical abstracts score alike with each other: the lower id comes first.
    same = [paper(f"s{i}", title="Same", abstract=TWIN_A) for i in (3, 1, 2)]
    lists = lists_of(site_factory([*corpus(), *same], name="ties"))
    assert lists["s3"][:2] == ("s1", "s2")
    assert lists["s1"][:2] == ("s2", "s3")


@pytest.mark.parametrize("workers", [2, 3])
def test_processes_split_the_work_without_changing_the_lists(site_factory, monkeypatch, workers):
    papers = load_papers(load_config(site_factory(big_corpus(60))))
    alone = related.related_papers(papers, 5, workers=1)
    assert len(alone) == 60
    monkeypatch.setattr(related, "PARALLEL_FROM", 10)
    assert related.related_papers(papers, 5, workers=workers) == alone
    # and so is everything an edit's update reads
    assert related.compute(papers, 5, workers=workers) == related.compute(papers, 5, workers=1)


def test_retitling_a_related_paper_rerenders_the_pages_listing_it(site_factory, tmp_path):
    papers = corpus()
    site = site_factory(papers)
    build(site)
    touch_all(site / "output")
    papers[-1]["title"] = "A new title for the twin"
    edit_papers(site, papers)
    build(site)
    out = site / "output"
    assert ("/papers/twin-b/", "A new title for the twin") in related_links(out, "twin-a")
    changed = {p.split("/")[1] for p in changed_files(out) if re.fullmatch(r"papers/[^/]+/index.html", p)}
    listing = {p for p, others in lists_of(site).items() if "twin-b" in others}
    assert listing and listing <= changed
    # A page that neither lists twin-b nor is its same-day neighbour is left alone.
    assert "t-brain" not in listing
    assert "t-brain" not in changed
    assert tree(out) == cold_tree(site, tmp_path)


def test_an_edit_leaving_titles_and_abstracts_alone_reuses_the_lists(site_factory, monkeypatch, tmp_path):
    papers = corpus()
    site = site_factory(papers)
    build(site)
    cache = site / CACHE_DIR / RELATED_FILE
    written = cache.stat().st_mtime_ns
    full, updates = [], []
    real_compute, real_update = relatedupdate.compute, relatedupdate.update
    monkeypatch.setattr(
        relatedupdate, "compute", lambda *args, **kw: full.append(args) or real_compute(*args, **kw)
    )
    monkeypatch.setattr(
        relatedupdate, "update", lambda *args: updates.append(real_update(*args)) or updates[-1]
    )
    papers[0]["tags"] = ["newly-tagged"]
    papers[1]["upvotes"] = 12
    edit_papers(site, papers)
    build(site)
    assert (full, updates) == ([], [False]), "the cached lists were used as they were"
    assert cache.stat().st_mtime_ns == written, "and not written again"
    assert tree(site / "output") == cold_tree(site, tmp_path)
    full.clear()
    updates.clear()
    papers[0]["abstract"] = TWIN_A
    edit_papers(site, papers)
    build(site)
    assert (full, updates) == ([], [True]), "a changed abstract updates them (relatedupdate.py)"
    assert related_links(site / "output", "t-decode")[0][0] in ("/papers/twin-a/", "/papers/twin-b/")
    assert tree(site / "output") == cold_tree(site, tmp_path)


def _flipped(data: bytes) -> bytes:
    at = len(data) // 2
    return data[:at] + bytes([data[at] ^ 0x10]) + data[at + 1 :]


def _other_format(data: bytes) -> bytes:
    """The same tables as another format version would label them."""
    key = relatedupdate.KEY.encode()
    other = key.replace(f"{relatedtables.FORMAT}|".encode(), b"9|", 1)
    body = data[:-4].replace(b'"key":"' + key, b'"key":"' + other, 1)
    return body + zlib.crc32(body).to_bytes(4, "little")


@pytest.mark.parametrize(
    "damage",
    [
        lambda _: b"not tables",
        lambda _: b"",
        lambda data: data[: len(data) // 2],
        lambda data: data[:-1],
        _flipped,
        _other_format,
        lambda _: json.dumps({"digest": "0" * 32, "lists": {"twin-a": ["t-brain"]}}).encode(),
    ],
    ids=["garbage", "empty", "torn", "last-byte-missing", "flipped-bit", "other-format", "old-json-lists"],
)
def test_a_damaged_cache_is_recomputed_and_rewritten(site_factory, tmp_path, damage):
    site = site_factory(corpus())
    build(site)
    cache = site / CACHE_DIR / RELATED_FILE
    good = cache.read_bytes()
    cache.write_bytes(damage(good))
    shutil.rmtree(site / "output")
    build(site)
    assert tree(site / "output") == cold_tree(site, tmp_path)
    assert cache.read_bytes() == good


def test_the_lists_of_another_related_setting_are_not_used(site_factory, tmp_path):
    site = site_factory(corpus(), related=5)
    build(site)
    settings = yaml.safe_load((site / "site.yaml").read_text(encoding="utf-8"))
    (site / "site.yaml").write_text(yaml.safe_dump({**settings, "related": 1}), encoding="utf-8")
    build(site)
    assert len(related_links(site / "output", "twin-a")) == 1
    assert tree(site / "output") == cold_tree(site, tmp_path)


def test_the_lists_of_an_older_sitegen_are_removed(site_factory):
    site = site_factory(corpus())
    old = site / CACHE_DIR / "related.json"
    old.parent.mkdir(parents=True)
    old.write_text('{"digest": "0", "lists": {}}', encoding="utf-8")
    build(site)
    assert not old.exists()
    assert (site / CACHE_DIR / RELATED_FILE).exists()


def test_a_cache_that_cannot_be_written_does_not_stop_the_build(site_factory, tmp_path):
    site = site_factory(corpus())
    (site / CACHE_DIR / RELATED_FILE).mkdir(parents=True)  # a folder where the file would go
    build(site)
    assert related_links(site / "output", "twin-a")[0][0] == "/papers/twin-b/"


def test_check_shows_the_same_lists_without_a_cache(site_factory):
    site = site_factory(corpus())
    build(site, write=False)
    assert not (site / CACHE_DIR / RELATED_FILE).exists()


@pytest.mark.parametrize("value", [-1, 51, "five", True, 2.5, None])
def test_a_bad_related_setting_is_an_error(site_factory, value):
    site = site_factory(corpus())
    settings = yaml.safe_load((site / "site.yaml").read_text(encoding="utf-8"))
    (site / "site.yaml").write_text(yaml.safe_dump({**settings, "related": value}), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(site)
    assert "related: expected a whole number from 0 (none) to 50, got" in str(caught.value)


def test_words_count_the_title_twice_and_keep_letters_and_digits(site_factory):
    text = "Sparse, *sparse* attention: GPT-4 in 3d and l2."
    papers = [paper("w", title="Sparse Attention", abstract=text)]
    (loaded,) = load_papers(load_config(site_factory(papers)))
    counts = related.words(loaded)
    assert counts["sparse"] == 4 and counts["attention"] == 3
    assert {"gpt", "3d", "l2"} <= set(counts)  # "3d" is dropped later: it starts with a digit
    assert not {"4", "in", "and"} & set(counts)  # one character, stopwords
    assert not related._usable("3d") and related._usable("l2")
    assert not related._usable("the") and not related._usable("x")


def test_a_repeated_word_outweighs_a_word_said_once(site_factory):
    # "alpha" and "beta" are each in two papers; "a" repeats alpha, so the paper sharing
    # alpha comes first, though the one sharing beta would win a tie (its id is lower).
    filler = "Models of data with training for evaluation"
    papers = [
        paper("a", title="One", abstract=f"{filler}. Alpha alpha alpha beta."),
        paper("b", title="Two", abstract=f"{filler}. Beta."),
        paper("c", title="Three", abstract=f"{filler}. Alpha."),
        *[paper(f"z{i}", title=f"Other {i}", abstract=f"{filler} {i}.") for i in range(6)],
    ]
    assert lists_of(site_factory(papers))["a"][:2] == ("c", "b")


def test_a_no_change_rebuild_does_not_touch_the_lists(site_factory, monkeypatch):
    site = site_factory(corpus())
    build(site)

    def refuse(*args, **kwargs):
        raise AssertionError("a no-change rebuild loaded papers, or read or worked out the related lists")

    monkeypatch.setattr(relatedupdate.RelatedCache, "lists", refuse)
    monkeypatch.setattr(related, "compute", refuse)
    # docs/performance-notes.md: it returns before any paper is loaded
    monkeypatch.setattr(sitegen.build, "load_papers", refuse)
    result = build(site)
    assert result.report is not None and result.report.unchanged == result.outputs


def test_without_the_setting_a_page_lists_five_and_fifty_is_allowed_but_a_word_proposes_ten(site_factory):
    papers = [paper(f"p{i}", abstract=f"{TWIN_A} Variant {i}.") for i in range(60)]
    site = site_factory(papers)  # no related: in site.yaml
    assert load_config(site).related == 5
    build(site)
    assert {len(related_links(site / "output", f"p{i}")) for i in range(60)} == {5}
    wide = site_factory(papers, name="wide", related=50)
    assert load_config(wide).related == 50
    # Candidates come from each heavy word's 10 papers where it weighs most: these
    # papers all have the same heavy words, so no list is longer than 10.
    assert {len(lists) for lists in lists_of(wide, 50).values()} == {9, 10}


def _heaviest_words_site(site_factory, repeated: int, name: str) -> dict[str, tuple[str, ...]]:
    """Paper "a" says each of ``repeated`` words three times (each shared with one
    filler paper) and "zebu" once, shared with paper "b" alone. Titles are
    stopwords, so the abstracts are the only words."""
    kept = ["quokka", "wombat", "numbat", "dingo", "bilby", "possum", "dunnart", "echidna", "wallaby"]
    kept = kept[:repeated]
    papers = [
        paper("a", title="Paper", abstract=" ".join(f"{w} {w} {w}" for w in kept) + " zebu"),
        paper("b", title="Paper", abstract="zebu"),
        *[paper(f"f-{w}", title="Paper", abstract=w) for w in kept],
    ]
    return lists_of(site_factory(papers, name=name), 50)


def test_a_paper_is_matched_by_its_eight_heaviest_words_only(site_factory):
    # "zebu", said once, weighs less than each word said three times (the same
    # document frequency): with eight of those it is a ninth word, left out.
    nine = _heaviest_words_site(site_factory, 8, "nine")
    assert "b" not in nine["a"] and "b" not in nine
    assert len(nine["a"]) == 8
    eight = _heaviest_words_site(site_factory, 7, "eight")
    assert "b" in eight["a"] and eight["b"] == ("a",)


def test_the_boilerplate_docs_name_is_left_out():
    # docs/content.md, "Related papers", names these as examples of STOPWORDS.
    assert {"propose", "method", "results"} <= related.STOPWORDS
    assert not related._usable("3d") and not related._usable("propose")


def test_a_build_works_the_lists_out_on_every_core(site_factory, monkeypatch):
    """docs/content.md: "Large sites work them out on every core": the build hands
    its worker count to the computation, which splits the work from PARALLEL_FROM papers."""
    site = site_factory(big_corpus(40))
    seen = []
    real = relatedupdate.compute
    monkeypatch.setattr(
        relatedupdate,
        "compute",
        lambda papers, count, workers, **kw: seen.append(workers) or real(papers, count, workers, **kw),
    )
    monkeypatch.setattr(sitegen.build, "default_workers", lambda: 3)
    build(site)
    assert seen == [3]


def test_kept_weights_are_scaled_to_length_one(site_factory):
    """docs/content.md: a paper's kept weights "together have length 1" (cosine
    similarity), to within the rounding to multiples of 1/SCALE."""
    papers = load_papers(load_config(site_factory(big_corpus(30))))
    tables = related.compute(papers, 5)
    for i in range(len(tables.ids)):
        weights = [w for _, w in tables.vector(i)]
        if weights:
            assert abs(sum(w * w for w in weights) - related.SCALE**2) <= related.TERMS * related.SCALE


def test_a_share_keeps_each_papers_words_compact_each_word_held_once():
    """Memory at 100k papers: a Counter a paper, each word a string of its own,
    held ~0.9 GB while the lists were worked out. A share keeps a tuple of
    words (one string per word for all its papers) and a bytes of counts."""
    from types import SimpleNamespace

    papers = [
        SimpleNamespace(title="Sparse attention", abstract="Sparse attention " * 300 + f"kernels {i}")
        for i in range(3)
    ]
    counted, df = counted_words(papers)
    assert df == {"sparse": 3, "attention": 3, "kernels": 3}
    (first, counts), (second, _), _ = counted
    assert isinstance(first, tuple) and isinstance(counts, bytes)
    capped = {"sparse": 255, "attention": 255, "kernels": 1}
    assert dict(zip(first, counts, strict=True)) == capped, "counts capped at 255"
    assert all(a is b for a, b in zip(first, second, strict=True)), "one string per word"
    assert related.words(papers[0])["sparse"] == 302


class _Watched:
    """A paper whose title and abstract say who read them: a forked share
    reading them fails; this process notes whether a share's process was alive."""

    def __init__(self, paper, parent: int, seen: list) -> None:
        self.id, self._paper, self._parent, self._seen = paper.id, paper, parent, seen

    def _read(self, value: str) -> str:
        import multiprocessing
        import os

        if os.getpid() != self._parent:
            raise AssertionError("a forked share read a paper")
        self._seen.append(len(multiprocessing.active_children()))
        return value

    title = property(lambda self: self._read(self._paper.title))
    abstract = property(lambda self: self._read(self._paper.abstract))


def test_no_process_reads_the_papers_while_a_share_is_forked(site_factory, monkeypatch):
    """Reading a paper's strings writes their reference counts: with a share's
    process alive, every page they are on would be copied (~150 MB at 100k
    papers). The shares read one text made before the fork."""
    import os

    papers = load_papers(load_config(site_factory(big_corpus(60))))
    monkeypatch.setattr(related, "PARALLEL_FROM", 10)
    monkeypatch.setattr(relatedshare, "CHUNK", 7)
    seen: list[int] = []
    watched = [_Watched(p, os.getpid(), seen) for p in papers]
    assert related.compute(watched, 5, workers=2) == related.compute(papers, 5, workers=1)
    assert seen and not any(seen), "read before any fork, by this process only"


def test_a_share_slowed_down_claims_fewer_papers_and_the_lists_stay_the_same(site_factory, monkeypatch):
    """Papers are claimed in runs by whichever process is free: the one that
    started late or is slowed down (the build's own process) takes fewer."""
    import os
    import time

    papers = load_papers(load_config(site_factory(big_corpus(60))))
    alone = related.compute(papers, 5, workers=1)
    monkeypatch.setattr(related, "PARALLEL_FROM", 10)
    monkeypatch.setattr(relatedshare, "CHUNK", 3)
    parent, real_tokens, shares = os.getpid(), relatedshare.tokens_apart, []

    def slow_here(title, abstract):
        if os.getpid() == parent:
            time.sleep(0.02)
        return real_tokens(title, abstract)

    def noting(runs, parts, width, code):
        shares.append(runs)
        return real_in_order(runs, parts, width, code)

    real_in_order = related._in_order
    monkeypatch.setattr(relatedshare, "tokens_apart", slow_here)
    monkeypatch.setattr(related, "_in_order", noting)
    assert related.compute(papers, 5, workers=2) == alone
    here, forked = (sum(b - a for a, b in runs) for runs in shares[0])
    assert here + forked == 60 and here < forked
