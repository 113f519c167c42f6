"""The real command line, run as a user runs it."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.sitekit import REPO, paper, tree

INVALID = sorted(p for p in (REPO / "tests/sites/invalid").iterdir() if p.is_dir())


def sitegen(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sitegen", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_build_inside_a_site_folder(site_factory):
    site = site_factory([paper("a")])
    done = sitegen("build", cwd=site)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("built 1 paper: ") and " written, 0 unchanged, 0 removed in " in done.stdout
    assert (site / "output/papers/a/index.html").exists()


def test_build_from_anywhere_with_site_output_and_base_url(site_factory, tmp_path):
    site = site_factory([paper("a")])
    out = tmp_path / "public"
    done = sitegen("build", "--site", str(site), "--output", str(out), "--base-url", "https://x.org/p/", "-q")
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert 'href="/p/papers/a/"' in (out / "index.html").read_text()


def test_check_validates_and_writes_nothing(site_factory):
    site = site_factory([paper("a")])
    done = sitegen("check", "--site", str(site))
    assert done.returncode == 0, done.stderr
    assert "no problems" in done.stdout
    assert not (site / "output").exists() and not (site / ".sitegen-cache").exists()


@pytest.mark.parametrize("case", INVALID, ids=[p.name for p in INVALID])
def test_invalid_sites_print_their_exact_errors_and_exit_1(case):
    for command in ("check", "build"):
        done = sitegen(command, cwd=case)
        assert done.returncode == 1, done.stderr
        # cli-expected.txt: where the command says more than load_config and
        # load_papers raise, i.e. site.yaml's problems and the content's together.
        name = "cli-expected.txt" if (case / "cli-expected.txt").exists() else "expected.txt"
        expected = (case / name).read_text(encoding="utf-8").splitlines()
        lines = done.stderr.splitlines()
        assert lines[:-1] == expected
        assert lines[-1].startswith("error: ") and "nothing was written" in lines[-1]
        assert "Traceback" not in done.stderr
        assert not (case / "output").exists()


def test_errors_name_paths_relative_to_where_the_user_stands(site_factory, tmp_path):
    site = site_factory([{"id": "a", "title": "T"}])
    done = sitegen("check", "--site", str(site.relative_to(tmp_path)), cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.startswith("site/content/papers/papers.yaml:1: date: ")


def test_usage_errors_exit_2():
    assert sitegen().returncode == 2
    assert sitegen("frobnicate").returncode == 2
    assert sitegen("build", "--no-such-flag").returncode == 2


@pytest.mark.parametrize("command", [[], ["build"], ["check"], ["serve"]])
def test_every_command_has_help(command):
    done = sitegen(*command, "--help")
    assert done.returncode == 0 and "usage: sitegen" in done.stdout


def test_missing_site_yaml_is_a_clear_error(tmp_path):
    done = sitegen("build", cwd=tmp_path)
    assert done.returncode == 1
    assert "no site.yaml" in done.stderr and "Traceback" not in done.stderr


def test_serve_binds_to_loopback_by_default():
    done = sitegen("serve", "--help")
    assert "default: 127.0.0.1" in done.stdout


def test_the_sample_site_builds(tmp_path):
    done = sitegen("build", "--site", str(REPO), "--output", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    files = tree(tmp_path / "out")
    assert sum(1 for f in files if f.startswith("papers/") and f.endswith("/index.html")) == 42
    assert sum(1 for f in files if f.startswith("papers/") and f.endswith(("/cite.bib", "/cite.ris"))) == 84
    assert "papers.bib" in files
    assert "tags/interpretability/index.html" in files and "tags/brain-decoding/atom.xml" in files


def test_the_sample_home_page_stays_light(tmp_path):
    """The theme's budget: home page HTML plus its CSS under 50 KB uncompressed."""
    done = sitegen("build", "--site", str(REPO), "--output", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    size = (tmp_path / "out/index.html").stat().st_size + (tmp_path / "out/static/style.css").stat().st_size
    assert size < 50_000, size


def test_the_sample_home_page_stays_light_with_a_thumbnail_on_every_card(tmp_path):
    """The same budget when every paper has a thumbnail (each card's <img> is ~150 bytes)."""
    site = tmp_path / "site"
    shutil.copytree(REPO / "content", site / "content")
    shutil.copy(REPO / "site.yaml", site / "site.yaml")
    for file in (site / "content").rglob("*.yaml"):
        text = file.read_text(encoding="utf-8")
        with_thumbs = re.sub(
            r"^- id: (.+)$",
            r"- id: \1\n  thumbnail: https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/\1.png",
            text,
            flags=re.M,
        )
        file.write_text(with_thumbs, encoding="utf-8")
    done = sitegen("build", "--site", str(site), "--output", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    home = (tmp_path / "out/index.html").read_text(encoding="utf-8")
    assert home.count('class="card-thumb"') == 20  # per_page: every card has its image
    size = len(home.encode()) + (tmp_path / "out/static/style.css").stat().st_size
    assert size < 50_000, size
