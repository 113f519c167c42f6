"""The digest of sitegen's own code and of the libraries that shape output:
part of every cache key (cache.ParseCache) and of every output's (theme_digest)."""

from __future__ import annotations

import functools
import hashlib
import os
import sys
from pathlib import Path


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """sitegen's own code and the versions of the libraries that shape output:
    an upgrade or a local code change must not reuse pages made by the old code."""
    h = hashlib.blake2b(digest_size=16)
    package = Path(__file__).parent
    # Every module, the subpackages' too: pages/ makes each page's values.
    for name in sorted(path.relative_to(package).as_posix() for path in package.rglob("*.py")):
        h.update(f"{name}\n".encode())
        h.update((package / name).read_bytes())
    for name, version in _versions(_OUTPUT_LIBRARIES).items():
        h.update(f"{name}={version}\n".encode())
    return h.hexdigest()


_OUTPUT_LIBRARIES = ("jinja2", "markupsafe", "pyromark", "latex2mathml", "nh3", "feedgen", "pylatexenc")
_OUTPUT_LIBRARIES += ("pagefind_bin",)  # the search index
_OUTPUT_LIBRARIES += ("pyyaml",)  # what a content file parses to (libyaml, where the fast reader gives up)


def _versions(names: tuple[str, ...]) -> dict[str, str]:
    """Installed version of each library ('?' if none): read from the
    name-version.dist-info folders on sys.path, the first found winning, as
    importlib.metadata does, but without importing it (~50 ms, every build);
    that is the fallback for anything installed some other way."""
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            listing = os.listdir(entry or ".")
        except OSError:
            continue
        for item in listing:
            if item.endswith(".dist-info"):
                name, _, version = item.removesuffix(".dist-info").partition("-")
                name = name.lower().replace("-", "_").replace(".", "_")
                if name in names and version:
                    found.setdefault(name, version)
    missing = [name for name in names if name not in found]
    if missing:
        from importlib import metadata

        for name in missing:
            try:
                found[name] = metadata.version(name)
            except metadata.PackageNotFoundError:
                found[name] = "?"
    return {name: found[name] for name in names}
