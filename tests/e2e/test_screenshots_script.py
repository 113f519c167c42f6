"""scripts/screenshots.py, run as docs/themes.md shows: small PNGs of the first screen."""

from __future__ import annotations

import argparse
import struct
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts/screenshots.py"


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


def test_the_script_shoots_a_theme_and_pages_into_small_pngs(tmp_path: Path, chromium: str) -> None:
    command = [sys.executable, str(SCRIPT), "--theme", "compact", "--shot", "paper:390", "--shot",
               "home:1280:dark", "--shot", "search:1280", "--shot", "cite:390",
               "--out", str(tmp_path), "--chromium", chromium]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    shots = sorted(p.name for p in tmp_path.iterdir())
    assert shots == ["compact-cite-390.png", "compact-home-1280-dark.png", "compact-paper-390.png",
                     "compact-search-1280.png"]  # fmt: skip
    assert _png_size(tmp_path / "compact-paper-390.png") == (390, 720)
    assert _png_size(tmp_path / "compact-home-1280-dark.png") == (1280, 720)
    # The search was typed and run: its results and the opened filter waited for.
    assert _png_size(tmp_path / "compact-search-1280.png") == (1280, 720)
    width, height = _png_size(tmp_path / "compact-cite-390.png")
    assert 0 < width < 390 and height < 720, "the section alone, narrower than the window"
    for name in shots:
        assert (tmp_path / name).stat().st_size < 200_000, name
    assert "compact-paper-390.png: " in done.stdout


def test_trending_is_shot_with_made_up_upvotes_and_refused_without(tmp_path: Path, chromium: str) -> None:
    command = [sys.executable, str(SCRIPT), "--theme", "default", "--shot", "trending:1280",
               "--out", str(tmp_path), "--chromium", chromium]  # fmt: skip
    refused = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert refused.returncode == 1 and "trending needs --upvotes" in refused.stderr, refused.stderr
    done = subprocess.run([*command, "--upvotes"], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert _png_size(tmp_path / "default-trending-1280.png") == (1280, 720)


def test_a_shot_is_page_width_and_maybe_dark() -> None:
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        from screenshots import Shot
    finally:
        sys.path.remove(str(SCRIPT.parent))
    assert Shot.parse("home:1280:dark") == Shot("home", 1280, True)
    assert Shot.parse("paper:390").file_name("default") == "default-paper-390.png"
    for bad in ("home", "home:wide", "nowhere:390", "home:390:light"):
        with pytest.raises(argparse.ArgumentTypeError):
            Shot.parse(bad)


def _script():
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        import screenshots
    finally:
        sys.path.remove(str(SCRIPT.parent))
    return screenshots


def test_docs_name_every_page_a_shot_can_be_and_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    import re

    docs = (REPO / "docs/themes.md").read_text(encoding="utf-8")
    listed = re.search(r"with PAGE one of (.*?)\s*\(", docs, re.S)
    assert listed, "docs/themes.md lists the pages"
    names = [name.strip() for name in listed.group(1).replace("\n", " ").split(",")]
    assert names == list(_script().PAGES)
    default = re.search(r"scripts/screenshots\.py +# (\w+): (.*)\n", docs)
    assert default, "docs/themes.md gives what the script does without arguments"
    screenshots, asked = _script(), []
    monkeypatch.setattr(screenshots, "take", lambda theme, shots, *rest: asked.append((theme, shots)) or [])
    assert screenshots.main([]) == 0
    assert asked == [(default.group(1), [screenshots.Shot.parse(s) for s in default.group(2).split()])]


def test_a_png_over_the_limit_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    screenshots = _script()
    big, small = tmp_path / "default-home-1280.png", tmp_path / "default-paper-390.png"
    big.write_bytes(b"\x89PNG" + bytes(200_001))
    small.write_bytes(b"\x89PNG" + bytes(1_000))
    monkeypatch.setattr(screenshots, "take", lambda *args: [small, big])
    assert screenshots.main(["--out", str(tmp_path)]) == 1
    assert "larger than 200000 bytes" in capsys.readouterr().err
    monkeypatch.setattr(screenshots, "take", lambda *args: [small])
    assert screenshots.main(["--out", str(tmp_path)]) == 0
