"""Nothing outside the site is read: links that lead out, pipes and devices are
errors naming the path, never its contents, and never hang or stream.

Builds that could hang run as `sitegen build` in a subprocess with a timeout.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sitegen.config import load_config
from sitegen.errors import ConfigError, ContentError, ThemeError
from sitegen.loading import content_files, load_papers
from sitegen.theme import resolve_theme, static_files, theme_digest
from tests.sitekit import REPO, paper, sitegen, write_site

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX links, pipes and devices")

SECRET = "TOKEN=hunter2-do-not-publish"


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A file outside the site, holding what must never be published or echoed."""
    path = tmp_path / "outside" / "secret.yaml"
    path.parent.mkdir()
    path.write_text(f"{SECRET}\n")
    return path


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return write_site(tmp_path / "site", [paper("a")])


def errors(result: subprocess.CompletedProcess[str]) -> list[str]:
    assert result.returncode == 1, result.stderr
    assert SECRET not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    return [line for line in result.stderr.splitlines() if line.startswith(("content/", "static/", "site"))]


def test_a_content_link_to_a_file_outside_the_site_is_an_error_that_does_not_quote_it(site, secret):
    (site / "content/papers/leak.yaml").symlink_to(secret)
    with pytest.raises(ContentError) as caught:
        load_papers(load_config(site))
    assert [str(p) for p in caught.value.problems] == [
        "content/papers/leak.yaml: is a symbolic link to outside the site folder; not read"
    ]
    result = sitegen(site, "build")
    assert errors(result) == [
        "content/papers/leak.yaml: is a symbolic link to outside the site folder; not read"
    ]
    assert not (site / "output").exists()


def test_a_link_to_etc_passwd_is_not_echoed(site):
    (site / "content/papers/passwd.yaml").symlink_to("/etc/passwd")
    result = sitegen(site, "check")
    assert result.returncode == 1
    assert "root:" not in result.stderr
    assert "content/papers/passwd.yaml: is a symbolic link to outside the site folder" in result.stderr


def test_a_fifo_in_content_is_an_error_and_does_not_hang(site):
    os.mkfifo(site / "content/papers/pipe.yaml")
    result = sitegen(site, "build", timeout=60)
    assert errors(result) == ["content/papers/pipe.yaml: is a named pipe, not a regular file; not read"]


def test_a_fifo_with_another_suffix_is_ignored_like_any_other_file(site):
    os.mkfifo(site / "content/papers/notes.txt")
    assert [p.id for p in load_papers(load_config(site))] == ["a"]


def test_dev_zero_through_a_link_is_refused_at_once(site):
    (site / "content/papers/zero.yaml").symlink_to("/dev/zero")
    result = sitegen(site, "build", timeout=60)
    assert errors(result) == [
        "content/papers/zero.yaml: is a symbolic link to outside the site folder; not read"
    ]


def test_dev_zero_as_a_static_file_is_refused_at_once(site):
    (site / "static").mkdir()
    (site / "static/zero.css").symlink_to("/dev/zero")
    result = sitegen(site, "build", timeout=60)
    assert errors(result) == ["static/zero.css: is a symbolic link to outside the site folder; not read"]


def test_a_static_link_to_the_environment_is_never_copied(site):
    (site / "static").mkdir()
    (site / "static/env.txt").symlink_to("/proc/self/environ")
    result = sitegen(site, "build")
    assert result.returncode == 1, result.stderr
    assert "static/env.txt: is a symbolic link to outside the site folder; not read" in result.stderr
    assert not (site / "output/static/env.txt").exists()


def test_a_static_fifo_is_a_theme_error(site):
    (site / "static").mkdir()
    os.mkfifo(site / "static/pipe.css")
    with pytest.raises(ThemeError, match=r"static/pipe.css: is a named pipe"):
        static_files(resolve_theme(load_config(site)))


def test_links_inside_the_site_are_followed(site):
    shared = site / "shared"
    shared.mkdir()
    (shared / "b.yaml").write_text("id: b\ntitle: B\ndate: 2025-03-15\n")
    (shared / "logo.svg").write_text("<svg/>")
    (site / "content/papers/b.yaml").symlink_to(shared / "b.yaml")
    (site / "content/papers/more").symlink_to(site / "extra-papers", target_is_directory=True)
    (site / "extra-papers").mkdir()
    (site / "extra-papers/c.yaml").write_text("id: c\ntitle: C\ndate: 2025-03-16\n")
    (site / "static").mkdir()
    (site / "static/logo.svg").symlink_to("../shared/logo.svg")
    config = load_config(site)
    assert [p.id for p in load_papers(config)] == ["b", "c", "a"]  # in file order
    assert [name for name, _ in content_files(config)] == [
        "content/papers/b.yaml",
        "content/papers/more/c.yaml",
        "content/papers/papers.yaml",
    ]
    assert static_files(resolve_theme(config))["logo.svg"].read_text() == "<svg/>"


def test_a_folder_linked_into_itself_is_read_once(site):
    (site / "content/papers/loop").symlink_to(site / "content/papers", target_is_directory=True)
    assert [p.id for p in load_papers(load_config(site))] == ["a"]


def test_a_content_folder_linked_from_outside_is_refused(tmp_path, site):
    outside = tmp_path / "elsewhere"
    (outside / "papers").mkdir(parents=True)
    (outside / "papers/x.yaml").write_text(f"id: x\ntitle: {SECRET}\ndate: 2025-03-14\n")
    (site / "site.yaml").write_text((site / "site.yaml").read_text() + "content_dir: linked\n")
    (site / "linked").symlink_to(outside, target_is_directory=True)
    with pytest.raises(ContentError) as caught:
        load_papers(load_config(site))
    assert [str(p) for p in caught.value.problems] == [
        "linked/papers: is a symbolic link to outside the site folder; not read"
    ]


def test_site_yaml_linked_from_outside_is_refused(tmp_path, secret):
    site = tmp_path / "s"
    site.mkdir()
    (site / "site.yaml").symlink_to(secret)
    with pytest.raises(ConfigError) as caught:
        load_config(site)
    assert [str(p) for p in caught.value.problems] == [
        "site.yaml: is a symbolic link to outside the site folder; not read"
    ]


def test_site_yaml_as_a_fifo_does_not_hang(tmp_path):
    site = tmp_path / "s"
    site.mkdir()
    os.mkfifo(site / "site.yaml")
    result = sitegen(site, "check", timeout=60)
    assert result.returncode == 1
    assert "site.yaml: is a named pipe, not a regular file" in result.stderr


def test_a_template_linked_from_outside_is_a_theme_error_naming_it(site, secret):
    (site / "templates").mkdir()
    (site / "templates/_card.html").symlink_to(secret)
    with pytest.raises(ThemeError) as caught:
        config = load_config(site)
        theme_digest(resolve_theme(config), config)
    assert [str(p) for p in caught.value.problems] == [
        "templates/_card.html: is a symbolic link to outside the site folder; not read"
    ]
    assert SECRET not in str(caught.value)


def test_theme_yaml_linked_from_outside_is_refused(site, secret):
    theme = site / "themes/lab"
    theme.mkdir(parents=True)
    (theme / "theme.yaml").symlink_to(secret)
    (site / "site.yaml").write_text((site / "site.yaml").read_text() + "theme: lab\n")
    with pytest.raises(ThemeError) as caught:
        resolve_theme(load_config(site))
    assert (
        str(caught.value) == "themes/lab/theme.yaml: is a symbolic link to outside the site folder; not read"
    )


def test_a_theme_name_is_not_a_path(site):
    (site / "site.yaml").write_text((site / "site.yaml").read_text() + "theme: ../../../etc\n")
    with pytest.raises(ThemeError, match="no theme named '../../../etc'"):
        resolve_theme(load_config(site))


def test_the_sample_site_still_reads_its_builtin_theme():
    config = load_config(REPO)
    theme = resolve_theme(config)
    assert "style.css" in static_files(theme)
    assert theme_digest(theme, config)


def test_a_fifo_added_after_a_build_is_found_by_the_unchanged_check_too(site):
    assert sitegen(site, "build").returncode == 0
    os.mkfifo(site / "content/papers/pipe.yaml")
    result = sitegen(site, "build", timeout=60)
    assert errors(result) == ["content/papers/pipe.yaml: is a named pipe, not a regular file; not read"]
