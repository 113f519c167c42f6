"""A load given what the up-to-date check listed and hashed (loading.Seen)
takes each file's papers from the parse cache by the check's digest, unread,
and reads only the files the cache lacks: each file's papers are those of the
bytes whose digest Seen.loaded() names, the check's or, for a file read again
and found changed, the load's; with nothing changed in between, the papers are
a plain load's."""

from __future__ import annotations

import itertools
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitegen import loading
from sitegen.cache import ParseCache, content_digest, file_digests
from sitegen.config import load_config
from sitegen.loading import Seen, content_files, load_papers

_sites = itertools.count()


def _text(number: int, version: int) -> str:
    return f"id: p{number}\ntitle: Paper {number} version {version}\ndate: 2025-03-14\n"


def _write(site: Path, versions: list[int]) -> None:
    for number, version in enumerate(versions):
        path = site / "content" / "papers" / f"{number % 2}" / f"{number}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_text(number, version), encoding="utf-8")


def _site(root: Path) -> Path:
    site = root / f"site{next(_sites)}"
    (site / "content" / "papers").mkdir(parents=True)
    (site / "site.yaml").write_text("title: T\nbase_url: https://example.org/\n")
    return site


def seen_now(site: Path) -> Seen:
    """What build._content_seen takes: the listing, and each file read and hashed."""
    files = content_files(load_config(site), path_type=str)
    return Seen(files, file_digests(files))


VERSIONS = st.integers(0, 2)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    files=st.lists(st.tuples(VERSIONS, VERSIONS, VERSIONS), min_size=1, max_size=6),
    filled=st.booleans(),
    workers=st.sampled_from([1, 2]),
)
def test_a_load_from_the_checks_digests_takes_each_file_as_seen_loaded_names_it(
    tmp_path_factory, monkeypatch, files, filled, workers
):
    """Each file: its version when the cache was filled, when the check read
    it, and when the load ran; the cache filled or new (a load across forks)."""
    monkeypatch.setattr(loading, "PARALLEL_PARSE_FILES", 0)
    root = tmp_path_factory.mktemp("seen")
    site = _site(root)
    store = root / "papers.sqlite"
    before, at_check, at_load = (list(versions) for versions in zip(*files, strict=True))
    if filled:
        _write(site, before)
        cache = ParseCache(store, "UTC")
        load_papers(load_config(site), cache)
        cache.save()
    _write(site, at_check)
    seen = seen_now(site)
    _write(site, at_load)
    config = load_config(site)
    got = load_papers(config, ParseCache(store, "UTC"), workers, seen=seen)

    loaded = seen.loaded()
    assert loaded.keys() == {name for name, _ in seen.files}
    versions = [0] * len(files)
    for name, digest in loaded.items():  # each file as the load took it: as checked, or as read since
        number = int(Path(name).stem)
        [versions[number]] = {
            v
            for v in (at_check[number], at_load[number])
            if content_digest(_text(number, v).encode()) == digest
        }
    reference_site = _site(root)
    _write(reference_site, versions)
    reference = load_papers(load_config(reference_site))
    assert got == reference, "each file's papers are those of the bytes Seen.loaded() names"
    if at_check == at_load:
        assert not seen.changed and got == load_papers(config), "nothing changed: a plain load's papers"
