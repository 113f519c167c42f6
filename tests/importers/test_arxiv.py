"""The arXiv importer: what a page of the API becomes, paging, and arXiv's ways of saying no."""

from __future__ import annotations

from datetime import date

import pytest

from sitegen.importers.arxiv import (
    API,
    fetch,
    is_arxiv_id,
    new_fetcher,
    parse_feed,
    query_url,
    strip_version,
)
from sitegen.importers.base import Imported, SourceError

from .fakes import FakeTransport, ok, recorded

DAY = date(2025, 3, 14)


def _fetcher(fake: FakeTransport, **kw):  # type: ignore[no-untyped-def]
    return new_fetcher(fake, sleep=fake.clock.sleep, clock=fake.clock, **kw)


# --- ids and URLs ---


@pytest.mark.parametrize(
    ("versioned", "bare"),
    [
        ("2305.02678v3", "2305.02678"),
        ("2305.02678", "2305.02678"),
        ("0704.0001v12", "0704.0001"),
        ("hep-th/9901001v2", "hep-th/9901001"),
        ("math.GT/0309136v1", "math.GT/0309136"),
        ("cond-mat/0207270", "cond-mat/0207270"),
    ],
)
def test_strip_version(versioned: str, bare: str) -> None:
    assert strip_version(versioned) == bare
    assert is_arxiv_id(bare)


@pytest.mark.parametrize(
    "bad", ["../etc", "a/b", "2305.026", "hep-th/99010", "HEP-TH/9901001", "2305.02678v2", ""]
)
def test_is_arxiv_id_refuses_anything_else(bad: str) -> None:
    assert not is_arxiv_id(bad)


def test_query_url_is_encoded() -> None:
    url = query_url(search_query='cat:cs.CL AND ti:"large model"', id_list=None, start=100, max_results=50)
    assert url == f"{API}?search_query=cat%3Acs.CL+AND+ti%3A%22large+model%22&start=100&max_results=50"
    url = query_url(search_query=None, id_list=["2305.02678", "hep-th/9901001"], start=0, max_results=2)
    assert url == f"{API}?id_list=2305.02678%2Chep-th%2F9901001&start=0&max_results=2"
    with pytest.raises(ValueError):
        query_url(search_query=None, id_list=[], start=0, max_results=1)


# --- one page ---


def test_a_page_of_the_api() -> None:
    page = parse_feed(
        recorded("arxiv_query.xml"), DAY, categories={"cs.CL": "nlp", "cs.LG": "machine-learning"}
    )
    assert (page.total, page.start, page.entries) == (3, 0, 3)
    attention, maldacena, minimal = page.papers
    assert attention == Imported(
        id="1706.03762",
        day=DAY,
        source="arxiv",
        fields={
            "title": "Attention Is All You Need",
            "authors": [
                {"name": "Ashish Vaswani", "affiliation": "Google Brain"},
                {"name": "Noam Shazeer", "affiliation": "Google Brain"},  # the first affiliation only
                "Niki Parmar",
            ],
            "abstract": (
                "The dominant sequence transduction models are based on complex recurrent or convolutional"
                " neural networks in an encoder-decoder configuration. The best performing models also"
                " connect the encoder and decoder through an attention mechanism. We propose a new simple"
                " network architecture, the Transformer, based solely on attention mechanisms, dispensing"
                " with recurrence and convolutions entirely."
            ),
            "tags": ["nlp", "machine-learning"],
            "links": {
                "arxiv": "https://arxiv.org/abs/1706.03762",
                "pdf": "https://arxiv.org/pdf/1706.03762v7",
            },
            "published": "2017-06-12T17:57:34Z",
            "updated": "2023-08-02T00:41:18Z",
            "extra": {"arxiv_comment": "15 pages, 5 figures"},
        },
    )
    assert maldacena.id == "hep-th/9711200"
    assert maldacena.fields == {
        "title": "The Large N Limit of Superconformal Field Theories and Supergravity",
        "authors": [{"name": "Juan M. Maldacena", "affiliation": "Harvard University"}],
        "abstract": (
            "We show that the large N limit of certain conformal field theories in various dimensions include"
            " in their Hilbert space a sector describing supergravity on the product of Anti-deSitter"
            " spacetimes, spheres and other compact manifolds.\n\nThis is shown by taking some branes in"
            " string theory and then taking a low energy limit where the field theory on the brane"
            " decouples from the bulk."
        ),
        "tags": ["hep-th", "gr-qc"],  # unmapped codes kept as they are
        "links": {
            "arxiv": "https://arxiv.org/abs/hep-th/9711200",
            "pdf": "https://arxiv.org/pdf/hep-th/9711200v3",
            "doi": "https://doi.org/10.1023/A:1026654312961",
        },
        "published": "1997-11-27T22:22:59Z",
        "updated": "1998-01-22T21:02:29Z",
        "venue": "Adv.Theor.Math.Phys.2:231-252,1998; Int.J.Theor.Phys.38:1113-1133,1999",
        "extra": {
            "arxiv_comment": "20 pages, harvmac, v2: section on AdS_2 corrected, references added,"
            " v3: More references and a sign in eq. (2.8) corrected"
        },
    }
    # Primary category first even when listed later, repeats once; no pdf link given, none made up.
    assert minimal.fields == {
        "title": "A Study of Things",
        "authors": ["Ada Lovelace"],
        "abstract": "Short.",
        "tags": ["stat.ML", "machine-learning"],
        "links": {"arxiv": "https://arxiv.org/abs/2305.02678"},
        "published": "2023-05-04T09:12:44Z",
        "updated": "2023-05-04T09:12:44Z",
    }


def test_unmapped_categories_can_be_dropped() -> None:
    page = parse_feed(recorded("arxiv_query.xml"), categories={"cs.LG": "machine-learning"}, unmapped="drop")
    assert [paper.fields.get("tags") for paper in page.papers] == [
        ["machine-learning"],
        None,  # no tag left: the field is absent, not empty
        ["machine-learning"],
    ]
    with pytest.raises(ValueError):
        parse_feed(recorded("arxiv_query.xml"), unmapped="maybe")


def test_day_is_the_callers() -> None:
    assert {paper.day for paper in parse_feed(recorded("arxiv_query.xml")).papers} == {None}


def test_an_entry_without_a_usable_id_is_skipped_with_a_warning() -> None:
    body = recorded("arxiv_query.xml").replace(b"http://arxiv.org/abs/1706.03762v7", b"http://evil.org/../x")
    warnings: list[str] = []
    page = parse_feed(body, warn=warnings.append)
    assert [paper.id for paper in page.papers] == ["hep-th/9711200", "2305.02678"]
    assert page.entries == 3
    assert warnings == ["skipped entry 0: id 'http://evil.org/../x' is not an arXiv abstract URL"]


# --- refusals and garbage ---


@pytest.mark.parametrize("status", [200, 400])
def test_the_error_entry_becomes_the_message(status: int) -> None:
    url = query_url(search_query=None, id_list=["1309.119"], start=0, max_results=50)
    fake = FakeTransport()
    fake.add(url, ok(url, recorded("arxiv_error.xml"), status))
    with pytest.raises(SourceError) as caught:
        fetch(_fetcher(fake), id_list=["1309.119"])
    assert str(caught.value) == "arxiv: the API refused the query: incorrect id format for 1309.119"
    assert len(fake.calls) == 1  # a refusal is not retried


def test_a_400_without_an_error_entry_says_so() -> None:
    url = query_url(search_query="x", id_list=None, start=0, max_results=50)
    fake = FakeTransport()
    fake.add(url, ok(url, "<html>Bad Request</html>", 400))
    with pytest.raises(SourceError, match=r"^arxiv: export.arxiv.org answered HTTP 400$"):
        fetch(_fetcher(fake), search_query="x")


@pytest.mark.parametrize(
    "body",
    [
        b"<!DOCTYPE html><html><body>Service temporarily unavailable, please come back later</body></html>",
        b'{"error": "nope"}',
        b"",
        b"<rss version='2.0'><channel/></rss>",  # XML, but not Atom
        b'<?xml version="1.0"?><!DOCTYPE feed [<!ENTITY a "aaaaaaaa">]><feed xmlns="http://www.w3.org/2005/Atom">&a;</feed>',
    ],
)
def test_anything_but_an_atom_feed_is_one_line(body: bytes) -> None:
    with pytest.raises(SourceError, match=r"^arxiv: the answer is not an Atom feed \(") as caught:
        parse_feed(body)
    message = str(caught.value)
    assert "\n" not in message and len(message) < 130


def test_rate_exceeded_is_retried_then_succeeds() -> None:
    url = query_url(search_query=None, id_list=["1706.03762"], start=0, max_results=50)
    fake = FakeTransport()
    fake.add(
        url, ok(url, "Rate exceeded.", 503), ok(url, "Rate exceeded."), ok(url, recorded("arxiv_query.xml"))
    )
    papers = fetch(_fetcher(fake), id_list=["1706.03762"])
    assert len(papers) == 3
    assert len(fake.calls) == 3
    # The first backoff (2 s) is stretched to arXiv's 3 s spacing; the second (4 s) is longer already.
    assert fake.gaps == [3.0, 4.0]


def test_rate_exceeded_forever_gives_up_with_one_line() -> None:
    url = query_url(search_query=None, id_list=["1706.03762"], start=0, max_results=50)
    fake = FakeTransport()
    fake.add(url, ok(url, "Rate exceeded."))
    with pytest.raises(SourceError) as caught:
        fetch(_fetcher(fake), id_list=["1706.03762"])
    assert str(caught.value) == (
        "arxiv: export.arxiv.org is limiting requests; gave up after 5 attempts, try again in a few minutes"
    )
    assert len(fake.calls) == 5


def test_rate_exceeded_reaching_the_parser_is_still_explained() -> None:
    with pytest.raises(SourceError, match="limiting requests .it answered 'Rate exceeded.'"):
        parse_feed(b"Rate exceeded.\n")


# --- paging ---


def _pages(fake: FakeTransport, query: str, sizes: dict[int, int]) -> None:
    for start, size in sizes.items():
        url = query_url(search_query=query, id_list=None, start=start, max_results=size)
        fake.add(url, ok(url, recorded(f"arxiv_page_{start}.xml")))


def test_pages_until_the_total_is_reached() -> None:
    fake = FakeTransport()
    _pages(fake, "cat:cs.CL", {0: 2, 2: 2, 4: 2})
    papers = fetch(_fetcher(fake), search_query="cat:cs.CL", max_results=10, page_size=2, day=DAY)
    # 2501.00002 is on two pages (revised and moved between requests): kept once, as first seen.
    assert [paper.id for paper in papers] == ["2501.00001", "2501.00002", "2501.00003", "2501.00004"]
    assert papers[1].fields["updated"] == "2025-01-02T18:00:00Z"
    assert [call.url.split("&", 1)[1] for call in fake.calls] == [
        "start=0&max_results=2",
        "start=2&max_results=2",
        "start=4&max_results=2",
    ]
    gaps = fake.gaps
    assert gaps and all(gap >= 3.0 for gap in gaps)
    assert all(paper.day == DAY for paper in papers)


def test_pages_stop_at_max_results_and_ask_only_for_what_is_missing() -> None:
    fake = FakeTransport()
    _pages(fake, "cat:cs.CL", {0: 2, 2: 1})
    papers = fetch(_fetcher(fake), search_query="cat:cs.CL", max_results=3, page_size=2)
    assert len(papers) == 3
    assert [call.url.rsplit("&", 2)[1:] for call in fake.calls] == [
        ["start=0", "max_results=2"],
        ["start=2", "max_results=1"],
    ]


def test_a_short_page_is_followed_from_where_it_ended() -> None:
    # arXiv sometimes sends fewer entries than asked for; skipping ahead by the page size would lose papers.
    fake = FakeTransport()
    _pages(fake, "cat:cs.CL", {0: 3, 2: 3, 4: 2})
    papers = fetch(_fetcher(fake), search_query="cat:cs.CL", max_results=5, page_size=3)
    assert [paper.id for paper in papers] == ["2501.00001", "2501.00002", "2501.00003", "2501.00004"]
    assert [call.url.rsplit("&", 2)[1:] for call in fake.calls] == [
        ["start=0", "max_results=3"],
        ["start=2", "max_results=3"],
        ["start=4", "max_results=2"],
    ]


def test_an_empty_page_ends_the_query() -> None:
    empty = recorded("arxiv_page_4.xml").split(b"<entry>")[0] + b"</feed>"
    url = query_url(search_query="nothing", id_list=None, start=0, max_results=50)
    fake = FakeTransport()
    fake.add(url, ok(url, empty))
    assert fetch(_fetcher(fake), search_query="nothing") == []
    assert len(fake.calls) == 1
