"""An output's key is made of the bytes ``render.key_bytes`` gives for what it
shows: they must differ whenever the repr the keys were made of differs, and
be the same for equal values whichever objects hold them (in any process)."""

from __future__ import annotations

import copy
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from sitegen.render import key_bytes

# Few distinct leaves, so that two draws are often equal, or nearly.
_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-2, 2),
    st.sampled_from([0.0, -0.0, 1.0, 2**40, -(2**70)]),
    st.text("ab\ud800é", max_size=2),
    st.text("ab", max_size=2).map(Markup),
    st.sampled_from([date(2025, 3, 14), date(2025, 3, 15)]),
)
_values = st.recursive(
    _leaves, lambda inner: st.lists(inner, max_size=3) | st.tuples(inner, inner), max_leaves=8
)


@given(_values, _values)
def test_two_values_have_the_same_bytes_exactly_when_their_reprs_agree(a, b) -> None:
    assert (key_bytes(a) == key_bytes(b)) == (repr(a) == repr(b))


def _fresh(value):
    """An equal value made of other objects: each string built anew."""
    if isinstance(value, Markup):
        return Markup("".join(list(value)))
    if isinstance(value, str):
        return "".join(list(value))
    if isinstance(value, list):
        return [_fresh(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_fresh(v) for v in value)
    return copy.copy(value)


@given(_values)
def test_equal_values_held_by_other_objects_have_the_same_bytes(value) -> None:
    shared = (value, value, "slug-x", "slug-x")  # one object twice: marshal 3+ writes it as a reference
    apart = (_fresh(value), _fresh(value), "".join(["slug", "-x"]), "".join(["slug-", "x"]))
    assert key_bytes(shared) == key_bytes(apart)


def test_a_list_of_digests_is_keyed_without_repr() -> None:
    """What most outputs show (names, slugs, digests, counts) takes the fast
    path; a date, or a Markup, takes repr's."""
    assert key_bytes(("name", "slug", None, ["0" * 24] * 3, 12)).startswith(b"m")
    assert key_bytes([date(2025, 3, 14)]).startswith(b"r")
    assert key_bytes(Markup("x")).startswith(b"r")


# --- a paper's cite files: one key made for both (Renderer._cite_key) ---

_TITLES = ["Graphs", "Graphs again", "Tensors"]
_AUTHORS = [["Ada"], ["Bo"], ["Ada", "Bo"]]
_paper_fields = st.fixed_dictionaries(
    {
        "title": st.sampled_from(_TITLES),
        "authors": st.sampled_from(_AUTHORS),
        "date": st.sampled_from(["2025-03-14", "2025-03-15"]),
        "abstract": st.sampled_from(["One.", "Two."]),
    }
)
# Papers p0..p5, each there or not: a site before and after an edit.
_site_papers = st.lists(st.one_of(st.none(), _paper_fields), min_size=6, max_size=6)


def _renderer(root, papers):
    from sitegen.config import load_config
    from sitegen.loading import load_papers
    from sitegen.render import Renderer
    from sitegen.site import build_site
    from sitegen.theme import resolve_theme
    from tests.sitekit import paper, write_site

    entries = [paper(f"p{i}", **fields) for i, fields in enumerate(papers) if fields is not None]
    config = load_config(write_site(root, entries))
    return Renderer(build_site(load_papers(config), config), resolve_theme(config))


def _cite_outputs(renderer):
    from sitegen.siteplan import plan

    return [o for o in plan(renderer.site) if o.kind == "cite"]


@settings(max_examples=20, deadline=None)
@given(_site_papers, _site_papers)
def test_a_cite_files_key_changes_whenever_what_the_file_shows_does(tmp_path_factory, before, after) -> None:
    """One key a paper for its files: whenever the file's own key (of what
    pages/cite.py says it shows) differs between two sites, so does it."""
    own_of: dict[str, str] = {}  # each key made -> the file's own key
    for renderer in (
        _renderer(tmp_path_factory.mktemp("before"), before),
        _renderer(tmp_path_factory.mktemp("after"), after),
    ):
        for output in _cite_outputs(renderer):  # in plan order
            own = renderer.own_key("cite", output.key)
            assert own_of.setdefault(renderer.key(output), own) == own, "one key for two things shown"


def test_a_papers_cite_files_share_one_key_made_once(tmp_path, monkeypatch) -> None:
    from sitegen.pages import cite

    renderer = _renderer(tmp_path, [{"title": "Graphs"}, {"title": "Tensors"}, None, None, None, None])
    assert cite.shows(renderer, "p0", "bibtex") == cite.shows(renderer, "p0", "ris"), (
        "the same, whichever file"
    )
    made = []
    monkeypatch.setitem(renderer._shows, "cite", lambda *key: made.append(key) or cite.shows(*key))
    keys = [renderer.key(o) for o in _cite_outputs(renderer)]
    assert len(made) == 2, "one a paper"
    paper_key = renderer.own_key("cite", ("p0", ""))
    assert keys[:2] == [f"{paper_key}.bibtex", f"{paper_key}.ris"]
    assert len(set(keys)) == 4
