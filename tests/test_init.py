"""`sitegen init DIR`: a new site that builds at once, written without overwriting anything."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
import yaml

from sitegen.config import load_config
from sitegen.starter import init_site
from tests.sitekit import REPO, tree
from tests.test_cli import sitegen

STARTER_FILES = {
    "site.yaml",
    "README.md",
    ".gitignore",
    "requirements.txt",
    ".github/workflows/site.yml",
    ".github/workflows/check.yml",
}
USES = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<action>[^@\s]+)@(?P<pin>.*)$", re.M)


def _today_paper() -> str:
    today = datetime.now(timezone.utc).date()
    return f"content/papers/{today.year}/{today.isoformat()}.yaml"


def test_init_writes_a_site_that_builds_and_checks(tmp_path: Path) -> None:
    site = tmp_path / "my-papers"
    done = sitegen("init", str(site), "--title", "Reading group", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    paper_file = _today_paper()
    assert set(tree(site)) == STARTER_FILES | {paper_file}
    # What it made, then what to type next.
    assert done.stdout.startswith(f"created a new site in {site.as_posix()}/:\n")
    assert f"  {paper_file}\n" in done.stdout and "  .github/workflows/check.yml\n" in done.stdout
    assert f"cd {site.as_posix()}" in done.stdout and "sitegen build" in done.stdout
    assert "sitegen serve" in done.stdout and "sitegen new" in done.stdout

    checked = sitegen("check", "--site", str(site))
    assert checked.returncode == 0, checked.stderr
    built = sitegen("build", "--site", str(site))
    assert built.returncode == 0, built.stderr
    assert built.stdout.startswith("built 1 paper: ")
    home = (site / "output/index.html").read_text(encoding="utf-8")
    assert "Reading group" in home and "Quiet-STaR" in home
    page = (site / "output/papers/2403.09629/index.html").read_text(encoding="utf-8")
    assert "<math" in page  # the example abstract's $...$ is rendered
    for made in ("tags/reasoning/index.html", "atom.xml", "rss.xml", "feed.json", "sitemap.xml"):
        assert (site / "output" / made).is_file(), made


def test_the_example_paper_is_dated_today_with_a_quoted_arxiv_id(tmp_path: Path) -> None:
    before = datetime.now(timezone.utc).date()
    done = init_site(tmp_path / "s", "T", "https://example.org/", before)
    paper_file = next(p for p in done.created if p.startswith("content/"))
    assert paper_file == f"content/papers/{before.year}/{before.isoformat()}.yaml"
    entries = yaml.safe_load((tmp_path / "s" / paper_file).read_text(encoding="utf-8"))
    assert entries[0]["id"] == "2403.09629" and entries[0]["date"] == before
    assert len(entries[0]["tags"]) >= 2 and "$" in entries[0]["abstract"]


def test_site_yaml_explains_every_setting_and_lists_sources_as_comments(tmp_path: Path) -> None:
    init_site(tmp_path / "s", "T", "https://example.org/", date(2025, 3, 14))
    text = (tmp_path / "s/site.yaml").read_text(encoding="utf-8")
    lines = text.splitlines()
    settings = [n for n, line in enumerate(lines) if re.match(r"^[a-z_]+:", line)]
    assert [lines[n].split(":")[0] for n in settings] == [
        "title", "base_url", "id", "description", "language", "timezone", "theme", "per_page", "related",
        "feeds",
    ]  # fmt: skip
    for n in settings:
        assert lines[n - 1].startswith("#"), f"no comment above {lines[n]!r}"
    for commented in ("# author:", "# sources:", "#   - hf-daily", "# import:", "#   categories:"):
        assert commented in text, commented
    config = load_config(tmp_path / "s")
    assert config.sources == () and config.timezone.key == "UTC"


@pytest.mark.parametrize(
    "title",
    [
        "A: #'\"b",
        "- a list?",
        "yes",
        "null",
        "2403.09629",
        "@handle's picks",
        "{not: a mapping}",
        "[not, a, list]",
        "*alias &anchor !tag %percent",
        "Ünïcödé — «papers» 論文",
        "trailing colon:",
        "back\\slash",
    ],
)
def test_titles_with_yaml_specials_read_back_as_given(tmp_path: Path, title: str) -> None:
    site = tmp_path / "s"
    base_url = "https://example.org/my:papers/"
    done = sitegen("init", str(site), "--title", title, "--base-url", base_url)
    assert done.returncode == 0, done.stderr
    config = load_config(site)
    assert (config.title, config.base_url) == (title, base_url)
    assert (site / "README.md").read_text(encoding="utf-8").startswith(f"# {title}\n")


def test_a_base_url_without_its_slash_gets_one(tmp_path: Path) -> None:
    assert sitegen("init", str(tmp_path / "s"), "--base-url", "https://example.org/papers").returncode == 0
    assert load_config(tmp_path / "s").base_url == "https://example.org/papers/"


def test_the_default_title_comes_from_the_folder_name(tmp_path: Path) -> None:
    assert sitegen("init", "my-reading_list", cwd=tmp_path).returncode == 0
    assert load_config(tmp_path / "my-reading_list").title == "My reading list"


@pytest.mark.parametrize("url", ["example.org", "ftp://example.org/", "https://example.org/?page=1", "/x/"])
def test_a_bad_base_url_is_a_usage_error_and_writes_nothing(tmp_path: Path, url: str) -> None:
    done = sitegen("init", str(tmp_path / "s"), "--base-url", url)
    assert done.returncode == 2
    assert "error: argument --base-url: must be " in done.stderr
    assert not (tmp_path / "s").exists()


def test_dir_that_is_a_file_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine\n", encoding="utf-8")
    done = sitegen("init", "notes.txt", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.splitlines()[0] == "notes.txt is a file; give a new folder or an empty one"
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine\n"


def test_a_folder_that_is_not_empty_is_refused_untouched(tmp_path: Path) -> None:
    site = tmp_path / "s"
    site.mkdir()
    (site / "notes.txt").write_text("mine\n", encoding="utf-8")
    done = sitegen("init", str(site))
    assert done.returncode == 1
    assert "is not empty (notes.txt)" in done.stderr and "--force" in done.stderr
    assert tree(site) == {"notes.txt": b"mine\n"}


def test_a_fresh_git_clone_counts_as_empty(tmp_path: Path) -> None:
    site = tmp_path / "s"
    (site / ".git").mkdir(parents=True)
    assert sitegen("init", str(site)).returncode == 0
    assert (site / "site.yaml").is_file()


def test_force_keeps_every_file_already_there_and_lists_it(tmp_path: Path) -> None:
    site = tmp_path / "s"
    (site / ".github/workflows").mkdir(parents=True)
    mine = {
        "site.yaml": b"title: Mine\nbase_url: https://mine.example/\n",
        "README.md": b"# my own readme\n",
        ".github/workflows/site.yml": b"name: my own workflow\n",
        "notes.txt": b"unrelated\n",
    }
    for name, data in mine.items():
        (site / name).write_bytes(data)
    done = sitegen("init", str(site), "--force", "--title", "Not used")
    assert done.returncode == 0, done.stderr
    after = tree(site)
    assert {name: after[name] for name in mine} == mine
    assert set(after) == set(mine) | STARTER_FILES | {_today_paper()}
    kept = done.stdout.split("kept, already there (not changed):\n")[1].split("\n\n")[0].split()
    assert kept == ["site.yaml", "README.md", ".github/workflows/site.yml"]
    assert sitegen("build", "--site", str(site), "-q").returncode == 0  # with the user's own site.yaml

    again = sitegen("init", str(site), "--force")
    assert again.returncode == 0 and again.stdout.startswith("nothing created: ")
    now = tree(site)
    assert {name: now[name] for name in after} == after


def test_force_never_writes_through_a_file_or_link_in_the_way(tmp_path: Path) -> None:
    site = tmp_path / "s"
    site.mkdir()
    (site / "content").write_text("a file named content\n", encoding="utf-8")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (site / ".github").symlink_to(outside)
    done = sitegen("init", str(site), "--force")
    assert done.returncode == 1
    assert "content is in the way" in done.stderr and ".github is in the way" in done.stderr
    assert set(tree(site)) == {"content"} and not any(outside.iterdir())


def test_a_failed_write_takes_back_what_init_wrote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from sitegen import cli, starter

    site = tmp_path / "new" / "s"
    opened: list[str] = []

    def full_disk(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        opened.append(str(path))
        if len(opened) == 4:
            raise OSError(28, "No space left on device", str(path))
        return open(path, *args, **kwargs)

    monkeypatch.setattr(starter, "open", full_disk, raising=False)
    assert cli.main(["init", str(site)]) == 1
    assert len(opened) == 4  # three files were written before the failure...
    assert not (tmp_path / "new").exists()  # ...and taken back, with the folders made for them
    assert capsys.readouterr().err.splitlines() == [
        f"could not write {opened[3]}: No space left on device",
        "error: 1 problem found; nothing was written",
    ]


def test_requirements_name_where_this_sitegen_came_from(tmp_path: Path) -> None:
    """PyPI's "sitegen" is another project: a version pin would install someone else's code."""
    from sitegen.starter import sitegen_requirement

    git = '{"url": "https://github.com/lab/sitegen", "vcs_info": {"vcs": "git", "commit_id": "abc123"}}'
    assert sitegen_requirement(git) == "sitegen @ git+https://github.com/lab/sitegen@abc123"
    archive = '{"url": "https://example.org/sitegen-0.1.0.tar.gz", "archive_info": {}}'
    assert sitegen_requirement(archive) == "sitegen @ https://example.org/sitegen-0.1.0.tar.gz"
    local = '{"url": "file:///work/sitegen", "dir_info": {"editable": true}}'
    assert sitegen_requirement(local).endswith("# EDIT: where CI gets sitegen")
    assert "==" not in sitegen_requirement(local)
    init_site(tmp_path / "s", "T", "https://example.org/", date(2025, 3, 14))
    text = (tmp_path / "s/requirements.txt").read_text(encoding="utf-8")
    requirements = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert requirements == [sitegen_requirement()]  # this checkout is an editable install: EDIT
    assert not any(line.startswith("sitegen==") for line in requirements)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_sees_only_the_sites_sources_after_a_build(tmp_path: Path) -> None:
    site = tmp_path / "s"
    init_site(site, "T", "https://example.org/", date(2025, 3, 14))
    assert sitegen("build", "--site", str(site), "-q").returncode == 0
    assert sitegen("build", "--site", str(site), "-q").returncode == 0  # a rebuild leaves more behind
    subprocess.run(["git", "init", "-q", str(site)], check=True)
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"], cwd=site, capture_output=True, text=True
    )
    seen = {line[3:] for line in status.stdout.splitlines()}
    assert seen == STARTER_FILES | {"content/papers/2025/2025-03-14.yaml"}


# --- the workflows: adapted from this repository's, kept in step with them --------------


def _uses(path: Path) -> list[tuple[str, str]]:
    return [(m["action"], m["pin"].strip()) for m in USES.finditer(path.read_text(encoding="utf-8"))]


def test_the_starter_workflows_pin_the_same_actions_as_this_repository(tmp_path: Path) -> None:
    """The SHAs (and their version comments) must be the repository's own: when one is bumped
    there (and linted), this fails until starter_files/workflows/ is bumped too."""
    init_site(tmp_path / "s", "T", "https://example.org/", date(2025, 3, 14))
    ours = dict(_uses(REPO / ".github/workflows/site.yml"))
    ours.update(_uses(REPO / ".github/workflows/test.yml"))
    starter_site = _uses(tmp_path / "s/.github/workflows/site.yml")
    assert starter_site == _uses(REPO / ".github/workflows/site.yml")
    for action, pin in _uses(tmp_path / "s/.github/workflows/check.yml"):
        assert ours.get(action) == pin, f"check.yml: {action}@{pin}, the repository has {ours.get(action)}"


def test_the_starter_workflows_install_from_requirements_and_check_on_every_push(tmp_path: Path) -> None:
    init_site(tmp_path / "s", "T", "https://example.org/", date(2025, 3, 14))
    workflows = tmp_path / "s/.github/workflows"
    site = yaml.safe_load((workflows / "site.yml").read_text(encoding="utf-8"))
    check = yaml.safe_load((workflows / "check.yml").read_text(encoding="utf-8"))
    runs = [str(s.get("run", "")) for d in (site, check) for j in d["jobs"].values() for s in j["steps"]]
    installs = [r for r in runs if "pip install" in r]
    assert len(installs) == 3 and all(
        r.strip() == "python -m pip install -r requirements.txt" for r in installs
    )
    assert set(check[True]) == {"push", "pull_request"}  # PyYAML reads the key `on` as True
    assert check["permissions"] == {"contents": "read"}
    assert [j["permissions"] for j in check["jobs"].values()] == [{"contents": "read"}]
    assert "sitegen check" in runs
    assert set(site[True]) == {"schedule", "push", "workflow_dispatch"}
    assert 'sitegen build --base-url "${BASE_URL%/}/"' in runs


def test_init_gives_the_site_an_id_from_its_address_and_year(tmp_path: Path) -> None:
    site = tmp_path / "s"
    assert sitegen("init", str(site), "--base-url", "https://Someone.github.io/papers").returncode == 0
    year = datetime.now(timezone.utc).year
    assert load_config(site).id == f"tag:someone.github.io,{year}:"
    done = sitegen("build", "--strict", "--site", str(site))  # the starter site has no warning
    assert done.returncode == 0 and done.stderr == "", done.stderr
    atom = (site / "output/atom.xml").read_text(encoding="utf-8")
    assert f"<id>tag:someone.github.io,{year}:feed</id>" in atom
    assert "tag:sitegen.papers" not in atom


def test_with_the_placeholder_address_two_new_sites_still_get_different_ids(tmp_path: Path) -> None:
    for name in ("a", "b"):
        init_site(tmp_path / name, "T", "https://example.org/", date(2026, 3, 14))
    a, b = (load_config(tmp_path / name).id for name in ("a", "b"))
    assert a is not None and b is not None and a != b
    assert re.fullmatch(r"tag:example\.org,2026:site-[0-9a-f]{12}/", a)
    assert "a random part" in (tmp_path / "a/site.yaml").read_text(encoding="utf-8")
