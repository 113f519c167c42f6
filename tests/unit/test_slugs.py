"""Slugs of tag and author names: transliterated, stable for the names that had
good ones, and never two names on one page by accident."""

from __future__ import annotations

import hashlib
import random
import re
import string
import unicodedata
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sitegen.config import load_config
from sitegen.loading import load_papers
from sitegen.model import Author, Paper
from sitegen.site import build_site
from sitegen.slugs import MAX_SLUG, assign_slugs, slugify
from tests.sitekit import REPO


def old_slugify(text: str) -> str:
    """The rule before python-slugify, frozen here: what published URLs were made with."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug or "u-" + hashlib.sha1(text.encode()).hexdigest()[:12]


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Łukasz Kaiser", "lukasz-kaiser"),  # was "ukasz-kaiser"
        ("李明", "li-ming"),  # was a hash
        ("深度学习", "shen-du-xue-xi"),
        ("Дмитрий Ветров", "dmitrii-vetrov"),
        ("Øyvind Ødegård", "oyvind-odegard"),
        ("Straße", "strasse"),
        ("Ἀθῆναι", "athenai"),
        ("東京", "dong-jing"),  # Han characters read in Mandarin, in Japanese names too
        ("한국어", "hangugeo"),
        ("すずき", "susuki"),  # kana roughly: docs/content.md says so
    ],
)
def test_names_the_old_rule_lost_letters_of_are_transliterated(name, slug):
    assert slugify(name) == slug
    assert old_slugify(name) != slug


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Speculative Decoding", "speculative-decoding"),
        ("  LLM / Agents!! ", "llm-agents"),
        ("C++", "c"),
        ("Ünïcödé", "unicode"),
        ("Émile Zola", "emile-zola"),
        ("Encoder–Decoder", "encoderdecoder"),  # an en dash is no letter: the old slug stays
        ("🚀", old_slugify("🚀")),  # nothing to transliterate: the old hash stays
    ],
)
def test_names_the_old_rule_wrote_in_full_keep_their_slugs(name, slug):
    assert slugify(name) == slug == old_slugify(name)


@given(st.text(alphabet=string.ascii_letters + string.digits + " ", max_size=60))
def test_ascii_alphanumeric_names_keep_their_slugs(name):
    assert slugify(name) == old_slugify(name)


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=60))
def test_every_ascii_name_keeps_its_slug(name):
    assert slugify(name) == old_slugify(name)


@given(st.text(alphabet="abcXYZ019 -.éÉüñçÅ", max_size=40))
def test_latin_names_with_accents_keep_their_slugs(name):
    assert slugify(name) == old_slugify(name)


@given(st.text(max_size=80))
def test_a_slug_is_safe_in_a_path_and_never_holds_a_double_hyphen(name):
    slug = slugify(name)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug), slug
    assert len(slug) <= max(MAX_SLUG, len(name))


def test_a_long_transliterated_name_is_cut_after_a_word_and_kept_apart_by_a_hash():
    one, other = "李" * 200, "李" * 199 + "明"
    assert len(slugify(one)) <= MAX_SLUG and len(slugify(other)) <= MAX_SLUG
    assert slugify(one) != slugify(other)
    assert slugify(one).startswith("li-li-") and re.search(r"-li-[0-9a-f]{12}$", slugify(one))


def _paper(pid: str, day: int, tags=(), authors=()) -> Paper:
    moment = datetime(2025, 3, day, tzinfo=timezone.utc)
    return Paper(pid, pid, moment, moment.date(), tuple(map(Author, authors)), tags=tuple(tags))


def test_names_that_share_a_slug_are_kept_apart_the_first_listed_keeping_it():
    papers = [_paper("new", 14, ["C#"]), _paper("old", 10, ["C++"]), _paper("mid", 12, ["C", "c"])]
    slugs = assign_slugs(papers, "tags")
    assert slugs.of == {"C++": "c", "C": "c--2", "c": "c--2", "C#": "c--3"}
    [clash] = slugs.clashes
    assert clash.slug == "c"
    assert [(name, slug, paper.id) for name, slug, paper in clash.names] == [
        ("C++", "c", "old"),
        ("C", "c--2", "mid"),
        ("C#", "c--3", "new"),
    ]


def test_the_order_of_content_does_not_choose_who_keeps_a_slug():
    papers = [_paper(f"p{i}", 10 + i % 3, [["C", "C#", "C++"][i % 3]]) for i in range(9)]
    first = assign_slugs(papers, "tags").of
    for seed in range(5):
        shuffled = papers[:]
        random.Random(seed).shuffle(shuffled)
        assert assign_slugs(shuffled, "tags").of == first


def test_same_day_names_are_ordered_by_paper_id_then_by_their_place_in_the_paper():
    papers = [_paper("b", 10, ["x!"]), _paper("a", 10, ["X?", "x."])]
    assert assign_slugs(papers, "tags").of == {"X?": "x", "x.": "x--2", "x!": "x--3"}


def test_newer_papers_never_move_a_name_that_has_its_page():
    before = [_paper("a", 10, ["C++"]), _paper("b", 11, ["C#"])]
    after = [*before, _paper("c", 12, ["C"]), _paper("d", 13, ["c-"])]
    assert assign_slugs(before, "tags").of.items() <= assign_slugs(after, "tags").of.items()


def test_a_kept_apart_slug_is_never_the_slug_of_another_name():
    papers = [_paper("a", 10, ["GPT"]), _paper("b", 11, ["gpt."]), _paper("c", 12, ["GPT 2"])]
    assert assign_slugs(papers, "tags").of == {"GPT": "gpt", "gpt.": "gpt--2", "GPT 2": "gpt-2"}


def test_spellings_that_differ_only_in_case_share_one_slug():
    slugs = assign_slugs(
        [_paper("a", 10, ["LLM"]), _paper("b", 11, ["llm", "Łódź"]), _paper("c", 9, ["ŁÓDŹ"])], "tags"
    )
    assert slugs.of == {"LLM": "llm", "llm": "llm", "Łódź": "lodz", "ŁÓDŹ": "lodz"}
    assert slugs.clashes == ()


@pytest.mark.parametrize("site_dir", [REPO, REPO / "tests/sites/golden/site"], ids=["sample", "golden"])
def test_every_tag_and_author_of_the_sample_and_golden_sites_keeps_its_url(site_dir: Path):
    site = build_site(load_papers(load_config(site_dir)), load_config(site_dir))
    names = [*site.tags, *site.authors]
    assert names and site.clashes == ()
    assert [n.slug for n in names] == [old_slugify(n.name) for n in names]


def test_the_golden_tree_holds_a_page_for_each_tag_and_author_slug():
    site_dir = REPO / "tests/sites/golden/site"
    site = build_site(load_papers(load_config(site_dir)), load_config(site_dir))
    expected = REPO / "tests/sites/golden/expected"
    for folder, groups in (("tags", site.tags), ("authors", site.authors)):
        pages = (
            {p.name for p in (expected / folder).iterdir() if p.is_dir()}
            if (expected / folder).is_dir()
            else set()
        )
        assert pages == {old_slugify(g.name) for g in groups}, folder


def test_python_slugify_is_imported_only_for_a_name_that_needs_transliterating():
    """docs/performance-notes.md: ASCII and accented Latin names keep the fast path; the library
    is imported at the first transliteration, not when a command starts."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from sitegen.slugs import slugify\n"
        "import sitegen.build, sitegen.cli\n"
        "assert slugify('Speculative Decoding') == 'speculative-decoding'\n"
        "assert slugify('José García') == 'jose-garcia'\n"
        "print('slugify' in sys.modules)\n"
        "slugify('Łukasz')\n"
        "print('slugify' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "True"]
