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


def test_the_related_lists_and_the_plan_are_made_with_the_gc_off_and_pages_rendered_with_it_on(
    site_factory, monkeypatch
):
    """They live to the end of the build, like the papers: a collection while
    they are made only rescans them (at 100k papers ~0.4 s of gen-1 collections
    in the plan alone, with the other core idle). Pages render with it on."""
    import sitegen.relatedupdate
    import sitegen.render
    import sitegen.schedule

    seen: dict[str, set[bool]] = {"lists": set(), "plan": set(), "render": set()}

    def watching(name, function):
        def watched(*args, **kwargs):
            seen[name].add(gc.isenabled())
            return function(*args, **kwargs)

        return watched

    cache = sitegen.relatedupdate.RelatedCache
    monkeypatch.setattr(cache, "lists", watching("lists", cache.lists))
    monkeypatch.setattr(sitegen.schedule, "plan", watching("plan", sitegen.schedule.plan))
    renderer = sitegen.render.Renderer
    monkeypatch.setattr(renderer, "render", watching("render", renderer.render))
    papers = [paper(f"p{i}", title=f"Graph paper {i}", abstract="graphs and more graphs") for i in range(5)]
    build(site_factory(papers))
    assert seen == {"lists": {False}, "plan": {False}, "render": {True}}
    assert gc.isenabled() and gc.get_freeze_count() == 0
