import pickle

from sitegen.cache import ParseCache


def test_a_file_is_reused_only_while_its_bytes_are_the_same(tmp_path):
    path = tmp_path / "papers.pickle"
    cache = ParseCache(path, "UTC")
    cache.put("a.yaml", b"one", ["papers of a"])
    cache.save()
    again = ParseCache(path, "UTC")
    assert again.get("a.yaml", b"one") == ["papers of a"]
    assert again.get("a.yaml", b"one, edited") is None
    assert ParseCache(path, "Europe/Paris").get("a.yaml", b"one") is None, "settings are part of the key"


def test_a_cache_from_other_code_or_a_corrupt_one_is_ignored(tmp_path):
    path = tmp_path / "papers.pickle"
    path.write_bytes(pickle.dumps(("1|0.0.1|old code|UTC", {"a.yaml": ("digest", ["stale"])})))
    assert ParseCache(path, "UTC").get("a.yaml", b"one") is None
    path.write_bytes(b"not a pickle at all")
    assert ParseCache(path, "UTC").get("a.yaml", b"one") is None
