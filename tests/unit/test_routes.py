from pathlib import Path

import pytest

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
