"""Every input costs bounded work: each limit under ``limits:`` in site.yaml is
a clear error within moments, in little memory, and can be raised."""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import pytest
import yaml

from sitegen.config import load_config
from sitegen.errors import ContentError
from sitegen.limits import DEFAULT_LIMITS
from sitegen.loading import load_papers
from tests.sitekit import write_site

HEAD = "id: x\ntitle: T\ndate: 2025-03-14\n"
# The 585 bytes: ten levels of nine aliases of the level before, 9**10 strings expanded.
ALIAS_BOMB = (
    HEAD
    + "# ten levels, each nine aliases of the one before: 3,486,784,401 lol\n"
    + "extra:\n"
    + '  a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
    + "".join(
        f"  {c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefghi", "bcdefghij", strict=True)
    )
)


def site_with(tmp_path: Path, text: str, name: str = "a.yaml", **limits: int) -> Path:
    site = write_site(tmp_path / "site", None, **({"limits": limits} if limits else {}))
    (site / "content/papers" / name).write_text(text, encoding="utf-8")
    return site


def problems(site: Path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_papers(load_config(site))
    return [str(p) for p in caught.value.problems]


def test_a_585_byte_alias_bomb_fails_fast_in_little_memory(tmp_path):
    site = site_with(tmp_path, ALIAS_BOMB)
    assert len(ALIAS_BOMB.encode()) == 585
    config = load_config(site)
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(ContentError) as caught:
        load_papers(config)
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert [str(p) for p in caught.value.problems] == [
        "content/papers/a.yaml: invalid YAML: aliases repeat more than limits.aliases (100,000) values"
    ]
    assert seconds < 2
    assert peak < 20_000_000


def test_aliases_within_the_limit_load_and_the_limit_can_be_raised(tmp_path):
    text = HEAD + "extra:\n  a: &a [1, 2, 3]\n  b: [*a, *a]\n"
    assert load_papers(load_config(site_with(tmp_path / "ok", text)))[0].extra["b"] == [[1, 2, 3]] * 2
    assert problems(site_with(tmp_path / "low", text, aliases=7)) == [
        "content/papers/a.yaml: invalid YAML: aliases repeat more than limits.aliases (7) values"
    ]


def test_a_50_mb_abstract_is_refused_unread(tmp_path):
    site = site_with(tmp_path, HEAD + "abstract: " + "word " * 10_000_000 + "\n")
    config = load_config(site)
    tracemalloc.start()
    started = time.perf_counter()
    found = problems(site)
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert found == [
        "content/papers/a.yaml: file is 50,000,043 bytes, more than limits.file_size (10,000,000); "
        "split it or raise the limit"
    ]
    assert seconds < 2 and peak < 5_000_000, "the file was not read"
    assert config.limits.file_size == 10_000_000


def test_an_abstract_over_the_text_limit(tmp_path):
    site = site_with(tmp_path, HEAD + "abstract: " + "a" * 100_001 + "\nnote: |\n  " + "b" * 50 + "\n")
    assert problems(site) == [
        "content/papers/a.yaml:4: abstract: 100,001 characters, more than limits.text_length (100,000)"
    ]
    raised = site_with(tmp_path / "raised", HEAD + "abstract: " + "a" * 100_001 + "\n", text_length=200_000)
    assert len(load_papers(load_config(raised))[0].abstract) == 100_001
    assert problems(site_with(tmp_path / "note", HEAD + "note: " + "b" * 51 + "\n", text_length=50)) == [
        "content/papers/a.yaml:4: note: 51 characters, more than limits.text_length (50)"
    ]


def test_1000_tags_on_one_paper(tmp_path):
    tags = ", ".join(f"t{i}" for i in range(1000))
    started = time.perf_counter()
    assert problems(site_with(tmp_path, HEAD + f"tags: [{tags}]\n")) == [
        "content/papers/a.yaml:4: tags: 1,000 tags, more than limits.tags (100)"
    ]
    assert time.perf_counter() - started < 2
    hundred = ", ".join(f"t{i}" for i in range(100))
    assert (
        len(load_papers(load_config(site_with(tmp_path / "ok", HEAD + f"tags: [{hundred}]\n")))[0].tags)
        == 100
    )


def test_authors_per_paper(tmp_path):
    names = "".join(f"  - Author {i}\n" for i in range(4))
    assert problems(site_with(tmp_path, HEAD + "authors:\n" + names, authors=3)) == [
        "content/papers/a.yaml:4: authors: 4 authors, more than limits.authors (3)"
    ]
    assert DEFAULT_LIMITS.authors == 1000


def test_names_and_one_line_fields(tmp_path):
    text = HEAD.replace("title: T", "title: " + "T" * 11) + f"tags: [{'t' * 6}]\nauthors: [{'A' * 6}]\n"
    assert problems(site_with(tmp_path, text, field_length=10, name_length=5)) == [
        "content/papers/a.yaml:2: title: 11 characters, more than limits.field_length (10)",
        "content/papers/a.yaml:4: tags[0]: 6 characters, more than limits.name_length (5)",
        "content/papers/a.yaml:5: authors[0]: 6 characters, more than limits.name_length (5)",
    ]


@pytest.mark.parametrize("depth", [101, 400, 990])
def test_deep_nesting_under_extra(tmp_path, depth):
    site = site_with(tmp_path, HEAD + "extra:\n  deep: " + "[" * depth + "]" * depth + "\n")
    found = problems(site)
    assert len(found) == 1
    assert found[0].startswith("content/papers/a.yaml:")
    assert "nested" in found[0] and "Traceback" not in found[0]


def test_nesting_up_to_the_limit_loads(tmp_path):
    site = site_with(tmp_path, HEAD + "extra:\n  deep: " + "[" * 99 + "]" * 99 + "\n")
    assert load_papers(load_config(site))[0].extra["deep"]
    assert problems(site_with(tmp_path / "low", HEAD + "extra: {a: [[1]]}\n", nesting=2)) == [
        "content/papers/a.yaml:4: extra.a[0]: lists and mappings nested more than limits.nesting (2) deep"
    ]


def test_deep_json_is_an_error_not_a_crash(tmp_path):
    text = '{"id": "x", "title": "T", "date": "2025-03-14", "extra": {"a": ' + "[" * 5000 + "]" * 5000 + "}}"
    assert problems(site_with(tmp_path, text, name="a.json")) == [
        "content/papers/a.json: invalid JSON: nested too deeply"
    ]


def test_deep_values_in_other_fields_are_shown_short(tmp_path):
    site = site_with(tmp_path, HEAD.replace("title: T", "title: " + "[" * 900 + "]" * 900))
    found = problems(site)
    assert len(found) == 1 and len(found[0]) < 200


def test_limits_in_site_yaml_are_checked(tmp_path):
    site = write_site(tmp_path / "s", [])
    settings = yaml.safe_load((site / "site.yaml").read_text())
    del settings["search"]  # write_site's last line; the limits take its place
    settings["limits"] = {"tags": 0, "nesting": 1000, "tgas": 3, "file_size": "10MB"}
    (site / "site.yaml").write_text(yaml.safe_dump(settings, sort_keys=False))
    from sitegen.errors import ConfigError

    with pytest.raises(ConfigError) as caught:
        load_config(site)
    assert [str(p) for p in caught.value.problems] == [
        "site.yaml:5: limits.tags: expected a whole number of at least 1, got 0",
        "site.yaml:6: limits.nesting: must be at most 500",
        "site.yaml:7: limits.tgas: unknown limit; choose from file_size, tags, authors, text_length, "
        "field_length, name_length, nesting, aliases",
        "site.yaml:8: limits.file_size: expected a whole number of at least 1, got '10MB'",
    ]


def test_messages_stay_short_whatever_the_value(tmp_path):
    found = problems(site_with(tmp_path, HEAD + "upvotes: " + "9" * 5000 + "\n"))
    assert len(found) == 1 and len(found[0]) < 250, found
    assert found[0].startswith("content/papers/a.yaml:4: upvotes: invalid int '99999")
    found = problems(site_with(tmp_path / "key", HEAD + "k" * 1000 + ": 1\n"))  # YAML's longest plain key
    assert found == [
        "content/papers/a.yaml:4: " + "k" * 57 + "...: unknown field; custom data goes under 'extra'"
    ]


def test_a_50_mb_abstract_under_a_raised_file_size_meets_the_text_limit(tmp_path):
    block = ("  " + "word " * 20 + "\n") * 500_000  # 51 MB of literal block
    site = site_with(tmp_path, HEAD + "abstract: |\n" + block, file_size=100_000_000)
    started = time.perf_counter()
    assert problems(site) == [
        "content/papers/a.yaml:4: abstract: 50,500,000 characters, more than limits.text_length (100,000)"
    ]
    assert time.perf_counter() - started < 10


def test_a_lowered_limit_applies_to_files_the_parse_cache_already_holds(tmp_path: Path) -> None:
    from sitegen.build import build
    from sitegen.errors import ContentError

    site = tmp_path / "site"
    (site / "content/papers").mkdir(parents=True)
    (site / "site.yaml").write_text("title: T\nbase_url: https://e.org/\n", encoding="utf-8")
    (site / "content/papers/a.yaml").write_text(
        "- id: a\n  title: A\n  date: 2025-03-14\n  tags: [x, y, z]\n", encoding="utf-8"
    )
    assert build(site).papers == 1  # the file's papers are now in .sitegen-cache
    lowered = "title: T\nbase_url: https://e.org/\nlimits: {tags: 2}\n"
    (site / "site.yaml").write_text(lowered, encoding="utf-8")
    with pytest.raises(ContentError, match="tags"):
        build(site)
