"""The sitemap's key (pages/sitemaps.py's ``shows``) hashes each page's route
and its last modification as the sitemap writes it: whenever two sites'
sitemaps differ, so do their keys."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

# The same instants written in other zones, a second apart, a date alone: some write
# the same sitemap, some another.
_MOMENTS = ["2025-03-14T08:00:00Z", "2025-03-14T10:00:00+02:00", "2025-03-14T08:00:01Z", "2025-03-15", None]
_papers = st.lists(
    st.one_of(
        st.none(),
        st.fixed_dictionaries(
            {"date": st.sampled_from(["2025-03-14", "2025-03-15"]), "updated": st.sampled_from(_MOMENTS)}
        ),
    ),
    min_size=4,
    max_size=4,
)


def _sitemap(root, papers):
    from sitegen.config import load_config
    from sitegen.loading import load_papers
    from sitegen.render import Renderer
    from sitegen.site import build_site
    from sitegen.siteplan import plan
    from sitegen.theme import resolve_theme
    from tests.sitekit import paper, write_site

    entries = [
        paper(f"p{i}", day=fields["date"], **({"updated": fields["updated"]} if fields["updated"] else {}))
        for i, fields in enumerate(papers)
        if fields is not None
    ]
    config = load_config(write_site(root, entries, timezone="UTC"))
    renderer = Renderer(build_site(load_papers(config), config), resolve_theme(config))
    output = next(o for o in plan(renderer.site) if o.kind == "sitemap")
    return renderer.key(output), renderer.render(output)


@settings(max_examples=40, deadline=None)
@given(_papers, _papers)
def test_the_sitemaps_key_changes_whenever_the_sitemap_does(tmp_path_factory, before, after) -> None:
    key_a, sitemap_a = _sitemap(tmp_path_factory.mktemp("before"), before)
    key_b, sitemap_b = _sitemap(tmp_path_factory.mktemp("after"), after)
    assert sitemap_a == sitemap_b or key_a != key_b


def test_a_second_later_is_another_key_and_another_zone_the_same(tmp_path) -> None:
    def key(name, updated):
        return _sitemap(tmp_path / name, [{"date": "2025-03-14", "updated": updated}])

    first, later, paris = key("a", _MOMENTS[0]), key("b", _MOMENTS[2]), key("c", _MOMENTS[1])
    assert first[0] != later[0] and first[1] != later[1]
    assert first == paris  # the same instant: the same sitemap, and key


def test_the_two_sides_of_a_fold_are_two_moments_in_the_sitemap() -> None:
    """01:30 on the night New York's clocks go back happens twice, an hour
    apart; the two datetimes are equal in their zone (and hash alike), so a
    cache keyed by the moment alone wrote the second as the first."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from sitegen.sitemap import w3c

    first = datetime(2025, 11, 2, 1, 30, tzinfo=ZoneInfo("America/New_York"))
    second = first.replace(fold=1)
    assert first == second
    assert (w3c(first), w3c(second)) == ("2025-11-02T05:30:00Z", "2025-11-02T06:30:00Z")
