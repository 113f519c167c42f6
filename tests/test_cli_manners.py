"""CLI manners: --version, -q/-v on every command, warnings, --strict, colour only where wanted."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sitegen import __version__
from sitegen.console import colour_wanted
from tests.sitekit import paper, write_site

SITE_ID = "tag:example.org,2026:"
ESC = "\033["


def sitegen(*args: str, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-m", "sitegen", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env=environ,
    )


def _clean_site(root: Path) -> Path:
    """No warnings: an id, every paper with an abstract, tags written one way."""
    return write_site(root, [paper("a", abstract="A.", tags=["llm"]), paper("b", abstract="B.")], id=SITE_ID)


def _untidy_site(root: Path, without_abstract: int = 2) -> Path:
    papers = [paper(f"p{i}", tags=["LLM" if i == 0 else "llm"]) for i in range(without_abstract)]
    return write_site(root, papers + [paper("ok", abstract="Fine.")])


def test_version():
    done = sitegen("--version")
    assert done.returncode == 0 and done.stdout.strip() == f"sitegen {__version__}"


def test_a_clean_site_builds_without_a_word_on_stderr(tmp_path):
    site = _clean_site(tmp_path / "s")
    for command in ("check", "build"):
        done = sitegen(command, cwd=site)
        assert done.returncode == 0 and done.stderr == "", done.stderr


def test_a_site_without_id_is_warned_once_with_how_to_add_one(tmp_path):
    site = write_site(tmp_path / "s", [paper("a", abstract="A.")])
    for command in ("check", "build"):
        done = sitegen(command, cwd=site)
        assert done.returncode == 0
        [line] = done.stderr.splitlines()
        assert line.startswith("warning: site.yaml: id: no site id")
        assert "'id: tag:example.org,20" in line and "docs/feeds.md" in line


def test_warnings_for_papers_without_abstract_and_tags_that_differ_in_case(tmp_path):
    site = _untidy_site(tmp_path / "s")
    done = sitegen("check", cwd=site)
    assert done.returncode == 0
    lines = done.stderr.splitlines()
    assert (
        "warning: tags 'LLM' and 'llm' differ only in case: they share one page; write them one way" in lines
    )
    assert "warning: content/papers/papers.yaml: abstract: paper 'p0' has no abstract" in lines
    assert "warning: content/papers/papers.yaml: abstract: paper 'p1' has no abstract" in lines
    assert not any("'ok'" in line for line in lines)


def test_many_papers_without_abstract_are_summed_up_and_listed_with_verbose(tmp_path):
    site = _untidy_site(tmp_path / "s", without_abstract=8)
    short = sitegen("check", cwd=site).stderr.splitlines()
    assert sum("has no abstract" in line for line in short) == 5
    assert "warning: 3 more papers without an abstract (-v lists every one)" in short
    full = sitegen("check", "-v", cwd=site).stderr.splitlines()
    assert sum("has no abstract" in line for line in full) == 8


def test_quiet_prints_nothing_at_all_on_success(tmp_path):
    site = _untidy_site(tmp_path / "s")
    for args in (("check", "-q"), ("build", "--quiet"), ("-q", "build")):
        done = sitegen(*args, cwd=site)
        assert done.returncode == 0
        assert (done.stdout, done.stderr) == ("", "")


def test_quiet_and_verbose_on_every_command(tmp_path):
    done = sitegen("init", str(tmp_path / "new"), "-q")
    assert done.returncode == 0 and done.stdout == "" and (tmp_path / "new/site.yaml").exists()
    done = sitegen("new", "x1", "--title", "X", "--date", "2026-01-02", "-q", cwd=tmp_path / "new")
    assert done.returncode == 0 and done.stdout == "", done.stderr
    for command in ("build", "check", "init", "new", "import"):
        assert "--quiet" in sitegen(command, "--help").stdout
        assert "--verbose" in sitegen(command, "--help").stdout
    assert sitegen("check", "-q", "-v").returncode == 2  # one or the other


def test_verbose_prints_the_timings(tmp_path):
    done = sitegen("build", "-v", cwd=_clean_site(tmp_path / "s"))
    assert done.returncode == 0
    assert "load " in done.stdout.splitlines()[-1]


def test_strict_makes_each_warning_an_error_and_writes_nothing(tmp_path):
    site = _untidy_site(tmp_path / "s")
    for command in ("check", "build"):
        done = sitegen(command, "--strict", cwd=site)
        assert done.returncode == 1
        lines = done.stderr.splitlines()
        assert lines[-1] == "error: 4 problems found (warnings are errors with --strict); nothing was written"
        assert "site.yaml: id: no site id" in done.stderr and "warning:" not in done.stderr
        assert not (site / "output").exists()


def test_strict_still_looks_when_the_site_is_unchanged_since_the_last_build(tmp_path):
    site = _untidy_site(tmp_path / "s")
    assert sitegen("build", cwd=site).returncode == 0
    index = (site / "output/index.html").stat()
    done = sitegen("build", "--strict", cwd=site)
    assert done.returncode == 1 and "has no abstract" in done.stderr
    assert (site / "output/index.html").stat().st_mtime_ns == index.st_mtime_ns


def test_strict_passes_a_clean_site(tmp_path):
    site = _clean_site(tmp_path / "s")
    done = sitegen("build", "--strict", cwd=site)
    assert done.returncode == 0 and done.stderr == ""


def test_a_broken_site_yaml_does_not_hide_the_content_problems(tmp_path):
    site = write_site(tmp_path / "s", [{"id": "a", "title": "A", "date": "2025-02-30"}], per_page=0)
    done = sitegen("check", cwd=site)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "content/papers/papers.yaml:3: date: impossible date '2025-02-30' (day is out of range for month)",
        "site.yaml:4: per_page: expected a whole number of at least 1, got 0",
        "error: 2 problems found (content checked with the defaults for the wrong settings); "
        "nothing was written",
    ]


def test_no_colour_in_a_pipe_and_none_with_no_color(tmp_path):
    site = _untidy_site(tmp_path / "s")
    assert ESC not in sitegen("check", "--strict", cwd=site).stderr
    assert ESC not in sitegen("check", cwd=site, NO_COLOR="1", FORCE_COLOR="1").stderr
    forced = sitegen("check", "--strict", cwd=site, FORCE_COLOR="1").stderr
    assert f"{ESC}1;31merror:{ESC}0m 4 problems found" in forced
    assert f"{ESC}1msite.yaml:{ESC}0m id: no site id" in forced
    warned = sitegen("check", cwd=site, FORCE_COLOR="1").stderr
    assert warned.startswith(f"{ESC}1;33mwarning:{ESC}0m ")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("stream", "environ", "wanted"),
    [
        (_Terminal(), {}, True),
        (_Terminal(), {"NO_COLOR": "1"}, False),
        (_Terminal(), {"NO_COLOR": ""}, True),  # no-color.org: only a non-empty value counts
        (_Terminal(), {"TERM": "dumb"}, False),
        (io.StringIO(), {}, False),
        (io.StringIO(), {"FORCE_COLOR": "1"}, True),
        (io.StringIO(), {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
        (io.StringIO(), {"FORCE_COLOR": "0"}, False),
    ],
)
def test_colour_only_on_a_terminal_and_never_with_no_color(stream, environ, wanted):
    assert colour_wanted(stream, environ) is wanted
