"""`sitegen init DIR`: a new site folder that builds at once (what `hugo new site` is to Hugo).

The files come from ``starter_files/`` (shipped in the wheel) with a few values
filled in: the title and base_url, written by a YAML dumper so that any title
reads back exactly as given; today's date; and sitegen's version. init never
overwrites anything: each file is created with O_EXCL, so one already there (or
one that appears while init runs) is kept and listed as such.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import secrets
import shlex
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from importlib import metadata
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from . import __version__
from .errors import OutputError, Problem, SitegenError, UsageError
from .limits import character_problem

STARTER_DIR = Path(__file__).with_name("starter_files")
DEFAULT_BASE_URL = "https://example.org/"

# (file in starter_files/, where it goes in the new site). The starter keeps no dot
# names of its own, so neither git nor GitHub takes its .gitignore or workflows for
# sitegen's; the example paper's path is dated, see starter_texts().
FILES = (
    ("site.yaml", "site.yaml"),
    ("README.md", "README.md"),
    ("gitignore", ".gitignore"),
    ("requirements.txt", "requirements.txt"),
    ("workflows/site.yml", ".github/workflows/site.yml"),
    ("workflows/check.yml", ".github/workflows/check.yml"),
)
EXAMPLE_PAPER = "example-paper.yaml"
_MARKER = re.compile(r"@[A-Z_]+@")
# What may be in a folder that still counts as empty: a fresh `git init` or clone.
_IGNORED = {".git"}


@dataclass
class Scaffolded:
    """What init did: paths relative to the new site folder, in the order written."""

    created: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # already there: left exactly as they were


def title_option(text: str) -> str:
    """--title: one that site.yaml accepts (argparse turns the error into exit status 2)."""
    title = text.strip()
    if not title:
        raise argparse.ArgumentTypeError("must not be empty")
    problem = character_problem(title)
    if problem or "\n" in title or "\r" in title:
        raise argparse.ArgumentTypeError(problem or "must be one line")
    return title


def base_url_option(text: str) -> str:
    """--base-url: the same rules as base_url in site.yaml."""
    url = text.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise argparse.ArgumentTypeError(f"must be an absolute http(s) URL such as {DEFAULT_BASE_URL}")
    if parts.query or parts.fragment or character_problem(url) or " " in url:
        raise argparse.ArgumentTypeError("must be a plain http(s) URL, without query, fragment or spaces")
    return url if url.endswith("/") else url + "/"


def default_title(folder: Path) -> str:
    """'my-papers' -> 'My papers': a start the user will likely change."""
    words = re.sub(r"[-_.\s]+", " ", folder.resolve().name).strip()
    return (words[:1].upper() + words[1:]) if words else "Papers"


def yaml_scalar(value: str) -> str:
    """``value`` as a YAML scalar, quoted as YAML needs: 'a: #b' must not become a comment."""
    dumped = yaml.safe_dump({"v": value}, allow_unicode=True, width=1 << 30, sort_keys=False)
    assert dumped.startswith("v: "), dumped
    return dumped[3:].rstrip("\n")


def sitegen_requirement(direct_url: str | None = None) -> str:
    """The requirements.txt line that installs this very sitegen in the new site's CI.

    PyPI's "sitegen" is another project, so a version pin would install someone
    else's code. pip records where a package came from (PEP 610's direct_url.json):
    a git checkout or an archive URL is pinned as it is; a local folder or wheel
    cannot be reached from CI, so the line says so and waits for the owner's edit."""
    if direct_url is None:
        with contextlib.suppress(Exception):
            direct_url = metadata.distribution("sitegen").read_text("direct_url.json")
    origin = json.loads(direct_url) if direct_url else {}
    url = str(origin.get("url", ""))
    vcs = origin.get("vcs_info") or {}
    if url.startswith(("https://", "http://")) and vcs.get("vcs") == "git" and vcs.get("commit_id"):
        return f"sitegen @ git+{url}@{vcs['commit_id']}"
    if url.startswith(("https://", "http://")) and not vcs:
        return f"sitegen @ {url}"
    return f"sitegen @ git+https://github.com/OWNER/sitegen@v{__version__}  # EDIT: where CI gets sitegen"


def starter_site_id(base_url: str, today: date, token: str | None = None) -> tuple[str, str]:
    """(the ``id`` a new site gets, a note on it for site.yaml's comment).

    A tag URI (RFC 4151) of base_url's host and this year, e.g.
    'tag:someone.github.io,2026:'. The placeholder address example.org belongs to
    no site, so there a random part keeps two new sites apart."""
    host = (urlsplit(base_url).hostname or "example.org").lower()
    site_id = f"tag:{host},{today.year:04d}:"
    if host not in ("example.org", "example.com", "example.net"):
        return site_id, ""
    token = token or secrets.token_hex(6)
    note = (
        "\n# base_url was the placeholder example.org, so a random part keeps this id\n"
        "# apart from other new sites'; one of your own address may replace it\n"
        "# before the feeds are published."
    )
    return f"{site_id}site-{token}/", note


def starter_texts(title: str, base_url: str, today: date) -> dict[str, str]:
    """Every file of a new site: its path in the site -> its text."""
    site_id, id_note = starter_site_id(base_url, today)
    values = {
        "@TITLE@": yaml_scalar(title),
        "@BASE_URL@": yaml_scalar(base_url),
        "@SITE_ID@": yaml_scalar(site_id),
        "@ID_NOTE@": id_note,
        "@HEADING@": title,
        "@DATE@": today.isoformat(),
        "@VERSION@": __version__,
        "@REQUIREMENT@": sitegen_requirement(),
    }

    def filled(name: str) -> str:
        text = (STARTER_DIR / name).read_text(encoding="utf-8")
        text = _MARKER.sub(lambda m: values[m.group()], text)
        return text

    texts = {target: filled(name) for name, target in FILES}
    texts[f"content/papers/{today.year:04d}/{today.isoformat()}.yaml"] = filled(EXAMPLE_PAPER)
    return texts


def init_site(folder: Path, title: str, base_url: str, today: date, *, force: bool = False) -> Scaffolded:
    """Write the starter files into ``folder``. Raises UsageError if it is a file,
    SitegenError (writing nothing) if it is not empty and ``force`` is not given,
    or if a file would have to go where a file or a link stands in its way, and
    OutputError if a write fails, once what it had written is removed again."""
    if os.path.lexists(folder) and not folder.is_dir():
        raise UsageError(Problem(f"{folder} is a file; give a new folder or an empty one"))
    texts = starter_texts(title, base_url, today)
    if folder.is_dir() and not force:
        present = sorted(name for name in os.listdir(folder) if name not in _IGNORED)
        if present:
            shown = ", ".join(present[:3]) + (", ..." if len(present) > 3 else "")
            raise SitegenError(
                Problem(
                    f"{folder} is not empty ({shown}); init writes only into a new or empty folder. "
                    "--force adds the starter files and keeps every file already there"
                )
            )
    result = Scaffolded()
    blocked: list[Problem] = []
    for path in texts:
        if os.path.lexists(folder / path):
            result.kept.append(path)
        elif (obstacle := _obstacle(folder, path)) is not None:
            message = f"{obstacle} is in the way: a file or a link where {path} needs a folder"
            blocked.append(Problem(message))
    if blocked:
        raise SitegenError(blocked)
    made: list[Path] = []  # files and folders this run created: taken back if a write fails
    try:
        for path, text in texts.items():
            if path in result.kept:
                continue
            target = folder / path
            _make_folders(target.parent, made)
            try:
                with open(target, "x", encoding="utf-8", newline="\n") as out:
                    made.append(target)
                    out.write(text)
            except FileExistsError:  # made by someone else meanwhile: theirs, so keep it
                result.kept.append(path)
                continue
            result.created.append(path)
    except OSError as exc:
        _take_back(made)
        where = exc.filename or folder
        raise OutputError(Problem(f"could not write {where}: {exc.strerror or exc}")) from None
    return result


def _make_folders(folder: Path, made: list[Path]) -> None:
    missing = []
    while not os.path.lexists(folder):
        missing.append(folder)
        folder = folder.parent
    for new in reversed(missing):
        new.mkdir()
        made.append(new)


def _take_back(made: list[Path]) -> None:
    """Remove what this run created, newest first, so a failed init leaves the folder as it was."""
    for path in reversed(made):
        with contextlib.suppress(OSError):
            path.rmdir() if path.is_dir() and not path.is_symlink() else path.unlink()


def _obstacle(folder: Path, path: str) -> str | None:
    """The first parent of ``path`` inside ``folder`` that is not a real folder (a file, or a
    link that could lead outside the site), if any."""
    for step in reversed(Path(path).parents[:-1]):  # content, content/papers, ... ('.' left out)
        full = folder / step
        if os.path.islink(full) or (os.path.lexists(full) and not full.is_dir()):
            return step.as_posix()
    return None


def run_init(args: argparse.Namespace) -> int:
    folder: Path = args.site
    title = args.title or default_title(folder)
    base_url = args.base_url or DEFAULT_BASE_URL
    # The example paper is dated today in UTC, the time zone site.yaml starts with.
    done = init_site(folder, title, base_url, datetime.now(timezone.utc).date(), force=args.force)
    where = folder.as_posix()
    if done.created:
        print(f"created a new site in {where}/:")
        for path in done.created:
            print(f"  {path}")
    else:
        print(f"nothing created: every starter file is already in {where}/")
    if done.kept:
        print("kept, already there (not changed):")
        for path in done.kept:
            print(f"  {path}")
    print("\nnext:")
    if folder.resolve() != Path.cwd().resolve():
        print(f"  cd {shlex.quote(where)}")
    print("  sitegen build                 # write the site into output/")
    print("  sitegen serve                 # preview it at http://127.0.0.1:8000/")
    print('  sitegen new ID --title "..."  # add a paper (or: sitegen new --arxiv ID)')
    print("publishing on GitHub Pages: README.md in the new site")
    return 0
