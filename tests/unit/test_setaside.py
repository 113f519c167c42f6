"""A parallel build's papers without their abstracts while it renders (setaside.py), and its
cards in its record file (cardstore.py): in no process's memory."""

import multiprocessing
import os
import tempfile

import yaml

from sitegen import feedrecords, parallel
from sitegen.build import build
from sitegen.buildfile import RecordFile
from sitegen.config import load_config
from sitegen.loading import load_papers
from sitegen.setaside import Abstracts
from tests.sitekit import paper, tree, write_site

PARENT = os.getpid()


def _site(root):
    """Day files of three papers, and one file bigger than a run (so its papers
    have no parse-cache copy and are read back from the set-aside file)."""
    site = write_site(root, feeds={"formats": ["atom", "rss", "json"]}, citation_files=["bibtex", "ris"])
    for day in range(8):
        entries = [
            paper(
                f"d{day}p{i}",
                f"2025-03-{10 + day}",
                tags=[f"t{i % 2}"],
                authors=[f"Author {i}", "Zoë Ångström"],
                abstract=f"Text *{i}* of day {day}: $x^{i}$, naïve café — “quoted”.",
            )
            for i in range(3)
        ]
        (site / f"content/papers/day{day}.yaml").write_text(yaml.safe_dump(entries, allow_unicode=True))
    big = [paper(f"big{i}", "2025-03-20", abstract=f"Big file paper {i}, *emphasis*.") for i in range(9)]
    (site / "content/papers/big.yaml").write_text(yaml.safe_dump(big))
    return site


def _parallel(monkeypatch):
    monkeypatch.setattr(parallel, "PARALLEL_THRESHOLD", 0)
    monkeypatch.setattr(parallel, "COPIES_FROM", 0)
    monkeypatch.setattr(parallel, "_CHUNK", 4)
    monkeypatch.setattr(parallel, "_LAST_CHUNK", 4)


def test_while_a_parallel_build_renders_no_paper_holds_its_abstract_nor_any_process_its_cards(
    tmp_path, monkeypatch
):
    site = _site(tmp_path / "s")
    build(site, tmp_path / "serial", workers=1)
    _parallel(monkeypatch)
    seen, cards = [], []
    real_share = parallel.share_forked

    def watching(count, work, tasks, *args, **kwargs):
        renderer = parallel._renderer
        seen.append([p.abstract for p in renderer.site.papers])
        assert os.listdir(temporary) == [], "the set-aside file has no name"
        cards.append((len(renderer._cards), sum(map(len, renderer._cards._blocks))))
        return real_share(count, work, tasks, *args, **kwargs)

    monkeypatch.setattr(parallel, "share_forked", watching)
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    released = []
    real_release = parallel.release_free_memory

    def releasing():
        released.append(not any(p.abstract for p in parallel._renderer.site.papers))
        real_release()

    monkeypatch.setattr(parallel, "release_free_memory", releasing)
    keep = []
    build(site, tmp_path / "parallel", workers=2, keep=keep)
    assert len(seen) == 2, "both phases forked"
    assert released == [True, True], "the abstracts' memory was handed back before the first fork"
    assert not any(p.abstract for p in keep[0]), "the papers come out of the build without them"
    for abstracts in seen:
        assert abstracts and not any(abstracts), "no paper held its abstract at either fork"
    assert len(keep[2].abstracts) == 33, "every abstract was set aside, in the build's file"
    assert cards == [(0, 0), (33, 0)], "the last phase forks with every card, none of them in memory"
    assert tree(tmp_path / "parallel") == tree(tmp_path / "serial")


def test_feeds_and_digests_without_records_read_the_abstracts_back(tmp_path, monkeypatch):
    site = _site(tmp_path / "s")
    build(site, tmp_path / "serial", workers=1)
    _parallel(monkeypatch)
    monkeypatch.setattr(feedrecords, "make", lambda *args: [])  # no records: made from the views
    build(site, tmp_path / "parallel", workers=2)
    assert tree(tmp_path / "parallel") == tree(tmp_path / "serial")


def test_set_aside_abstracts_come_back_whole(tmp_path):
    site = _site(tmp_path / "s")
    papers = load_papers(load_config(site))
    before = {p.id: p.abstract for p in papers}
    file = RecordFile(multiprocessing.get_context("fork"))
    abstracts = Abstracts(file)
    abstracts.set_aside(papers)
    assert len(abstracts) == len(papers)
    assert all(p.abstract == "" for p in papers)
    for original in papers:
        back = abstracts.whole(original)
        assert back.abstract == before[original.id]
        assert back.id == original.id and back.digest == original.digest and back.title == original.title
    assert abstracts.read == len(papers)
    file.close()


def test_papers_keep_their_abstracts_when_there_is_no_file_or_no_digest(tmp_path, monkeypatch):
    site = _site(tmp_path / "s")
    papers = load_papers(load_config(site))
    before = [p.abstract for p in papers]
    object.__setattr__(papers[0], "digest", "")  # built by hand: its key is made from the whole paper
    abstracts = Abstracts(RecordFile(multiprocessing.get_context("fork")))
    abstracts.set_aside(papers)
    assert papers[0].abstract == before[0]
    assert all(p.abstract == "" for p in papers[1:])
    assert abstracts.whole(papers[0]) is papers[0]

    def no_room(*args, **kwargs):
        raise OSError(28, "No space left on device")

    for failing in ("tempfile.TemporaryFile", "os.pwrite"):  # no file made; a full disk
        more = load_papers(load_config(site))
        with monkeypatch.context() as patched:
            patched.setattr(f"sitegen.buildfile.{failing}", no_room)
            unwritten = Abstracts(RecordFile(multiprocessing.get_context("fork")))
            unwritten.set_aside(more)
        assert [p.abstract for p in more] == before, failing
        assert len(unwritten) == 0


def test_an_abstract_wanted_after_the_file_is_closed_is_an_error_not_an_empty_one(tmp_path):
    papers = load_papers(load_config(_site(tmp_path / "s")))
    file = RecordFile(multiprocessing.get_context("fork"))
    abstracts = Abstracts(file)
    abstracts.set_aside(papers)
    file.close()
    try:
        abstracts.whole(papers[0])
    except RuntimeError as error:
        assert papers[0].id in str(error)
    else:
        raise AssertionError("a set-aside abstract came back empty")


def test_a_sites_own_templates_see_every_raw_abstract_in_a_parallel_build(tmp_path, monkeypatch):
    """A theme may show the raw entry's abstract anywhere a paper is (a card, the
    paper page's neighbours): the set-aside must not show it as empty there."""
    for theme in ("default", "compact"):
        site = _site(tmp_path / theme / "s")
        config = yaml.safe_load((site / "site.yaml").read_text())
        (site / "site.yaml").write_text(yaml.safe_dump({**config, "theme": theme}))
        templates = site / "templates"
        templates.mkdir()
        (templates / "_card.html").write_text("<p>[{{ paper.paper.abstract }}]</p>")
        (templates / "paper.html").write_text(
            "{{ paper.paper.abstract }}|{{ previous.paper.abstract if previous }}"
            "|{{ next.paper.abstract if next }}"
        )
        with monkeypatch.context() as serial_only:
            serial_only.setattr(parallel, "PARALLEL_THRESHOLD", 10**9)
            build(site, tmp_path / theme / "serial", workers=1)
        with monkeypatch.context() as forked:
            _parallel(forked)
            build(site, tmp_path / theme / "parallel", workers=2)
        serial = tree(tmp_path / theme / "serial")
        assert b"Big file paper 3, *emphasis*." in serial["papers/big3/index.html"]
        assert b"[Text *1* of day 2" in serial["days/2025-03-12/index.html"], "the site's own card is shown"
        assert tree(tmp_path / theme / "parallel") == serial
