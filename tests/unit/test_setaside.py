"""A parallel build's papers without their abstracts, links and sources while it renders
(setaside.py), and its cards in its record file (cardstore.py): in no process's memory."""

import dataclasses
import gc
import multiprocessing
import os
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitegen import feedrecords, parallel, sourcepaths
from sitegen.build import build
from sitegen.buildfile import RecordFile
from sitegen.cache import Slot
from sitegen.config import load_config
from sitegen.loading import load_papers
from sitegen.model import Paper
from sitegen.setaside import SetAside
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
                links={
                    "arxiv": f"https://arxiv.org/abs/2503.{day}{i:04d}",
                    "pdf": f"https://arxiv.org/pdf/2503.{day}{i:04d}",
                    "doi": f"https://doi.org/10.1000/d{day}.{i}",
                    "code": f"https://example.org/ç/{day}/{i}",
                },
            )
            for i in range(3)
        ]
        (site / f"content/papers/day{day}.yaml").write_text(yaml.safe_dump(entries, allow_unicode=True))
    big = [
        paper(
            f"big{i}",
            "2025-03-20",
            abstract=f"Big file paper {i}, *emphasis*.",
            links={"arxiv": f"https://arxiv.org/abs/2503.9{i:04d}", "doi": f"https://doi.org/10.1000/b.{i}"},
        )
        for i in range(9)
    ]
    (site / "content/papers/big.yaml").write_text(yaml.safe_dump(big))
    return site


def _parallel(monkeypatch):
    monkeypatch.setattr(parallel, "PARALLEL_THRESHOLD", 0)
    monkeypatch.setattr(parallel, "COPIES_FROM", 0)
    monkeypatch.setattr(parallel, "_CHUNK", 4)
    monkeypatch.setattr(parallel, "_LAST_CHUNK", 4)


def test_while_a_parallel_build_renders_no_paper_holds_its_abstract_links_or_source_nor_any_process_its_cards(
    tmp_path, monkeypatch
):
    site = _site(tmp_path / "s")
    build(site, tmp_path / "serial", workers=1)
    _parallel(monkeypatch)
    seen, cards = [], []
    real_share = parallel.share_forked

    def watching(count, work, tasks, *args, **kwargs):
        renderer = parallel._renderer
        seen.append([(p.abstract, p.links, p.source) for p in renderer.site.papers])
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
        released.append(not any(p.abstract or p.links or p.source for p in parallel._renderer.site.papers))
        if len(released) == 1:  # nor a map of the content files' Paths to their parse-cache slots
            maps = [
                o for o in gc.get_objects() if type(o) is dict and o and type(next(iter(o.values()))) is Slot
            ]
            released.append(maps)
        real_release()

    monkeypatch.setattr(parallel, "release_free_memory", releasing)
    keep = []
    build(site, tmp_path / "parallel", workers=2, keep=keep)
    assert len(seen) == 2, "both phases forked"
    assert released == [True, [], True], "their memory was handed back before the first fork"
    assert not any(p.abstract or p.links or p.source for p in keep[0]), "the papers come out without them"
    for fields in seen:
        assert fields and not any(map(any, fields)), (
            "no paper held its abstract, links or source at either fork"
        )
    assert len(keep[2].set_aside) == 33, "every paper's were set aside, in the build's file"
    assert not sourcepaths.table, "nor does the loader's table hold the sources' Paths"
    assert cards == [(0, 0), (33, 0)], "the last phase forks with every card, none of them in memory"
    assert tree(tmp_path / "parallel") == tree(tmp_path / "serial")


def test_feeds_and_digests_without_records_read_the_abstracts_back(tmp_path, monkeypatch):
    site = _site(tmp_path / "s")
    build(site, tmp_path / "serial", workers=1)
    _parallel(monkeypatch)
    monkeypatch.setattr(feedrecords, "make", lambda *args: [])  # no records: made from the views
    build(site, tmp_path / "parallel", workers=2)
    assert tree(tmp_path / "parallel") == tree(tmp_path / "serial")


def test_set_aside_abstracts_links_and_sources_come_back_whole(tmp_path):
    site = _site(tmp_path / "s")
    papers = load_papers(load_config(site))
    before = {p.id: dataclasses.replace(p) for p in papers}
    assert all(p.links and p.abstract and isinstance(p.source, Path) for p in papers)
    file = RecordFile(multiprocessing.get_context("fork"))
    aside = SetAside(file)
    aside.set_aside(papers)
    assert len(aside) == len(papers)
    assert all((p.abstract, p.links, p.source) == ("", (), None) for p in papers)
    for original in papers:
        back = aside.whole(original)
        assert back == before[original.id], "every field as it was"
        assert type(back.source) is type(before[original.id].source)
        assert aside.whole(back) is back, "a whole paper is not read again"
    assert aside.read == len(papers)
    file.close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    abstract=st.text(),
    links=st.lists(st.tuples(st.text(min_size=1), st.text()), max_size=4).map(tuple),
    source=st.none()
    | st.lists(st.text(st.characters(blacklist_characters="/\0"), min_size=1), min_size=1, max_size=3),
)
def test_any_papers_fields_come_back_equal(abstract, links, source):
    paper = Paper(
        "p1",
        "T",
        datetime(2025, 3, 14, tzinfo=UTC),
        date(2025, 3, 14),
        abstract=abstract,
        links=links,
        source=None if source is None else Path(*source),
        digest="d1",
    )
    original = dataclasses.replace(paper)
    file = RecordFile(multiprocessing.get_context("fork"))
    aside = SetAside(file)
    aside.set_aside([paper])
    assert aside.whole(paper) == original
    file.close()


def test_papers_keep_their_abstracts_when_there_is_no_file_or_no_digest(tmp_path, monkeypatch):
    site = _site(tmp_path / "s")
    papers = load_papers(load_config(site))
    before = [p.abstract for p in papers]
    object.__setattr__(papers[0], "digest", "")  # built by hand: its key is made from the whole paper
    object.__setattr__(papers[1], "source", str(papers[1].source))  # not the loader's Path: kept as given
    whole = [dataclasses.replace(p) for p in papers[:2]]
    aside = SetAside(RecordFile(multiprocessing.get_context("fork")))
    aside.set_aside(papers)
    assert papers[:2] == whole
    assert all(p.abstract == "" for p in papers[2:])
    assert aside.whole(papers[0]) is papers[0] and aside.whole(papers[1]) is papers[1]

    def no_room(*args, **kwargs):
        raise OSError(28, "No space left on device")

    # No file made; a full disk (every record in one pwritev, or joined and in pwrite).
    for failing in (["tempfile.TemporaryFile"], ["os.pwritev"], ["os.pwrite", "os.pwritev"]):
        more = load_papers(load_config(site))
        with monkeypatch.context() as patched:
            for name in failing:
                patched.setattr(f"sitegen.buildfile.{name}", no_room)
            unwritten = SetAside(RecordFile(multiprocessing.get_context("fork")))
            unwritten.set_aside(more)
        assert [p.abstract for p in more] == before, failing
        assert len(unwritten) == 0


def test_an_abstract_wanted_after_the_file_is_closed_is_an_error_not_an_empty_one(tmp_path):
    papers = load_papers(load_config(_site(tmp_path / "s")))
    file = RecordFile(multiprocessing.get_context("fork"))
    aside = SetAside(file)
    aside.set_aside(papers)
    file.close()
    try:
        aside.whole(papers[0])
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
        raw = "{0}.paper.abstract }}}}|{{{{ {0}.paper.links }}}}|{{{{ {0}.paper.source }}}}"
        (templates / "_card.html").write_text("<p>[{{ " + raw.format("paper") + "]</p>")
        (templates / "paper.html").write_text(
            "{{ " + raw.format("paper") + "|{% if previous %}{{ " + raw.format("previous") + "{% endif %}"
            "|{% if next %}{{ " + raw.format("next") + "{% endif %}"
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
        page = serial["papers/d2p1/index.html"].decode()
        assert "https://doi.org/10.1000/d2.1" in page and "content/papers/day2.yaml" in page, page[:300]
        assert "https://example.org/ç/2/2" in page, "the next paper's links"
        assert tree(tmp_path / theme / "parallel") == serial


def test_a_source_comes_back_equal_from_the_name_the_loader_made_it_from():
    """set_aside takes a source's text from the loader's table (sourcepaths.table) when it
    is there, not from ``str``: the name as written, whatever its slashes and dots."""
    made = [sourcepaths.source_path(name) for name in ("content//papers/./a.yaml", "content/papers/b.yaml")]
    papers = [
        Paper(f"p{i}", "T", datetime(2025, 3, 14, tzinfo=UTC), date(2025, 3, 14), source=path, digest="d")
        for i, path in enumerate(made)
    ]
    file = RecordFile(multiprocessing.get_context("fork"))
    aside = SetAside(file)
    aside.set_aside(papers)
    sourcepaths.forget_paths()
    back = [aside.whole(paper).source for paper in papers]
    assert back == made and [str(path) for path in back] == ["content/papers/a.yaml", "content/papers/b.yaml"]
    assert all(type(path) is type(Path()) for path in back)
    file.close()
