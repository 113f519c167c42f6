import pickle
from dataclasses import replace
from datetime import date, datetime, timezone
from pathlib import Path

from sitegen.cache import pickle_papers
from sitegen.model import Author, Paper


def _paper(paper_id, source, authors):
    moment = datetime(2025, 3, 14, tzinfo=timezone.utc)
    return Paper(paper_id, f"Title {paper_id}", moment, date(2025, 3, 14), authors=authors, source=source)


def test_papers_come_back_equal_from_a_pickle():
    ada = Author("Ada Lovelace", "Analytical Engines", "https://example.org/ada")
    papers = [_paper("a", Path("content/papers/day.yaml"), (ada,)), _paper("b", None, ())]
    assert pickle.loads(pickle_papers(papers)) == papers
    assert pickle.loads(pickle.dumps(papers)) == papers


def test_unpickled_papers_share_their_file_path_and_equal_authors():
    """Every unpickled object is new unless shared again: at 100k papers that was
    ~90 MB of duplicate Path and Author objects."""
    source = Path("content/papers/day.yaml")
    papers = [
        _paper("a", source, (Author("Ada Lovelace"), Author("Chen Wei"))),
        _paper("b", source, (Author("Ada Lovelace"),)),
    ]
    first, second = pickle.loads(pickle_papers(papers))
    assert first.source is second.source and first.source == source
    assert first.authors[0] is second.authors[0]
    assert first.authors[1] is not first.authors[0]
    # A different affiliation is a different author value, never merged.
    (other,) = pickle.loads(pickle_papers([_paper("c", source, (Author("Ada Lovelace", "Elsewhere"),))]))
    assert other.authors[0].affiliation == "Elsewhere"


def test_a_paper_was_last_modified_when_updated_else_published_else_listed():
    listed, published, updated = (datetime(2025, 3, d, tzinfo=timezone.utc) for d in (14, 10, 20))
    base = Paper(id="p", title="T", date=listed, day=listed.date())
    assert base.modified == listed
    assert replace(base, published=published).modified == published
    assert replace(base, published=published, updated=updated).modified == updated
