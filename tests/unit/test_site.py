from datetime import date, datetime, timezone
from pathlib import Path

from sitegen.config import Config
from sitegen.model import Author, Paper
from sitegen.site import build_site

CONFIG = Config(site_dir=Path("."), title="T", base_url="https://e.org/")


def make(pid: str, day: int, upvotes=None, tags=(), authors=()) -> Paper:
    moment = datetime(2025, 3, day, tzinfo=timezone.utc)
    return Paper(
        id=pid,
        title=pid,
        date=moment,
        day=moment.date(),
        upvotes=upvotes,
        tags=tuple(tags),
        authors=tuple(Author(a) for a in authors),
    )


def test_newest_day_first_then_most_upvoted_then_content_order():
    papers = [make("a", 13), make("b", 14, 1), make("c", 14, 5), make("d", 14, 1)]
    site = build_site(papers, CONFIG)
    assert [p.id for p in site.papers] == ["c", "b", "d", "a"]
    assert [d.day for d in site.days] == [date(2025, 3, 14), date(2025, 3, 13)]


def test_neighbours_stay_within_the_same_day():
    site = build_site([make("a", 13), make("b", 14), make("c", 14)], CONFIG)
    assert site.neighbours["b"].previous is None and site.neighbours["b"].next.id == "c"
    assert site.neighbours["c"].next is None
    assert site.neighbours["a"].previous is None and site.neighbours["a"].next is None


def test_tags_group_by_slug_and_count_each_paper_once():
    papers = [
        make("a", 14, tags=["LLM", "vision"]),
        make("b", 13, tags=["llm"]),
        make("c", 12, tags=["Vision"]),
    ]
    site = build_site(papers, CONFIG)
    assert [(t.name, t.slug, [p.id for p in t.papers]) for t in site.tags] == [
        ("LLM", "llm", ["a", "b"]),
        ("vision", "vision", ["a", "c"]),
    ]
    assert site.tag_slugs["llm"] == "llm"


def test_authors_are_grouped_across_papers():
    site = build_site(
        [make("a", 14, authors=["Ada Lovelace"]), make("b", 13, authors=["Ada Lovelace", "Bo"])], CONFIG
    )
    assert [(a.slug, len(a.papers)) for a in site.authors] == [("ada-lovelace", 2), ("bo", 1)]


def test_names_sort_as_a_reader_expects_with_accents():
    site = build_site([make("a", 14, authors=["Zoe Z", "Émile Zola", "eve E"])], CONFIG)
    assert [a.name for a in site.authors] == ["Émile Zola", "eve E", "Zoe Z"]


def test_spellings_of_one_slug_interleaved_across_papers_keep_site_order_and_each_paper_once():
    papers = [
        make("a", 14, tags=["NLP"]),
        make("b", 13, tags=["nlp"]),
        make("c", 12, tags=["NLP", "x", "nlp"]),
        make("d", 11, tags=["Nlp"]),
        make("e", 10, tags=["NLP"]),
        make("f", 9, authors=["Bo", "bo", "Ada"]),
        make("g", 8, authors=["bo"]),
        make("h", 7, authors=["BO", "Bo"]),
    ]
    site = build_site(papers, CONFIG)
    assert [(t.name, [p.id for p in t.papers]) for t in site.tags] == [
        ("NLP", ["a", "b", "c", "d", "e"]),
        ("x", ["c"]),
    ]
    assert [(a.name, [p.id for p in a.papers]) for a in site.authors] == [
        ("Ada", ["f"]),
        ("Bo", ["f", "g", "h"]),
    ]
    assert site.tag_slugs == {"NLP": "nlp", "nlp": "nlp", "Nlp": "nlp", "x": "x"}


def test_a_papers_neighbours_hold_no_dict_of_their_own():
    """One Neighbours a paper (100k at 100k papers): slots, no __dict__ each."""
    from sitegen.site import Neighbours

    assert not hasattr(Neighbours(None, None), "__dict__")


def test_the_citation_keys_are_made_by_build_site_before_any_fork(monkeypatch):
    """Made once, in the process that builds the site, so that no render worker
    makes them again (a dict of every key, every paper's title, authors and
    dates read: their memory pages copied in each fork)."""
    from sitegen import site as site_module

    calls = []
    real = site_module.assign_keys
    monkeypatch.setattr(site_module, "assign_keys", lambda papers: calls.append(1) or real(papers))
    site = build_site([make("a", 13, authors=["Ada Lovelace"]), make("b", 14)], CONFIG)
    assert calls == [1] and "citation_keys" in vars(site)
    assert sorted(site.citation_keys) == ["a", "b"]
    assert calls == [1]
