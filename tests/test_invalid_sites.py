"""Each folder in tests/sites/invalid/ is a whole site with one kind of mistake.

Its expected.txt holds the exact lines a user must see, one problem per line
(``path:line: field: message``, paths relative to the site folder).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sitegen.config import load_config
from sitegen.errors import SitegenError
from sitegen.loading import load_papers

INVALID = Path(__file__).parent / "sites" / "invalid"
CASES = sorted(p for p in INVALID.iterdir() if p.is_dir())


def test_there_are_cases() -> None:
    assert len(CASES) >= 19


@pytest.mark.parametrize("site", CASES, ids=[p.name for p in CASES])
def test_invalid_site(site: Path) -> None:
    expected = (site / "expected.txt").read_text(encoding="utf-8").splitlines()
    with pytest.raises(SitegenError) as caught:
        load_papers(load_config(site))
    assert [str(p) for p in caught.value.problems] == expected
