"""Citations: each paper's key (stable across builds), its BibTeX entry and its RIS record.

The key rule is documented in docs/content.md ("Citations"): the first author's
family name, the year, the first significant word of the title, ASCII-folded
and lower-cased (``zelikman2024quiet``). Papers that would share a key are
ordered by listing date, then id; the first keeps the bare key, the others get
``a``, ``b``, ... in that order, so a paper listed later never changes the key
of one listed before it. A paper's ``citation_key`` field fixes its key by hand.

Pure text: no Markdown here (the caller passes the title and abstract as plain
text), no I/O.
"""

from __future__ import annotations

import operator
import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import NamedTuple
from urllib.parse import unquote

from .model import Paper

# Words a title's key word never is: articles, prepositions, conjunctions
# (English, and the few of other languages titles often start with).
_STOP_WORDS = frozenset(
    """a an the and or nor but so yet of on in at to by for from with without within into onto
    over under upon about above across after against along among around as before behind below
    beneath beside between beyond during except inside like near off out past per since than
    through toward towards until up via versus vs is are be do does can how what when where
    which who why we our your its it this that these those le la les l un une des du de del
    della der die das den dem ein eine el los las et und zu""".split()
)
_GENERATIONS = frozenset({"jr", "sr", "ii", "iii", "iv"})
# Letters NFKD does not take apart into an ASCII letter and marks.
_LIGATURES = str.maketrans(
    {"ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L",
     "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "Th", "ı": "i", "ŋ": "ng"}
)  # fmt: skip
_MATH = re.compile(r"\$\$.+?\$\$|\$[^$]+\$|\\\(.+?\\\)", re.S)
_LINK_TARGET = re.compile(r"\]\([^)]*\)")
_APOSTROPHES = re.compile(r"['’]")
_WORD = re.compile(r"[A-Za-z0-9]+")

# BibTeX's special characters in text fields. Braces become commands, not \{ and
# \}: BibTeX counts braces without looking at backslashes, so a lone \{ would
# leave the entry open.
_TEXT_SPECIALS = str.maketrans(
    {"\\": r"\textbackslash{}", "{": r"\textbraceleft{}", "}": r"\textbraceright{}", "$": r"\$",
     "&": r"\&", "%": r"\%", "#": r"\#", "_": r"\_", "^": r"\^{}", "~": r"\~{}"}
)  # fmt: skip
_TEXT_SPECIAL = re.compile(r"[\\{}$&%#_^~]")
# Verbatim fields (url, doi): only what would end the value or break the entry.
_VERBATIM_SPECIALS = str.maketrans({"{": "%7B", "}": "%7D", "\\": "%5C", " ": "%20"})
_VERBATIM_SPECIAL = re.compile(r"[{}\\ ]")
_AND = re.compile(r"\band\b", re.IGNORECASE)
_NAME_SPECIAL = re.compile(_TEXT_SPECIAL.pattern + "|" + _AND.pattern, re.IGNORECASE)  # what changes a name
_DOI = re.compile(r"10\.\d{4,9}/\S+")
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:)", re.IGNORECASE)
# An arXiv category: archive.SUBJECT (cs.CL, math.GT, astro-ph.GA) or an archive without subjects.
_CATEGORY = re.compile(
    r"(?:cs|math|stat|eess|econ|q-bio|q-fin|physics|astro-ph|cond-mat|nlin)\.[A-Za-z-]{2,}"
    r"|hep-th|hep-ph|hep-ex|hep-lat|gr-qc|quant-ph|nucl-th|nucl-ex|math-ph|astro-ph|cond-mat"
)
_OLD_ARXIV = re.compile(r"([a-z-]+(?:\.[A-Z]{2})?)/\d{7}(?:v\d+)?")
# A venue is a journal when it says so and does not say it is a conference; else a conference (booktitle).
_CONFERENCE = re.compile(r"\b(?:conference|proceedings|workshops?|symposium|meeting|congress)\b", re.I)
_JOURNAL = re.compile(
    r"\b(?:journal|transactions|letters|review|reviews|magazine|nature|science|tmlr|jmlr|tacl|"
    r"tpami|pnas|cacm|computing surveys)\b|(?<![A-Za-z])(?:j|trans|lett|rev|phys)\.",
    re.IGNORECASE,
)


def _fold(text: str) -> str:
    """ASCII letters and digits only: 'Müller' -> 'Muller', 'Łukasz' -> 'Lukasz'."""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text.translate(_LIGATURES)).encode("ascii", "ignore").decode()
    return text


def family_name(name: str) -> str:
    """'Noah D. Goodman' -> 'Goodman'; 'Goodman, Noah' -> 'Goodman';
    'Martin Luther King Jr.' -> 'King'. One word is the whole name."""
    if "," in name:
        return name.split(",", 1)[0].strip()
    words = name.split()
    while len(words) > 1 and words[-1].rstrip(".").lower() in _GENERATIONS:
        words.pop()
    return words[-1] if words else ""


def _given_names(name: str, family: str) -> str:
    if "," in name:
        return name.split(",", 1)[1].strip()
    words = name.split()
    at = len(words) - 1 - words[::-1].index(family) if family in words else len(words)
    rest = words[:at] + words[at + 1 :]
    return " ".join(rest)


def cited_moment(paper: Paper) -> datetime:
    """The date a citation gives, and the year its key holds: published, else listed."""
    return paper.published or paper.date


def key_word(title: str) -> str:
    """The title's first significant word, folded: 'An *old-style* identifier' -> 'old'.
    Math ($...$) and link targets are skipped; '' if no word has a letter."""
    # Each pattern only where its text can match: most titles have none of them.
    text = _MATH.sub(" ", title) if "$" in title or "\\(" in title else title
    if "](" in text:
        text = _LINK_TARGET.sub("]", text)
    if "'" in text or "’" in text:
        text = _APOSTROPHES.sub("", text)
    for word in _WORD.findall(_fold(text)):
        word = word.lower()
        if word not in _STOP_WORDS and not word.isdigit():  # ASCII letters and digits: a letter
            return word
    return ""


def _name_part(author: str) -> str:
    """A first author's part of a key: the family name's ASCII letters and digits, lower-cased."""
    family = family_name(author)
    if family.isascii() and family.isalnum():  # only ASCII letters and digits already
        return family.lower()
    return "".join(_WORD.findall(_fold(family))).lower()


def base_key(paper: Paper, names: dict[str, str] | None = None) -> str:
    """The key before collisions: family name + year + title word ('anon' without a
    first author whose family name has a Latin letter or digit). ``names``: a
    cache of first authors' parts (most write more than one paper)."""
    name = ""
    if paper.authors:
        author = paper.authors[0].name
        known = names.get(author) if names is not None else None
        if known is None:
            name = _name_part(author)
            if names is not None:
                names[author] = name
        else:
            name = known
    return f"{name or 'anon'}{cited_moment(paper).year:04d}{key_word(paper.title)}"


def _suffix(n: int) -> str:
    """0 -> '', 1 -> 'a', 26 -> 'z', 27 -> 'aa': letters, as many as needed."""
    out = ""
    while n:
        n, rest = divmod(n - 1, 26)
        out = chr(ord("a") + rest) + out
    return out


def assign_keys(papers: Iterable[Paper]) -> dict[str, str]:
    """Paper id -> citation key, unique across ``papers`` (ignoring letter case).

    A paper's own ``citation_key`` is its key. The others sharing a base key
    are ordered by listing date, then id: the first keeps the base key, the
    next get 'a', 'b', ... A key some paper has fixed is never given to
    another, and a suffixed key never takes another paper's base key
    (``smith2024deep`` + 'a' against a title word 'deepa'): it skips to the
    next letter."""
    keys: dict[str, str] = {}
    groups: dict[str, list[Paper]] = {}
    names: dict[str, str] = {}
    for paper in papers:
        if paper.citation_key:
            keys[paper.id] = paper.citation_key
        else:
            base = base_key(paper, names)
            group = groups.get(base)
            if group is None:
                groups[base] = [paper]
            else:
                group.append(paper)
    taken = {key.casefold() for key in keys.values()}
    # A base key that one paper alone has, and no paper has fixed, is that
    # paper's: suffixed keys are never a base key, so no other group can take
    # it, nor does it stand in the way of any. Only the rest are ordered and
    # walked (at 100k bench papers, ~14k of the bases).
    crowded = []
    for base, members in groups.items():
        if len(members) == 1 and base not in taken:
            keys[members[0].id] = base
        else:
            crowded.append(base)
    for base in sorted(crowded):
        members = groups[base]
        if len(members) > 1:
            members = sorted(members, key=lambda p: (p.date, p.id))
        n = 0
        for paper in members:
            while (key := base + _suffix(n)) in taken or (n and key in groups):
                n += 1
            taken.add(key)
            keys[paper.id] = key
            n += 1
    return keys


class Citation(NamedTuple):
    """What a BibTeX entry and a RIS record say about a paper. A named tuple:
    immutable, and made ~3 µs faster than a frozen dataclass (views.py)."""

    key: str
    title: str  # plain text
    authors: tuple[str, ...]
    moment: datetime
    venue: str | None
    journal: bool  # venue is a journal (else a conference)
    arxiv_id: str | None
    primary_class: str | None
    doi: str | None
    url: str
    tags: tuple[str, ...]


def _doi_of(paper: Paper) -> str | None:
    link = paper.link("doi")
    doi = unquote(_DOI_PREFIX.sub("", link.strip())) if link else ""
    return doi if _DOI.fullmatch(doi) else None


def _primary_class(arxiv_id: str | None, tags: Sequence[str]) -> str | None:
    """An old-style id's archive (hep-th/9901001 -> hep-th), else the first tag
    that is an arXiv category (the arXiv importer keeps the primary first)."""
    match = _OLD_ARXIV.fullmatch(arxiv_id or "")
    if match:
        return match.group(1)
    return next((tag for tag in tags if _CATEGORY.fullmatch(tag)), None)


_name_of = operator.attrgetter("name")


def make_citation(paper: Paper, key: str, title: str, arxiv_id: str | None, page_url: str) -> Citation:
    """``title``: the title as plain text; ``page_url``: the paper's page, the
    URL cited unless it has an arXiv id (then its arXiv abstract page)."""
    venue = " ".join(paper.venue.split()) if paper.venue else None
    # Citation's fields in their order, made a Citation by tuple.__new__, without
    # the named tuple's Python __new__ (test_citation.py checks the fields).
    return _new_citation(Citation, (
        key,
        " ".join(title.split()),  # title
        tuple(map(" ".join, map(str.split, map(_name_of, paper.authors)))),  # authors: C calls, no generator
        paper.published or paper.date,  # moment: cited_moment's
        venue,
        bool(venue and _JOURNAL.search(venue) and not _CONFERENCE.search(venue)),  # journal
        arxiv_id,
        _primary_class(arxiv_id, paper.tags) if arxiv_id else None,
        _doi_of(paper),
        f"https://arxiv.org/abs/{arxiv_id}" if arxiv_id else page_url,  # url
        paper.tags,
    ))  # fmt: skip


_new_citation = tuple.__new__


def _text(value: str) -> str:
    # str.translate looks up every character in a dict; most values have no special one.
    return value.translate(_TEXT_SPECIALS) if _TEXT_SPECIAL.search(value) else value


def _verbatim(value: str) -> str:
    return value.translate(_VERBATIM_SPECIALS) if _VERBATIM_SPECIAL.search(value) else value


def _bib_name(name: str) -> str:
    if _NAME_SPECIAL.search(name) is None:  # one search for most names, not two
        return name
    # "Google and DeepMind" is one name, not two: braced, BibTeX keeps it whole.
    return "{" + _text(name) + "}" if _AND.search(name) else _text(name)


def entry_type(citation: Citation) -> str:
    if citation.venue:
        return "article" if citation.journal else "inproceedings"
    return "misc"


def bibtex(citation: Citation) -> str:
    """One BibTeX entry, without a final newline: ``  name = {value}`` lines joined
    by ",\n" (written field by field: ~2 µs less than pairs formatted in a loop)."""
    kind = entry_type(citation)
    out = [f"@{kind}{{{citation.key},\n  title = {{{{{_text(citation.title)}}}}}"]  # {{...}}: capitals kept
    if citation.authors:
        names = citation.authors
        # One search of them all, not one a name (most have nothing _bib_name changes):
        # NUL is neither a special nor a word character, so a match lies in one name.
        if _NAME_SPECIAL.search("\0".join(names)) is not None:
            names = map(_bib_name, names)  # type: ignore[assignment]
        out.append(f"  author = {{{' and '.join(names)}}}")
    if citation.venue:
        out.append(f"  {'journal' if kind == 'article' else 'booktitle'} = {{{_text(citation.venue)}}}")
    out.append(f"  year = {{{citation.moment.year:04d}}}")
    if citation.arxiv_id:
        out.append(f"  eprint = {{{citation.arxiv_id}}},\n  archivePrefix = {{arXiv}}")
        if citation.primary_class:
            out.append(f"  primaryClass = {{{citation.primary_class}}}")
    if citation.doi:
        out.append(f"  doi = {{{_verbatim(citation.doi)}}}")
    out.append(f"  url = {{{_verbatim(citation.url)}}}\n}}")
    return ",\n".join(out)


def _ris_type(citation: Citation) -> str:
    if citation.venue:
        return "JOUR" if citation.journal else "CONF"
    return "UNPB" if citation.arxiv_id else "GEN"


def _ris_name(name: str) -> str:
    """'Noah D. Goodman' -> 'Goodman, Noah D.', as RIS asks; a one-word name as it is.
    Most names have no comma and end in a family name that is not 'Jr.': it is the
    last word (family_name), and the given names the others (_given_names), split
    once. Single-spaced, as a RIS value is (tests/unit/test_ris_reference.py)."""
    if "," not in name:
        words = name.split()
        if len(words) > 1 and words[-1].rstrip(".").lower() not in _GENERATIONS:
            return words[-1] + ", " + " ".join(words[:-1])
    family = family_name(name)
    given = _given_names(name, family)
    return _one_line(f"{family}, {given}" if given else family)


def ris(citation: Citation, abstract: str, spaced: bool = False) -> str:
    """One RIS record: tag, two spaces, hyphen, space, value; lines end with CR LF
    as the RIS specification says (Zotero, Mendeley and EndNote read it). Each
    value single-spaced (" ".join(value.split())); written line by line, without
    a (tag, value) pair a line (tests/unit/test_ris_reference.py). ``spaced``:
    the abstract is single-spaced already, as markup's plain text is (pages/cite.py),
    and written as it is: making sure again costs ~5 µs an ASCII abstract, ~35 µs
    one with a character beyond ASCII."""
    # Each value single-spaced by " ".join(value.split()) in place (_one_line's, without a call).
    moment = citation.moment
    year = f"{moment.year:04d}"
    out = [f"TY  - {_ris_type(citation)}\r\nID  - {' '.join(citation.key.split())}\r\n"]
    out.append(f"TI  - {' '.join(citation.title.split())}\r\n")
    out += _ris_authors(citation.authors)
    out.append(f"PY  - {year}\r\nDA  - {year}/{moment.month:02d}/{moment.day:02d}/\r\n")
    if citation.venue:
        out.append(f"T2  - {' '.join(citation.venue.split())}\r\n")
    if abstract:
        out.append(f"AB  - {abstract if spaced else _one_spaced(abstract)}\r\n")
    out += [f"KW  - {' '.join(tag.split())}\r\n" for tag in citation.tags]
    if citation.doi:
        out.append(f"DO  - {' '.join(citation.doi.split())}\r\n")
    out.append(f"UR  - {' '.join(citation.url.split())}\r\nER  - \r\n")
    return "".join(out)


def _ris_authors(names: tuple[str, ...]) -> list[str]:
    """An AU line a name (``_ris_name``). Names as make_citation makes them (no
    comma, single-spaced: one check of them all) are split at their last space
    by ``rpartition``, one call a name, not the several of ``_ris_name``'s split."""
    joined = " ".join(names)
    if "," in joined or not _single_spaced(joined):
        return [f"AU  - {_ris_name(name)}\r\n" for name in names]
    return [
        f"AU  - {last}, {given}\r\n"
        if given and last.rstrip(".").lower() not in _GENERATIONS
        else f"AU  - {_ris_name(name)}\r\n"
        for name in names
        for given, _, last in [name.rpartition(" ")]
    ]


def _single_spaced(value: str) -> bool:
    """Whether ``value`` is ``" ".join(value.split())``: every character
    ``str.split`` splits at but the space is one ``isprintable`` refuses
    (controls, separators), so a printable value without two spaces in a row,
    or one at either end, is (test_ris_reference.py checks it on every character)."""
    return value.isprintable() and "  " not in value and value[:1] != " " and value[-1:] != " "


def _one_line(value: str) -> str:
    return " ".join(value.split())


_ASCII_SPACES = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f"  # what str.split() splits at in ASCII, but the space


def _one_spaced(value: str) -> str:
    """``" ".join(value.split())``; an ASCII value already so (an abstract's
    plain text always is) as it is, without making a string of every word."""
    if value.isascii() and "  " not in value and value[:1] != " " and value[-1:] != " ":
        for space in _ASCII_SPACES:
            if space in value:
                break
        else:
            return value
    return " ".join(value.split())
