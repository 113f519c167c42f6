import posixpath
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.config import Config
from sitegen.routes import Routes, is_valid_id, output_file, paper_slug


def routes(base_url: str) -> Routes:
    return Routes(Config(site_dir=Path("."), title="T", base_url=base_url))


@pytest.mark.parametrize(
    "paper_id", ["2403.09629", "2403.09629v2", "hep-th/9901001", "math.GT/0309136", "my-paper_1"]
)
def test_valid_ids(paper_id):
    assert is_valid_id(paper_id)


@pytest.mark.parametrize(
    "paper_id",
    ["../etc", "a/b", "/abs", "..", "a/../b", ".hidden", "x.", "with space", "ünïcode", "a\\b", ""],
)
def test_ids_that_could_escape_or_break_paths_are_refused(paper_id):
    assert not is_valid_id(paper_id)
    with pytest.raises(ValueError):
        paper_slug(paper_id)


def test_old_arxiv_ids_map_to_one_safe_folder():
    assert paper_slug("hep-th/9901001") == "hep-th-9901001"
    assert routes("https://e.org/").paper("hep-th/9901001") == "papers/hep-th-9901001/"


def test_urls_keep_the_base_url_sub_path():
    r = routes("https://someone.github.io/papers/")
    assert r.url(r.tag("llm", 2)) == "/papers/tags/llm/page/2/"
    assert r.absolute(r.feed("atom")) == "https://someone.github.io/papers/atom.xml"
    assert r.url(r.home()) == "/papers/"


def test_output_files_are_index_html_and_stay_inside():
    assert output_file("") == "index.html"
    assert output_file("days/2025-03-14/") == "days/2025-03-14/index.html"
    with pytest.raises(ValueError):
        output_file("../x/")


# --- is_valid_id against the rule it was first written as (kept here as the reference) ---

_REFERENCE_SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_REFERENCE_OLD_ARXIV = re.compile(r"[a-z-]+(\.[A-Z]{2})?/\d{7}(v\d+)?")


def _reference_is_valid_id(paper_id: str) -> bool:
    if len(paper_id) > 200 or paper_id.endswith(".") or ".." in paper_id:
        return False
    return bool(_REFERENCE_SLUG.fullmatch(paper_id) or _REFERENCE_OLD_ARXIV.fullmatch(paper_id))


# Characters a path trick or a broken page name is made of: separators, dots,
# control characters, spaces, Unicode letters and digits (Arabic-Indic, fullwidth),
# look-alike dots and slashes, and the characters ids are made of.
_AWKWARD = st.sampled_from(
    list("./\\-_ \t\n\r\x00\x1f\x7f%:?#~")
    + ["\u0660", "\u0665", "\uff11", "\u2024", "\u2025", "\u2215", "\uff0f", "\u00e9", "\u0130", "\u212a"]
    + list("aZz09vAT")
)
_ID_PARTS = st.sampled_from(
    ["..", ".", "/", "../", "..\\", "2403", "09629", "v2", "hep-th", "math", ".GT", "9901001", "0309136", "x"]
)


@settings(max_examples=3000, deadline=None)
@given(
    st.one_of(
        st.text(max_size=30),
        st.text(_AWKWARD, max_size=30),
        st.lists(_ID_PARTS, max_size=6).map("".join),
        st.lists(st.one_of(_ID_PARTS, _AWKWARD), max_size=8).map("".join),
        st.from_regex(_REFERENCE_SLUG, fullmatch=True),
        st.from_regex(_REFERENCE_OLD_ARXIV, fullmatch=True),
        st.integers(190, 210).map(lambda n: "a" * n),
        st.integers(190, 210).map(lambda n: "hep-th/9901001".rjust(n, "a")),
    )
)
def test_an_id_is_valid_exactly_when_the_reference_rule_says_and_a_refused_one_makes_no_route(paper_id):
    r = routes("https://e.org/sub/")
    valid = _reference_is_valid_id(paper_id)
    assert is_valid_id(paper_id) == valid
    if not valid:
        for make in (paper_slug, r.paper, lambda i: r.paper_citation(i, "ris")):
            with pytest.raises(ValueError):
                make(paper_id)
        return
    # An accepted id is one folder right inside papers/: no separator, no dot
    # folder, nothing a file system or a URL would read otherwise.
    slug = paper_slug(paper_id)
    assert "/" not in slug and "\\" not in slug and slug not in ("", ".", "..")
    assert slug.isprintable() and " " not in slug
    route = r.paper(paper_id)
    assert route == f"papers/{slug}/"
    assert posixpath.normpath(output_file(route)) == f"papers/{slug}/index.html"
    assert r.paper_citation(paper_id, "bibtex") == f"papers/{slug}/cite.bib"


@pytest.mark.parametrize(
    "paper_id",
    ["2403.09629.", "2403..09629", "a" * 201, "2403.0962\u0669", "2403.\uff10", "\u0661.2", ".2403", "2403.",
     "24\u202403", "hep-th/99010011.", "hep-th/9901001/", "hep-th\\9901001", "2403.09629\n", "\x002403"],
)  # fmt: skip
def test_near_misses_of_the_common_id_are_refused(paper_id):
    assert not is_valid_id(paper_id)
    with pytest.raises(ValueError):
        routes("https://e.org/").paper(paper_id)


def test_the_longest_id_is_valid_and_one_more_character_is_not():
    assert is_valid_id("2" * 100 + "." + "3" * 99)
    assert not is_valid_id("2" * 100 + "." + "3" * 100)
    assert is_valid_id("hep-th/9901001".rjust(200, "a")) and not is_valid_id("hep-th/9901001".rjust(201, "a"))
