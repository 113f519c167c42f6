"""A site's identity in its feeds: `id` in site.yaml (docs/feeds.md).

Ids are what feed readers remember: a site with an id gets ids of its own, a
site without one keeps exactly the ids sitegen always gave (its subscribers are
not re-notified), and neither depends on base_url.
"""

from __future__ import annotations

import json
import re
import shutil

import feedparser
import pytest

from sitegen.build import build
from sitegen.config import load_config
from sitegen.errors import ConfigError
from tests.sitekit import REPO, paper, write_site

GOLDEN = REPO / "tests/sites/golden"
FEEDS = ("atom.xml", "rss.xml", "feed.json")


def _ids(out, name: str = "atom.xml") -> tuple[str, list[str]]:
    """(the feed's id, its entries' ids) as a reader sees them."""
    if name == "feed.json":
        data = json.loads((out / name).read_text(encoding="utf-8"))
        return "", [item["id"] for item in data["items"]]
    parsed = feedparser.parse((out / name).read_bytes())
    return parsed.feed.get("id", ""), [entry.id for entry in parsed.entries]


def _built(tmp_path, name: str, base_url: str = "https://example.org/", **settings):
    site = write_site(
        tmp_path / name, [paper("2403.09629", tags=["llm"]), paper("hep-th/9901001")], **settings
    )
    build(site, tmp_path / f"{name}-out", base_url)
    return tmp_path / f"{name}-out"


def test_the_golden_site_has_no_id_and_its_feeds_are_unchanged(tmp_path):
    """The stored feeds predate site ids: a site without one must still give those exact bytes."""
    site = tmp_path / "site"
    shutil.copytree(GOLDEN / "site", site)
    assert load_config(site).id is None
    build(site, tmp_path / "out")
    for name in FEEDS:
        assert (tmp_path / "out" / name).read_bytes() == (GOLDEN / "expected" / name).read_bytes(), name
    tag_feeds = sorted((GOLDEN / "expected" / "tags").glob("*/atom.xml"))
    assert tag_feeds
    for expected in tag_feeds:
        built = tmp_path / "out" / expected.relative_to(GOLDEN / "expected")
        assert built.read_bytes() == expected.read_bytes()


def test_two_sites_with_their_own_ids_share_no_id(tmp_path):
    a = _built(tmp_path, "a", id="tag:alice.example,2026:")
    b = _built(tmp_path, "b", id="tag:bob.example,2026:papers")
    for name in FEEDS:
        feed_a, entries_a = _ids(a, name)
        feed_b, entries_b = _ids(b, name)
        assert len(entries_a) == len(entries_b) == 2
        assert not set(entries_a) & set(entries_b), name
    assert _ids(a)[0] == "tag:alice.example,2026:feed"
    assert _ids(b)[0] == "tag:bob.example,2026:papers/feed"
    assert _ids(a)[1] == [
        "tag:alice.example,2026:paper/2403.09629",
        "tag:alice.example,2026:paper/hep-th/9901001",
    ]
    assert _ids(b, "feed.json")[1][0] == "tag:bob.example,2026:papers/paper/2403.09629"


def test_rss_guids_and_tag_feeds_follow_the_site_id(tmp_path):
    out = _built(tmp_path, "a", id="https://alice.example/papers")
    rss = (out / "rss.xml").read_text(encoding="utf-8")
    assert '<guid isPermaLink="false">https://alice.example/papers/paper/2403.09629</guid>' in rss
    feed, entries = _ids(out / "tags" / "llm")
    assert feed == "https://alice.example/papers/tag/llm"
    assert entries == ["https://alice.example/papers/paper/2403.09629"]


def test_without_an_id_two_sites_share_the_old_ids(tmp_path):
    a, b = _built(tmp_path, "a"), _built(tmp_path, "b", base_url="https://b.example/x/")
    assert (
        _ids(a)
        == _ids(b)
        == (
            "tag:sitegen.papers,2025:feed",
            ["tag:sitegen.papers,2025:paper/2403.09629", "tag:sitegen.papers,2025:paper/hep-th/9901001"],
        )
    )


def test_ids_do_not_depend_on_base_url(tmp_path):
    site_id = "tag:alice.example,2026:"
    here = _built(tmp_path, "a", id=site_id)
    moved = _built(tmp_path, "b", base_url="https://elsewhere.example/sub/", id=site_id)
    for name in FEEDS:
        assert _ids(here, name) == _ids(moved, name)
    assert "elsewhere.example" in (moved / "atom.xml").read_text(encoding="utf-8")  # links did move


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("urn:uuid:1234", "expected a tag URI such as 'tag:example.org,2026:'"),
        ("tag:alice.example:", "not a valid tag URI: 'tag:alice.example:'"),
        ("tag:alice example,2026:", "not a valid tag URI"),
        ("tag:alice.example,2026-13:", "impossible date '2026-13'"),
        ("tag:alice.example,26:", "not a valid tag URI"),
        ("https://alice.example/?feed", "must not have a query or fragment"),
        ("", "must not be empty"),
    ],
)
def test_a_wrong_id_is_a_clear_error(tmp_path, given, message):
    site = write_site(tmp_path / "s", [], id=given)
    with pytest.raises(ConfigError) as caught:
        load_config(site)
    [problem] = caught.value.problems
    assert problem.field == "id" and problem.line == 4
    assert message in problem.message


def test_changing_the_site_id_changes_every_id(tmp_path):
    """What docs/feeds.md warns about: a new id is a new feed to every reader."""
    first = _built(tmp_path, "a", id="tag:alice.example,2026:")
    second = _built(tmp_path, "b", id="tag:alice.example,2027:")
    assert not set(_ids(first)[1]) & set(_ids(second)[1])
    assert all(re.match(r"tag:alice\.example,2027:paper/", i) for i in _ids(second)[1])
