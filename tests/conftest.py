"""Shared fixtures and options."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.sitekit import write_site


@pytest.fixture(autouse=True)
def _not_on_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests see the same sitegen on a laptop and on CI (which sets CI=true, and
    sitegen then makes no spare on a cold build): a test that wants CI sets it."""
    monkeypatch.delenv("CI", raising=False)


@pytest.fixture
def site_factory(tmp_path: Path) -> Callable[..., Path]:
    def make(papers: list[dict[str, Any]] | None = None, name: str = "site", **settings: Any) -> Path:
        return write_site(tmp_path / name, papers, **settings)

    return make


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--regen-golden",
        action="store_true",
        help="rewrite tests/golden/expected/ from a fresh build (review the diff before committing)",
    )
