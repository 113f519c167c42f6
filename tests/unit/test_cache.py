import pickle

from sitegen.cache import ParseCache, content_fingerprint, pickle_papers, write_papers


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


def test_the_fingerprint_from_the_load_digests_equals_one_read_from_disk(tmp_path):
    files = []
    for name, text in (("a.yaml", b"one"), ("b.yaml", b"two")):
        (tmp_path / name).write_bytes(text)
        files.append((name, tmp_path / name))
    cache = ParseCache(tmp_path / "cache", "UTC")
    put(cache, "a.yaml", b"one", ["A"])  # b.yaml not in the cache: read from disk
    assert cache.digests().keys() == {"a.yaml"}
    from_disk = content_fingerprint(files, "UTC")
    assert content_fingerprint(files, "UTC", cache.digests()) == from_disk
    (tmp_path / "b.yaml").write_bytes(b"two, edited")
    assert content_fingerprint(files, "UTC", cache.digests()) != from_disk


def test_library_versions_are_those_importlib_metadata_reports():
    from importlib import metadata

    from sitegen.cache import _versions

    found = _versions(("jinja2", "pyromark", "no-such-library"))
    assert found == {
        "jinja2": metadata.version("jinja2"),
        "pyromark": metadata.version("pyromark"),
        "no-such-library": "?",
    }
