"""An output's key is made of the bytes ``render.key_bytes`` gives for what it
shows: they must differ whenever the repr the keys were made of differs, and
be the same for equal values whichever objects hold them (in any process)."""

from __future__ import annotations

import copy
from datetime import date

from hypothesis import given
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
