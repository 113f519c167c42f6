"""The Hugging Face Daily Papers importer: what a listing becomes, and what it refuses."""

from __future__ import annotations

import json
from datetime import date

import pytest

from sitegen.importers.base import Imported, SourceError
from sitegen.importers.hf_daily import API, fetch_listing, listing_url, parse_listing

from .fakes import FakeTransport, ok, recorded

LISTING = "hf_daily_2025-09-08.json"


def _listing(*items: object) -> bytes:
    return json.dumps(list(items)).encode()


def test_listing_url() -> None:
    assert listing_url(None) == API == "https://huggingface.co/api/daily_papers"
    assert listing_url(date(2025, 9, 8)) == "https://huggingface.co/api/daily_papers?date=2025-09-08"


def test_an_item_with_every_field() -> None:
    full = parse_listing(recorded(LISTING))[0]
    assert full == Imported(
        id="2509.04664",
        day=date(2025, 9, 8),  # the day Hugging Face listed it, not the paper's own date
        source="hf-daily",
        fields={
            "title": "Why Language Models Hallucinate",
            "authors": ["Adam Tauman Kalai", "Ofir Nachum", "Santosh S. Vempala", "Edwin Zhang"],
            "abstract": (
                "Like students facing hard exam questions, large language models sometimes guess when"
                " uncertain, producing plausible yet incorrect statements instead of admitting uncertainty."
                "\n\nWe argue that language models hallucinate because the training and evaluation"
                " procedures reward guessing over acknowledging uncertainty."
            ),
            "links": {
                "arxiv": "https://arxiv.org/abs/2509.04664",
                "pdf": "https://arxiv.org/pdf/2509.04664",
                "code": "https://github.com/example/why-hallucinate",
                "project": "https://example.org/why-hallucinate",
                "hf": "https://huggingface.co/papers/2509.04664",
            },
            "thumbnail": "https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2509.04664.png",
            "upvotes": 118,
            "published": "2025-09-04T21:26:31Z",
        },
    )
    assert list(full.fields["links"]) == ["arxiv", "pdf", "code", "project", "hf"]  # display order


def test_an_item_with_nothing_optional() -> None:
    minimal = parse_listing(recorded(LISTING))[1]
    assert minimal == Imported(
        id="2509.03345",
        day=None,  # no date anywhere: the caller decides
        source="hf-daily",
        fields={
            "title": "A Paper With Nothing Else",
            "links": {
                "arxiv": "https://arxiv.org/abs/2509.03345",
                "pdf": "https://arxiv.org/pdf/2509.03345",
                "hf": "https://huggingface.co/papers/2509.03345",
            },
        },
    )


def test_title_falls_back_to_the_item_and_loses_control_characters() -> None:
    warnings: list[str] = []
    third = parse_listing(recorded(LISTING), warn=warnings.append)[2]
    assert third.id == "2509.02222"  # version suffix stripped
    assert third.fields["title"] == "Control Characters in a Title Wrapped"
    assert third.fields["upvotes"] == 0
    assert "thumbnail" not in third.fields  # javascript: is never kept
    assert "abstract" not in third.fields and "authors" not in third.fields  # empty is absent
    # No item-level date: the paper's own, as a UTC day.
    assert third.day == date(2025, 9, 2)
    assert warnings == ["item 2 (2509.02222): ignored malformed thumbnail"]


def test_the_users_date_wins_over_the_items() -> None:
    day = date(2025, 9, 9)
    assert {paper.day for paper in parse_listing(recorded(LISTING), day)} == {day}


def test_day_from_published_at_is_the_utc_day() -> None:
    item = {"paper": {"id": "2509.00001", "title": "T"}, "publishedAt": "2025-09-08T23:30:00-02:00"}
    assert parse_listing(_listing(item))[0].day == date(2025, 9, 9)


@pytest.mark.parametrize(
    ("count", "tags"),
    [
        (0, None),
        (2, ["hallucinations", "binary classification"]),
        # Cleaned and each kept once, so the third tag is the fifth keyword.
        (3, ["hallucinations", "binary classification", "language models"]),
        (4, ["hallucinations", "binary classification", "language models", "evaluation"]),
        (50, ["hallucinations", "binary classification", "language models", "evaluation"]),
    ],
)
def test_keyword_tags(count: int, tags: list[str] | None) -> None:
    paper = parse_listing(recorded(LISTING), keyword_tags=count)[0]
    assert paper.fields.get("tags") == tags


def test_unknown_fields_are_ignored() -> None:
    item = {
        "paper": {"id": "2509.00001", "title": "T", "newField": {"nested": [1, 2]}, "upvotes": 3},
        "somethingElse": None,
    }
    paper = parse_listing(_listing(item))[0]
    assert set(paper.fields) == {"title", "links", "upvotes"}


@pytest.mark.parametrize(
    ("item", "why"),
    [
        ("not an object", "no 'paper' object"),
        ({"title": "no paper"}, "no 'paper' object"),
        ({"paper": ["2509.00001"]}, "no 'paper' object"),
        ({"paper": {"title": "No id"}}, "no paper id"),
        ({"paper": {"id": 2509.00001, "title": "Numeric id"}}, "no paper id"),
        (
            {"paper": {"id": "../../etc/passwd", "title": "Escape"}},
            "id '../../etc/passwd' is not an arXiv id",
        ),
        ({"paper": {"id": "2509.00001/../x", "title": "Escape"}}, "id '2509.00001/../x' is not an arXiv id"),
        ({"paper": {"id": "2509.00001"}}, "2509.00001 has no title"),
        ({"paper": {"id": "2509.00001", "title": ["T"]}, "title": 7}, "2509.00001 has no title"),
    ],
)
def test_a_bad_item_is_skipped_with_a_warning_naming_its_position(item: object, why: str) -> None:
    good = {"paper": {"id": "2509.00002", "title": "Good"}}
    warnings: list[str] = []
    papers = parse_listing(
        _listing(good, item, good | {"paper": {"id": "2509.00003", "title": "Also"}}), warn=warnings.append
    )
    assert [paper.id for paper in papers] == ["2509.00002", "2509.00003"]
    assert warnings == [f"skipped item 1: {why}"]


def test_malformed_optional_fields_are_left_out_and_named() -> None:
    item = {
        "paper": {
            "id": "2509.00001",
            "title": "T",
            "upvotes": True,
            "authors": "Ada Lovelace",
            "githubRepo": "javascript:alert(1)",
            "projectPage": None,  # null is simply "not given"
            "publishedAt": "last Tuesday",
            "summary": 12,
        }
    }
    warnings: list[str] = []
    paper = parse_listing(_listing(item), warn=warnings.append)[0]
    assert set(paper.fields) == {"title", "links"}
    assert "code" not in paper.fields["links"]
    assert warnings == [
        "item 0 (2509.00001): ignored malformed githubRepo, authors, summary, upvotes, publishedAt"
    ]


def test_negative_upvotes_are_not_a_count() -> None:
    item = {"paper": {"id": "2509.00001", "title": "T", "upvotes": -3}}
    assert "upvotes" not in parse_listing(_listing(item))[0].fields


def test_an_id_listed_twice_is_kept_once() -> None:
    first = {"paper": {"id": "2509.00001", "title": "First"}}
    again = {"paper": {"id": "2509.00001v2", "title": "Again"}}
    warnings: list[str] = []
    papers = parse_listing(_listing(first, again), warn=warnings.append)
    assert [paper.fields["title"] for paper in papers] == ["First"]
    assert warnings == ["skipped item 1: 2509.00001 is listed twice"]


def test_old_style_ids_are_accepted() -> None:
    item = {"paper": {"id": "hep-th/9901001v1", "title": "Old"}}
    paper = parse_listing(_listing(item))[0]
    assert paper.id == "hep-th/9901001"
    assert paper.fields["links"]["arxiv"] == "https://arxiv.org/abs/hep-th/9901001"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            b"<!DOCTYPE html><html><head><title>Hugging Face - The AI community building the future."
            + b"x" * 5000,
            "hf-daily: the answer is not JSON"
            " ('<!DOCTYPE html><html><head><title>Hugging Face - The AI comm\u2026')",
        ),
        (b"", "hf-daily: the answer is not JSON ('')"),
        (b"\xff\xfe\x00garbage", "hf-daily: the answer is not JSON ('\ufffd\ufffdgarbage')"),
        (b"[" * 100_000, "hf-daily: the answer is not JSON ('" + "[" * 60 + "\u2026')"),
        (b'{"papers": []}', "hf-daily: expected a list of papers, got a JSON dict"),
        (b"42", "hf-daily: expected a list of papers, got a JSON int"),
        (
            b'{"error": "Invalid date\\nformat"}',
            "hf-daily: huggingface.co refused the request: Invalid date format",
        ),
    ],
)
def test_anything_but_a_list_is_one_line(body: bytes, message: str) -> None:
    with pytest.raises(SourceError) as caught:
        parse_listing(body)
    assert str(caught.value) == message


def test_an_empty_listing_is_no_papers() -> None:
    assert parse_listing(b"[]") == []


def test_fetch_listing_asks_for_the_day() -> None:
    day = date(2025, 9, 8)
    fake = FakeTransport()
    fake.add(listing_url(day), ok(listing_url(day), recorded(LISTING)))
    papers = fetch_listing(fake.fetcher("hf-daily"), day, keyword_tags=1)
    assert fake.urls == ["https://huggingface.co/api/daily_papers?date=2025-09-08"]
    assert [paper.id for paper in papers] == ["2509.04664", "2509.03345", "2509.02222"]
    assert papers[0].fields["tags"] == ["hallucinations"]
    assert {paper.day for paper in papers} == {day}


def test_fetch_listing_reports_a_failure_as_one_line() -> None:
    fake = FakeTransport()
    fake.add(API, ok(API, "", 404))
    with pytest.raises(SourceError, match=r"^hf-daily: huggingface.co answered HTTP 404 \(Not Found\)$"):
        fetch_listing(fake.fetcher("hf-daily"))
