import pickle

from sitegen.cache import ParseCache, pickle_papers, write_papers


def put(cache: ParseCache, name: str, raw: bytes, papers: list) -> None:
    """What the loader does for a file it validated."""
    slot = cache.slot(name, raw)
    assert slot is not None and write_papers(slot, pickle_papers(papers))
    cache.written(name, raw)


def test_a_file_is_reused_only_while_its_bytes_are_the_same(tmp_path):
    path = tmp_path / "papers"
    cache = ParseCache(path, "UTC")
    put(cache, "a.yaml", b"one", ["papers of a"])
    cache.save()
    again = ParseCache(path, "UTC")
    assert again.get("a.yaml", b"one") == ["papers of a"]
    assert again.get("a.yaml", b"one, edited") is None
    assert ParseCache(path, "Europe/Paris").get("a.yaml", b"one") is None, "settings are part of the key"


def test_a_cache_from_other_code_or_a_corrupt_one_is_ignored(tmp_path):
    folder = tmp_path / "papers"
    cache = ParseCache(folder, "UTC")
    put(cache, "a.yaml", b"one", ["papers of a"])
    cache.save()
    index = folder / "index.pickle"
    key, entries = pickle.loads(index.read_bytes())
    index.write_bytes(pickle.dumps(("1|0.0.1|old code|UTC", entries)))
    assert ParseCache(folder, "UTC").get("a.yaml", b"one") is None
    index.write_bytes(b"not a pickle at all")
    assert ParseCache(folder, "UTC").get("a.yaml", b"one") is None


def test_an_edit_rewrites_one_file_and_removes_what_is_gone(tmp_path):
    folder = tmp_path / "papers"
    cache = ParseCache(folder, "UTC")
    put(cache, "a.yaml", b"a", ["A"])
    put(cache, "b.yaml", b"b", ["B"])
    cache.save()
    blobs = {p.name: p.stat().st_mtime_ns for p in folder.glob("*.pickle") if p.name != "index.pickle"}
    assert len(blobs) == 2
    again = ParseCache(folder, "UTC")
    assert again.get("a.yaml", b"a") == ["A"]
    put(again, "b.yaml", b"b2", ["B2"])
    again.save()
    after = {p.name: p.stat().st_mtime_ns for p in folder.glob("*.pickle") if p.name != "index.pickle"}
    assert len(after) == 2 and len(set(after) & set(blobs)) == 1, "a.yaml's pickle kept, b's replaced"
    third = ParseCache(folder, "UTC")
    assert third.get("a.yaml", b"a") == ["A"] and third.get("b.yaml", b"b2") == ["B2"]
    third.save()  # both files seen, both unchanged: nothing to write
    fourth = ParseCache(folder, "UTC")
    fourth.get("a.yaml", b"a")
    fourth.save()  # b.yaml is gone from the site
    assert len([p for p in folder.glob("*.pickle") if p.name != "index.pickle"]) == 1


def test_a_failed_build_leaves_the_index_as_it_was(tmp_path):
    folder = tmp_path / "papers"
    cache = ParseCache(folder, "UTC")
    put(cache, "a.yaml", b"a", ["A"])
    cache.save()
    failed = ParseCache(folder, "UTC")
    put(failed, "a.yaml", b"a, edited", ["A2"])  # written during loading; the build then fails: no save()
    assert ParseCache(folder, "UTC").get("a.yaml", b"a") == ["A"]
    assert ParseCache(folder, "UTC").get("a.yaml", b"a, edited") is None
