"""code_digest keys the parse cache and every output: a change to any of sitegen's modules,
a page kind's module under pages/ included, must make the next build render again instead
of keeping pages the old code made."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import sitegen


def _digest_of(root: Path, *first: Path) -> str:
    """code_digest() of the package under ``root``, with ``first`` ahead of it on sys.path."""
    code = "from sitegen.codedigest import code_digest; print(code_digest())"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(map(str, [*first, root]))}
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=root, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_change_to_any_module_changes_the_code_digest(tmp_path):
    copy = tmp_path / "sitegen"
    shutil.copytree(Path(sitegen.__file__).parent, copy, ignore=shutil.ignore_patterns("__pycache__"))
    before = _digest_of(tmp_path)
    assert before == _digest_of(tmp_path), "the same code, the same digest"
    seen = {before}
    for module in ("pages/paper.py", "render.py", "importers/arxiv.py"):
        with open(copy / module, "a", encoding="utf-8") as file:
            file.write("\n# changed\n")
        digest = _digest_of(tmp_path)
        assert digest not in seen, f"a change to {module} left the code digest as it was"
        seen.add(digest)
    (copy / "pages" / "paper.py").rename(copy / "pages" / "paper2.py")
    assert _digest_of(tmp_path) not in seen, "a module renamed changes the digest"


def test_another_pyyaml_changes_the_code_digest(tmp_path):
    """What a content file parses to is PyYAML's wherever the fast reader gives up: another
    release must not reuse the papers (parse cache) or pages the old one made."""
    shadow = tmp_path / "shadow"
    (shadow / "PyYAML-99.0.dist-info").mkdir(parents=True)  # found first on sys.path
    package_root = Path(sitegen.__file__).parents[1]
    assert _digest_of(package_root) != _digest_of(package_root, shadow)
