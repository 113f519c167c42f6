"""citation.bibtex writes each field itself and looks at an author's name once;
the entry must be what the field-list rule (kept here) writes, for any citation."""

from __future__ import annotations

from datetime import datetime, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen import citation
from sitegen.citation import Citation, _text, _verbatim, entry_type


def reference_bibtex(c: Citation) -> str:
    """bibtex as it was: (name, value) pairs formatted in one join; names through
    the two searches (_AND, then _text)."""

    def bib_name(name: str) -> str:
        return "{" + _text(name) + "}" if citation._AND.search(name) else _text(name)

    kind = entry_type(c)
    fields = [("title", "{" + _text(c.title) + "}")]
    if c.authors:
        fields.append(("author", " and ".join(map(bib_name, c.authors))))
    if c.venue:
        fields.append(("journal" if kind == "article" else "booktitle", _text(c.venue)))
    fields.append(("year", f"{c.moment.year:04d}"))
    if c.arxiv_id:
        fields += [("eprint", c.arxiv_id), ("archivePrefix", "arXiv")]
        if c.primary_class:
            fields.append(("primaryClass", c.primary_class))
    if c.doi:
        fields.append(("doi", _verbatim(c.doi)))
    fields.append(("url", _verbatim(c.url)))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{kind}{{{c.key},\n{body}\n}}"


_TEXT = st.text(alphabet="aAnNdD é{}\\$&%#_^~ -.", max_size=20)
_NAME = st.one_of(_TEXT, st.sampled_from(["Google and DeepMind", "Alexander Andersen", "A AND B", "R&D Lab"]))


@settings(max_examples=1500, deadline=None)
@given(
    key=st.text(alphabet="abc0123", min_size=1, max_size=8),
    title=_TEXT,
    authors=st.lists(_NAME, max_size=5).map(tuple),
    year=st.integers(1, 9999),
    venue=st.none() | _TEXT,
    journal=st.booleans(),
    arxiv_id=st.none() | st.sampled_from(["2401.01234", "hep-th/9901001"]),
    primary_class=st.none() | st.sampled_from(["cs.CL", "hep-th"]),
    doi=st.none() | _TEXT,
    url=_TEXT,
)
def test_bibtex_is_the_field_list_rule_for_any_citation(
    key, title, authors, year, venue, journal, arxiv_id, primary_class, doi, url
):
    c = Citation(
        key=key,
        title=title,
        authors=authors,
        moment=datetime(year, 1, 2, tzinfo=timezone.utc),
        venue=venue,
        journal=journal,
        arxiv_id=arxiv_id,
        primary_class=primary_class,
        doi=doi,
        url=url,
        tags=(),
    )
    assert citation.bibtex(c) == reference_bibtex(c)
