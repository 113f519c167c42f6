"""Issue 18 item 6, "a build a newcomer can read": every module of sitegen stays under 400
lines, so that no module grows back into the 600-line ones that item split."""

from pathlib import Path

import sitegen

LIMIT = 400


def test_every_module_is_under_400_lines():
    package = Path(sitegen.__file__).parent
    sizes = {
        str(path.relative_to(package)): len(path.read_text(encoding="utf-8").splitlines())
        for path in package.rglob("*.py")
    }
    assert len(sizes) > 80, f"the package's modules were found: {len(sizes)}"
    too_long = {name: lines for name, lines in sizes.items() if lines >= LIMIT}
    assert not too_long, f"modules of {LIMIT} lines or more; split them by job: {too_long}"
