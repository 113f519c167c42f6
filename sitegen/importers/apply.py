"""Put imported papers into the site's content files, all or nothing.

A paper already on the site (same id, in any file) is refreshed in place by
the rules of ``merge``; a new one goes to the day file
``<content_dir>/papers/YYYY/YYYY-MM-DD.yaml``. Every file that would change is
checked by the same code as `sitegen check` before anything is written; if
one would not pass, nothing is written at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ..config import Config
from ..errors import ContentError, Problem
from ..loading import PAPERS_DIR, check_file, load_papers
from ..routes import id_key, is_valid_id
from .base import Imported
from .contentfiles import ContentFile, entry_text, open_content_file, write_files
from .merge import new_entry, refresh

DAY_FILE_HEADER = (
    "# Papers listed on {day}, added by `sitegen import`. Edit freely: a re-import\n"
    "# refreshes upvotes, links, authors and abstracts, and keeps your title, tags,\n"
    "# note and every field you list under `pinned:` (see docs/import.md).\n"
)


@dataclass
class Outcome:
    """What an import did (or, with ``dry_run``, would do), paper ids by kind."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)  # listed under import.exclude
    skipped: list[str] = field(default_factory=list)  # what the source gave would not pass `sitegen check`
    files: list[str] = field(default_factory=list)  # written, relative to the site folder


def day_file(config: Config, day: date) -> Path:
    return config.content_dir / PAPERS_DIR / f"{day.year:04d}" / f"{day.isoformat()}.yaml"


def apply_import(
    config: Config,
    papers: Iterable[Imported],
    today: date,
    *,
    dry_run: bool = False,
    workers: int = 1,
    warn: Callable[[str], None] = lambda message: None,
    header: str = DAY_FILE_HEADER,
) -> Outcome:
    """Merge ``papers`` (in order; a repeated id only fills in what the first left out)
    into the site; a day file made anew starts with ``header`` (``{day}`` filled in).

    A paper whose data would not pass `sitegen check` (over a limit, say) is skipped
    with a warning, so one bad paper does not hold back the rest of a scheduled
    import. Raises ContentError, writing nothing, if the site does not check as it
    is, or if a file would not check afterwards all the same."""
    existing = {id_key(p.id): Path(p.source) for p in load_papers(config, None, workers) if p.source}
    outcome = Outcome()
    files: dict[Path, ContentFile] = {}

    def open_file(shown: Path, new_day: date | None = None) -> ContentFile:
        if shown not in files:
            opened = open_content_file(config.site_dir / shown, shown.as_posix())
            if new_day is not None and opened.original is None:
                opened.header = header.format(day=new_day.isoformat())
            files[shown] = opened
        return files[shown]

    for key, paper in combine(papers).items():
        if key in config.imports.exclude:
            outcome.excluded.append(paper.id)
            continue
        problems = _problems_of(config, paper, paper.day or today, key in existing)
        if problems:
            outcome.skipped.append(paper.id)
            for problem in problems:
                where = f"{problem.field}: " if problem.field else ""
                warn(f"{paper.source or 'import'}: skipped {paper.id}: {where}{problem.message}")
        elif key in existing:
            file = open_file(existing[key])
            entry = file.entry(paper.id)
            if entry is None:  # the loader saw it there a moment ago; the file changed under us
                raise ContentError(Problem(f"paper {paper.id!r} is no longer in this file", file.shown))
            style = file.style_of(entry)
            changed = refresh(entry, paper)
            if changed:
                file.mark_edited(entry, style)
            (outcome.updated if changed else outcome.unchanged).append(paper.id)
        else:
            day = paper.day or today
            open_file(day_file(config, day), day).append(new_entry(paper, day))
            outcome.added.append(paper.id)

    texts = _checked_texts(config, [f for f in files.values() if f.changed])
    outcome.files = sorted(texts)
    if not dry_run and texts:
        write_files({config.site_dir / shown: data for shown, data in texts.items()}, config.site_dir)
    return outcome


def combine(papers: Iterable[Imported]) -> dict[str, Imported]:
    """One paper per id, in first-seen order: when two sources (or one, twice) give
    the same paper, the first one's fields stand and the later ones fill gaps."""
    combined: dict[str, Imported] = {}
    for paper in papers:
        if not is_valid_id(paper.id):
            continue  # importers give only valid ids; never let one name a path
        key = id_key(paper.id)
        first = combined.get(key)
        if first is None:
            combined[key] = paper
        else:
            fields = {**paper.fields, **first.fields}
            combined[key] = Imported(first.id, first.day or paper.day, fields, first.source)
    return combined


def _problems_of(config: Config, paper: Imported, day: date, on_site: bool) -> list[Problem]:
    """What `sitegen check` would say of the source's data for this paper, written on its
    own as a new entry (a paper already on the site has its own title if the source has none)."""
    entry = new_entry(paper, day)
    if on_site:
        entry.setdefault("title", "title on the site")
    text = entry_text(entry).encode("utf-8")
    shown = f"{paper.source or 'import'}:{paper.id}"
    checked = check_file(config, config.site_dir / "import-check.yaml", shown, text)
    return checked.problems


def _checked_texts(config: Config, changed: list[ContentFile]) -> dict[str, bytes]:
    """The new bytes of each changed file, every one checked as `sitegen check` would."""
    texts: dict[str, bytes] = {}
    problems: list[Problem] = []
    for file in changed:
        text = file.text()
        data = text.encode("utf-8")
        if not file.reads_back(text):  # the next import must be able to edit it again
            problems.append(Problem("the import could not write this file so that it reads back", file.shown))
            continue
        checked = check_file(config, config.site_dir / file.shown, file.shown, data)
        problems.extend(
            Problem(f"the import would make this invalid: {p.message}", p.path, p.line, p.field)
            for p in checked.problems
        )
        texts[file.shown] = data
    if problems:
        raise ContentError(problems)
    return texts
