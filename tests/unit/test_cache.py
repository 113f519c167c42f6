import pickle

from sitegen.cache import ParseCache, pickle_papers


def test_a_file_is_reused_only_while_its_bytes_are_the_same(tmp_path):
    path = tmp_path / "papers"
    cache = ParseCache(path, "UTC")
    cache.put_pickled("a.yaml", b"one", pickle_papers(["papers of a"]))
    cache.save()
    again = ParseCache(path, "UTC")
    assert again.get("a.yaml", b"one") == ["papers of a"]
    assert again.get("a.yaml", b"one, edited") is None
    assert ParseCache(path, "Europe/Paris").get("a.yaml", b"one") is None, "settings are part of the key"


def test_a_cache_from_other_code_or_a_corrupt_one_is_ignored(tmp_path):
    folder = tmp_path / "papers"
    cache = ParseCache(folder, "UTC")
    cache.put_pickled("a.yaml", b"one", pickle_papers(["papers of a"]))
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
    cache.put_pickled("a.yaml", b"a", pickle_papers(["A"]))
    cache.put_pickled("b.yaml", b"b", pickle_papers(["B"]))
    cache.save()
    blobs = {p.name: p.stat().st_mtime_ns for p in folder.glob("*.pickle") if p.name != "index.pickle"}
    assert len(blobs) == 2
    again = ParseCache(folder, "UTC")
    assert again.get("a.yaml", b"a") == ["A"]
    again.put_pickled("b.yaml", b"b2", pickle_papers(["B2"]))
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
