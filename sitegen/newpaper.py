"""`sitegen new`: add one paper to the file of its listing day, as `sitegen import` would.

The paper goes through the import machinery (``apply_import``): the same day
file ``<content_dir>/papers/YYYY/YYYY-MM-DD.yaml``, the bytes above the new
paper left as they were, the same all-or-nothing check. Unlike an import, which
refreshes a paper already on the site, `new` refuses an id the site already
has (ignoring letter case, and either spelling of an old arXiv id), naming
where it is: adding a paper twice is a mistake, not an update.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from .config import CONFIG_NAME, Config, load_config
from .documents import load_document
from .errors import ContentError, Problem, UsageError
from .importers import arxiv
from .importers.apply import apply_import
from .importers.base import Imported, SourceError
from .importers.merge import new_entry
from .importers.runner import Request, fetch_all
from .loading import check_file, load_papers
from .routes import id_key, is_valid_id

SOURCE = "new"
# arXiv ids as people paste them: 'arXiv:2403.09629', or the address of the abstract or the PDF.
_ARXIV_PREFIX = re.compile(r"^(?:arxiv:|https?://(?:export\.|www\.)?arxiv\.org/(?:abs|pdf)/)", re.I)


def arxiv_id(given: str) -> str:
    """The bare arXiv id in what the user typed; ContentError (exit 1) if there is none."""
    bare = arxiv.strip_version(_ARXIV_PREFIX.sub("", given.strip()).removesuffix(".pdf"))
    if not arxiv.is_arxiv_id(bare):
        message = f"not an arXiv id: {given!r} (expected one such as 2403.09629 or hep-th/9901001)"
        raise ContentError(Problem(message, field="--arxiv"))
    return bare


def with_options(
    paper: Imported, title: str | None, tags: list[str], authors: list[str], day: date
) -> Imported:
    """The command line's values over the source's: --title replaces the title, --author the
    authors; --tag adds tags before the source's (as an import adds its own after yours)."""
    fields = dict(paper.fields)
    if title is not None:
        fields["title"] = title
    if authors:
        fields["authors"] = list(authors)
    all_tags = [*tags, *fields.get("tags", [])]
    if all_tags:
        fields["tags"] = list(dict.fromkeys(all_tags))
    return replace(paper, day=day, fields=fields)


def check_entry(config: Config, paper: Imported) -> None:
    """Check the new entry with the content schema's own code (and messages), before any
    file is opened: apply_import would quietly skip an invalid id."""
    assert paper.day is not None
    entry = new_entry(paper, paper.day)
    raw = json.dumps([entry], default=lambda value: value.isoformat(), ensure_ascii=False).encode()
    checked = check_file(config, config.site_dir / "new-paper.json", "new-paper.json", raw)
    if checked.problems:
        raise ContentError([Problem(p.message, field=p.field) for p in checked.problems])


def refuse_known(config: Config, paper_id: str) -> None:
    """ContentError naming the file and line of a paper with the same id, if the site has
    one, or site.yaml if the id is excluded there (apply_import would add nothing)."""
    key = id_key(paper_id)
    for known in load_papers(config):
        if id_key(known.id) == key and known.source is not None:
            same = "" if known.id == paper_id else f" as '{known.id}'"
            message = f"'{paper_id}' is already on the site{same}; edit that paper instead"
            raise ContentError(Problem(message, known.source, _line_of(config, str(known.source), key), "id"))
    if key in config.imports.exclude:
        doc = load_document(config.site_dir / CONFIG_NAME, CONFIG_NAME)
        message = f"'{paper_id}' is excluded from this site; take it out of that list to add it"
        raise ContentError(
            Problem(message, CONFIG_NAME, doc.line_at(("import", "exclude")), "import.exclude")
        )


def _line_of(config: Config, shown: str, key: str) -> int | None:
    """The line of the id of the paper with this id key in a content file (JSON or YAML)."""
    doc = load_document(config.site_dir / shown, shown, limits=config.limits)
    items = [((), doc.data)] if isinstance(doc.data, dict) else list(enumerate(doc.data or []))
    for index, item in items:
        raw = item.get("id") if isinstance(item, dict) else None
        if isinstance(raw, str) and is_valid_id(raw.strip()) and id_key(raw.strip()) == key:
            at = index if isinstance(index, tuple) else (index,)
            return doc.line_at((*at, "id"))
    return None


def from_arxiv(config: Config, paper_id: str, day: date, warn: Callable[[str], None]) -> Imported:
    """The paper as the arXiv importer gives it (network: tests use a fake transport)."""
    request = Request("arxiv", {"id_list": [paper_id]}, day)
    for _, papers in fetch_all(config, [request], day, warn=warn):
        for paper in papers:
            if id_key(paper.id) == id_key(paper_id):
                return paper
    raise SourceError(Problem(f"arxiv: export.arxiv.org has no paper {paper_id}"))


DAY_FILE_HEADER = "# Papers listed on {day}. Add more with `sitegen new` or by hand (docs/content.md).\n"


def run_new(args: argparse.Namespace) -> int:
    config = load_config(args.site)
    day = args.date or datetime.now(config.timezone).date()

    def warn(message: str) -> None:
        print(f"warning: {message}", file=sys.stderr)

    if args.arxiv:
        paper_id = arxiv_id(args.arxiv)
        refuse_known(config, paper_id)  # before asking arXiv for a paper the site already has
        paper = from_arxiv(config, paper_id, day, warn)
    else:
        if args.title is None:
            raise UsageError("--title is required (or let arXiv give it: sitegen new --arxiv ID)")
        paper = Imported(args.id.strip(), day, {}, SOURCE)
    title = args.title.strip() if args.title is not None else None
    paper = with_options(paper, title, _stripped(args.tags), _stripped(args.authors), day)
    check_entry(config, paper)
    if not args.arxiv:
        refuse_known(config, paper.id)
    outcome = apply_import(config, [paper], day, warn=warn, header=DAY_FILE_HEADER)
    if outcome.skipped:  # check_entry passed it: only a change to site.yaml's limits meanwhile
        print(f"error: '{paper.id}' was not added (see the warning above)", file=sys.stderr)
        return 1
    if paper.id not in outcome.added:  # only if another process added it since refuse_known()
        done = f"refreshed it in {', '.join(outcome.files)}" if outcome.files else "changed nothing"
        print(f"error: '{paper.id}' was put on the site meanwhile; {done}", file=sys.stderr)
        return 1
    print(f"added {paper.id} to {outcome.files[0]}")
    return 0


def _stripped(values: list[Any]) -> list[str]:
    return [value.strip() for value in values]
