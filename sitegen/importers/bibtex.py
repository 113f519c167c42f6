"""BibTeX importer: a .bib file's entries as ``Imported`` papers.

bibtexparser 2 does the parsing (splitting, @string macros, ``and``-separated
names, LaTeX decoding through pylatexenc); this module maps its entries onto
the content schema (docs/content.md). Nothing here raises on bad input: an
entry that cannot be used is skipped with a warning and the rest imported.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import quote

import bibtexparser
import pylatexenc.latex2text
from bibtexparser import middlewares as mw
from bibtexparser.library import Library
from bibtexparser.model import (
    DuplicateBlockKeyBlock,
    DuplicateFieldKeyBlock,
    Entry,
    MiddlewareErrorBlock,
    ParsingFailedBlock,
)
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec

from ..routes import is_valid_id
from .base import Imported, SourceError
from .text import clean_line, http_url, strip_junk, unwrap

__all__ = ["parse_bibtex"]

# The splitter logs every broken block at WARNING; without a handler Python
# would print those to stderr next to our own warn() lines.
logging.getLogger("bibtexparser").addHandler(logging.NullHandler())

# Identifiers are not LaTeX text: decoding would read the '%' of '%20' as a
# comment and '~' as a space. They are kept as written and unescaped by hand.
_VERBATIM_FIELDS = ("url", "doi", "eprint")
_VERBATIM_KEY = "sitegen_verbatim"

_NEW_ARXIV = r"[0-9]{4}\.[0-9]{4,5}"
_OLD_ARXIV = r"[a-z-]+(?:\.[A-Z]{2})?/[0-9]{7}"
_ARXIV_ID = re.compile(rf"({_NEW_ARXIV}|{_OLD_ARXIV})(?:v[0-9]+)?")
_ARXIV_URL = re.compile(
    rf"https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/({_NEW_ARXIV}|{_OLD_ARXIV})(?:v[0-9]+)?(?:\.pdf)?/?",
    re.IGNORECASE,
)
_ARXIV_DOI = re.compile(rf"10\.48550/arxiv\.({_NEW_ARXIV}|{_OLD_ARXIV})(?:v[0-9]+)?", re.IGNORECASE)
# 'arXiv preprint arXiv:2403.09629', 'ArXiv', 'CoRR': the paper is (only) on arXiv.
_ARXIV_JOURNAL = re.compile(r"\s*(?:arxiv\b|corr\s*$)", re.IGNORECASE)
_DOI = re.compile(r"10\.[0-9]{4,9}/\S+")
_DOI_PREFIX = re.compile(r"(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
# ASCII digits only: r'\d' and str.isdigit() also take '٣' and '²', which int() or the id rules refuse.
_YEAR = re.compile(r"[0-9]{4}")
_MONTH_OR_DAY = re.compile(r"[0-9]{1,2}")
_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_ID_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
# An unescaped '%' (not '\%'): a LaTeX comment, but in a .bib value almost
# always a literal percent sign ('50% fewer'), which must not eat the line.
_BARE_PERCENT = re.compile(r"(?<!\\)((?:\\\\)*)%")
_URL_ESCAPE = re.compile(r"\\([_%&#~$])")


def _decoder() -> LatexNodes2Text:
    # The configuration LatexDecodingMiddleware builds by default (braces
    # dropped, math kept as $...$, \url{x} -> x), made here once so that names,
    # which the middleware skips once split into a list, are decoded the same way.
    context = pylatexenc.latex2text.get_default_latex_context_db()
    context.add_context_category("sitegen-bibtex", prepend=True, macros=[MacroTextSpec("url", "%s")])
    return LatexNodes2Text(latex_context=context, keep_braced_groups=False, math_mode="verbatim")


_DECODER = _decoder()


class _KeepVerbatim(mw.BlockMiddleware):
    """Stashes identifier fields before LaTeX decoding and protects literal '%' in the others."""

    def __init__(self) -> None:
        super().__init__(allow_inplace_modification=True, allow_parallel_execution=True)

    def transform_entry(self, entry: Entry, library: Library) -> Entry:
        verbatim: dict[str, str] = {}
        for f in entry.fields:
            if not isinstance(f.value, str):
                continue
            if f.key in _VERBATIM_FIELDS:
                verbatim[f.key] = f.value
            else:
                enclosing = f.enclosing
                f.value = _BARE_PERCENT.sub(r"\1\\%", f.value)
                f.enclosing = enclosing  # the value setter resets it
        entry.parser_metadata[_VERBATIM_KEY] = verbatim
        return entry


def _parse_stack() -> list[mw.Middleware]:
    return [
        *mw.default_parse_stack(),  # @string macros, then enclosing braces/quotes removed
        mw.NormalizeFieldKeys(),  # 'Title', 'archivePrefix' -> 'title', 'archiveprefix'
        _KeepVerbatim(),
        # Names are split before decoding so that braces still protect '{Simon and Schuster}'.
        mw.SeparateCoAuthors(),
        mw.SplitNameParts(),
        mw.MergeNameParts(style="first"),
        mw.LatexDecodingMiddleware(decoder=_DECODER),
    ]


def parse_bibtex(
    text: str, day: date | None = None, *, warn: Callable[[str], None] = lambda message: None
) -> list[Imported]:
    """The usable entries of a .bib file's ``text``, in file order.

    Broken entries, entries without a title, entries whose key cannot be made a
    valid id and repeated ids are skipped, each with one ``warn()`` line
    ``"line N: ..."``; a file with nothing usable gives ``[]``.
    """
    try:
        library = bibtexparser.parse_string(text, parse_stack=_parse_stack())
    except Exception as error:  # the splitter raises only on its own internal errors
        raise SourceError(f"bibtex: the BibTeX parser failed on this file ({error})") from error

    papers: list[Imported] = []
    first_line: dict[str, str] = {}  # address-folded id -> where it was first given
    for block in library.blocks:
        if isinstance(block, ParsingFailedBlock):
            warn(f"{_where(block.start_line)}: {_failure(block)}; skipped")
            continue
        if not isinstance(block, Entry):
            continue  # @string, @comment, @preamble and text between entries
        where = f"{_where(block.start_line)}: {_key(block)}"
        try:
            paper = _paper(block, day, where, warn)
        except _Skip as reason:
            warn(f"{where}: {reason}; skipped")
            continue
        folded = paper.id.lower().replace("/", "-")  # ids clash ignoring case and '/' vs '-'
        if folded in first_line:
            warn(f"{where}: duplicate id '{paper.id}' (first given at {first_line[folded]}); skipped")
            continue
        first_line[folded] = _where(block.start_line)
        papers.append(paper)
    return papers


class _Skip(Exception):
    """Why an entry is not imported."""


def _where(start_line: int | None) -> str:
    # bibtexparser counts lines from 0.
    return "line ?" if start_line is None else f"line {start_line + 1}"


def _key(entry: Entry) -> str:
    return clean_line(entry.key)[:100] or "(no key)"


def _failure(block: ParsingFailedBlock) -> str:
    if isinstance(block, DuplicateBlockKeyBlock):
        first = _where(block.previous_block.start_line)
        return f"{clean_line(block.key)[:100]}: duplicate citation key (first used at {first})"
    if isinstance(block, DuplicateFieldKeyBlock):
        entry = block.ignore_error_block
        key = _key(entry) if isinstance(entry, Entry) else "(no key)"
        return f"{key}: field given twice: {', '.join(sorted(block.duplicate_keys))}"
    if isinstance(block, MiddlewareErrorBlock):
        entry = block.ignore_error_block
        key = _key(entry) if isinstance(entry, Entry) else "(no key)"
        return f"{key}: {clean_line(str(block.error))[:300]}"
    reason = getattr(block.error, "abort_reason", None) or str(block.error)
    return f"not a valid BibTeX entry ({clean_line(reason)[:300]})"


def _paper(entry: Entry, day: date | None, where: str, warn: Callable[[str], None]) -> Imported:
    values = {f.key: f.value for f in entry.fields}
    verbatim: dict[str, str] = entry.parser_metadata.get(_VERBATIM_KEY) or {}

    def text(key: str) -> str:
        value = values.get(key)
        return clean_line(value) if isinstance(value, str) else ""

    title = text("title")
    if not title:
        raise _Skip("no title")

    arxiv_id = _arxiv_id(values, verbatim)
    paper_id = arxiv_id or _safe_id(entry.key)
    if paper_id is None:
        raise _Skip(f"the citation key cannot be made a valid id ({_ID_RULES})")

    fields: dict[str, Any] = {"title": title}
    authors = _authors(values.get("author"))
    if authors:
        fields["authors"] = authors
    abstract = values.get("abstract")
    if isinstance(abstract, str) and unwrap(abstract):
        fields["abstract"] = unwrap(abstract)
    tags = _tags(text("keywords"))
    if tags:
        fields["tags"] = tags
    links = _links(arxiv_id, verbatim, where, warn)
    if links:
        fields["links"] = links
    published = _published(values)
    if published:
        fields["published"] = published
    journal = text("journal")
    venue = _venue(
        journal if journal and not _ARXIV_JOURNAL.match(journal) else text("booktitle"), text("year")
    )
    if venue:
        fields["venue"] = venue
    return Imported(id=paper_id, day=day, fields=fields, source="bibtex")


_ID_RULES = "letters, digits, '.', '_' and '-', starting with a letter or digit"


def _safe_id(key: str) -> str | None:
    """The citation key as a schema id: accents folded, other characters made '-'."""
    ascii_key = unicodedata.normalize("NFKD", key).encode("ascii", "ignore").decode()
    candidate = re.sub(r"\.{2,}", ".", _ID_UNSAFE.sub("-", ascii_key))
    candidate = candidate.lstrip("._-")[:200].rstrip(".-")
    return candidate if candidate and is_valid_id(candidate) else None


def _arxiv_id(values: dict[str, Any], verbatim: dict[str, str]) -> str | None:
    """The entry's arXiv id without version, from whichever field names it."""

    def match(pattern: re.Pattern[str], value: str) -> str | None:
        found = pattern.fullmatch(value.strip())
        # Patterns ignoring case would take 'HEP-TH/9901001', which is no valid id.
        return found.group(1) if found and is_valid_id(found.group(1)) else None

    eprint = _unescape(verbatim.get("eprint", ""))
    prefix = str(values.get("archiveprefix") or values.get("eprinttype") or "").strip().lower()
    if eprint.lower().startswith("arxiv:"):
        prefix, eprint = "arxiv", eprint[len("arxiv:") :]
    if prefix == "arxiv" and (found := match(_ARXIV_ID, eprint)):
        return found

    journal = str(values.get("journal") or "")
    if _ARXIV_JOURNAL.match(journal):
        # 'arXiv preprint arXiv:2403.09629', or DBLP's CoRR with volume 'abs/2403.09629'
        in_journal = re.search(rf"arxiv:\s*({_ARXIV_ID.pattern})", journal, re.IGNORECASE)
        if in_journal and (found := match(_ARXIV_ID, in_journal.group(1))):
            return found
        volume = str(values.get("volume") or "").strip()
        if volume.lower().startswith("abs/") and (found := match(_ARXIV_ID, volume[4:])):
            return found

    if found := match(_ARXIV_URL, _unescape(verbatim.get("url", ""))):
        return found
    doi = _DOI_PREFIX.sub("", _unescape(verbatim.get("doi", "")))
    return match(_ARXIV_DOI, doi)


def _unescape(value: str) -> str:
    r"""An identifier as written, without LaTeX escapes, braces or line wraps: ``a\_b`` -> ``a_b``."""
    value = value.strip()
    wrapped = re.fullmatch(r"\\(?:url|href)\s*\{([^{}]*)\}(?:\{.*\})?", value, re.DOTALL)
    if wrapped:
        value = wrapped.group(1)
    value = _URL_ESCAPE.sub(r"\1", value).replace("{", "").replace("}", "")
    return "".join(strip_junk(value).split())


def _authors(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    names = []
    for raw in value:
        if not isinstance(raw, str) or raw.strip().lower() == "others":
            continue  # 'and others' stands for the authors not listed
        try:
            name = clean_line(_DECODER.latex_to_text(raw))
        except Exception:  # pylatexenc on malformed LaTeX; the raw name is still readable
            name = clean_line(raw)
        if name:
            names.append(name)
    return names


def _tags(keywords: str) -> list[str]:
    tags: dict[str, str] = {}
    for word in re.split(r"[,;]", keywords):
        tag = clean_line(word)
        if tag:
            # 'LLM' and 'llm' would be one tag page; the first spelling wins.
            tags.setdefault(tag.lower(), tag)
    return list(tags.values())


def _links(
    arxiv_id: str | None, verbatim: dict[str, str], where: str, warn: Callable[[str], None]
) -> dict[str, str]:
    links: dict[str, str] = {}
    if arxiv_id:
        links["arxiv"] = f"https://arxiv.org/abs/{arxiv_id}"
        links["pdf"] = f"https://arxiv.org/pdf/{arxiv_id}"

    doi = _DOI_PREFIX.sub("", _unescape(verbatim.get("doi", "")))
    if doi:
        if not _DOI.fullmatch(doi):
            warn(f"{where}: doi '{doi[:100]}' is not a DOI (10.<number>/<suffix>); left out")
        elif not (arxiv_id and _same_arxiv(_ARXIV_DOI, doi, arxiv_id)):
            links["doi"] = "https://doi.org/" + quote(doi, safe="/():;")

    url = _unescape(verbatim.get("url", ""))
    if url:
        try:
            kept = http_url(url)
        except ValueError:  # urlsplit() refuses a broken IPv6 host such as 'http://[::1'
            kept = None
        if kept is None:
            warn(f"{where}: url '{url[:100]}' is not an http(s) address; left out")
        elif not (arxiv_id and _same_arxiv(_ARXIV_URL, kept, arxiv_id)):
            links["url"] = kept
    return links


def _same_arxiv(pattern: re.Pattern[str], value: str, arxiv_id: str) -> bool:
    """Whether ``value`` is just another address of the arXiv paper already linked."""
    found = pattern.fullmatch(value)
    return bool(found and found.group(1) == arxiv_id)


def _published(values: dict[str, Any]) -> str | None:
    """Midnight UTC of the day the entry gives, only if it gives year, month and day."""
    full = re.fullmatch(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", str(values.get("date") or "").strip())
    if full:
        year, month, day_of_month = (int(part) for part in full.groups())
    else:
        year_text = str(values.get("year") or "").strip()
        month_text = str(values.get("month") or "").strip().rstrip(".").lower()
        day_text = str(values.get("day") or "").strip()
        month = _MONTHS.get(month_text) or (int(month_text) if _MONTH_OR_DAY.fullmatch(month_text) else None)
        if not (_YEAR.fullmatch(year_text) and month and _MONTH_OR_DAY.fullmatch(day_text)):
            return None
        year, day_of_month = int(year_text), int(day_text)
    try:
        return date(year, month, day_of_month).strftime("%Y-%m-%dT00:00:00Z")
    except ValueError:  # 2024-02-30, month 13
        return None


def _venue(venue: str, year: str) -> str | None:
    if not venue:
        return None
    if _YEAR.fullmatch(year) and not re.search(rf"(?<![0-9]){year}(?![0-9])", venue):
        return f"{venue} {year}"
    return venue
