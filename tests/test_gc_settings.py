"""docs/performance.md, "Design decisions": the cyclic GC runs every 50,000 new objects
during a build, not at all while the papers are loaded, and what the load made is then
frozen; afterwards a long-running process (the preview) has the defaults back."""

from __future__ import annotations

import gc

import sitegen.build
from sitegen.build import build
from tests.sitekit import paper


def test_the_gc_is_off_while_loading_then_runs_every_50000_objects_and_is_restored(site_factory, monkeypatch):
    seen: dict[str, object] = {}
    load_papers = sitegen.build.load_papers
    resolve_theme = sitegen.build.resolve_theme

    def theme(*args, **kwargs):
        seen["threshold"] = gc.get_threshold()[0]
        return resolve_theme(*args, **kwargs)

    def load(*args, **kwargs):
        seen["enabled while loading"] = gc.isenabled()
        return load_papers(*args, **kwargs)

    def vet(config, papers, site):
        seen["enabled after"] = gc.isenabled()
        seen["frozen"] = gc.get_freeze_count()

    monkeypatch.setattr(sitegen.build, "resolve_theme", theme)
    monkeypatch.setattr(sitegen.build, "load_papers", load)
    before = gc.get_threshold()
    build(site_factory([paper(f"p{i}") for i in range(5)]), vet=vet)
    assert seen["threshold"] == 50_000
    assert seen["enabled while loading"] is False
    assert seen["enabled after"] is True and seen["frozen"] > 0, "what the load made is frozen"
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_a_build_whose_process_exits_with_its_objects_leaves_them_frozen(site_factory):
    """`sitegen build` hands the build's objects to ``keep`` and exits: thawed,
    they would all be scanned by the first collection after the build, on one
    core, for nothing (~0.7 s at 30k papers). A preview server's build (no
    ``keep``) thaws them, so that they can be freed (the test above)."""
    kept: list[object] = []
    try:
        build(site_factory([paper(f"p{i}") for i in range(5)]), keep=kept)
        frozen = gc.get_freeze_count()
    finally:
        gc.unfreeze()
    assert kept and frozen > 0, "the build's objects stay out of the collector's sight"
