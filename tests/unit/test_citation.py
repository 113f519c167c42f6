"""citation.py: the key rule, collisions, BibTeX and RIS text (docs/content.md, "Citations")."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import bibtexparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.citation import (
    Citation,
    assign_keys,
    base_key,
    bibtex,
    family_name,
    key_word,
    make_citation,
    ris,
)
from sitegen.model import Author, Paper

UTC = timezone.utc
LISTED = datetime(2025, 3, 14, tzinfo=UTC)


def make(paper_id: str = "p", title: str = "Quiet thoughts", authors=("Eric Zelikman",), **fields) -> Paper:
    listed = fields.pop("date", LISTED)
    return Paper(
        id=paper_id,
        title=title,
        date=listed,
        day=listed.date(),
        authors=tuple(map(Author, authors)),
        **fields,
    )


def parse_one(text: str):
    library = bibtexparser.parse_string(text)
    assert library.failed_blocks == [], text
    assert len(library.entries) == 1, text
    return library.entries[0]


def balanced(text: str) -> bool:
    """As BibTeX counts braces: backslashes do not escape them."""
    depth = 0
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


@pytest.mark.parametrize(
    ("name", "family"),
    [
        ("Eric Zelikman", "Zelikman"),
        ("Noah D. Goodman", "Goodman"),
        ("Goodman, Noah D.", "Goodman"),
        ("Martin Luther King Jr.", "King"),
        ("Plato", "Plato"),
        ("  Ada   Lovelace ", "Lovelace"),
    ],
)
def test_family_name(name: str, family: str) -> None:
    assert family_name(name) == family


@pytest.mark.parametrize(
    ("title", "word"),
    [
        ("Quiet-STaR: Language Models", "quiet"),
        ("An *old-style* identifier", "old"),  # articles and Markdown marks skipped
        ("On the Role of $\\alpha$-Decay", "role"),
        ("$O(n)$ attention is all", "attention"),  # math is skipped
        ("Don't stop pretraining", "dont"),
        ("3D Gaussians", "3d"),
        ("1000 Layer Networks", "layer"),  # a word needs a letter
        ("Über Schrödinger", "uber"),
        ("事前学習", ""),
    ],
)
def test_key_word(title: str, word: str) -> None:
    assert key_word(title) == word


def test_the_key_is_family_name_year_and_title_word_ascii_folded() -> None:
    assert (
        base_key(make(title="Quiet-STaR", authors=["Eric Zelikman", "Noah Goodman"])) == "zelikman2025quiet"
    )
    assert base_key(make(title="Das Modell", authors=["Jürgen Müller-Straße"])) == "mullerstrasse2025modell"
    assert base_key(make(title="Łódź", authors=["Łukasz Kaiser"])) == "kaiser2025lodz"
    assert base_key(make(title="Title", authors=[])) == "anon2025title", "no authors"
    assert base_key(make(title="Title", authors=["王小明"])) == "anon2025title", "no Latin letters"
    assert base_key(make(title="事前学習")) == "zelikman2025", "no title word"


def test_year_and_key_come_from_publication_else_listing() -> None:
    published = datetime(1999, 1, 4, tzinfo=UTC)
    paper = make(published=published)
    assert base_key(paper) == "zelikman1999quiet"
    entry = parse_one(bibtex(make_citation(paper, "k", paper.title, None, "https://e.org/p/")))
    assert entry.fields_dict["year"].value == "1999"
    text = ris(make_citation(paper, "k", paper.title, None, "https://e.org/p/"), "")
    assert "PY  - 1999\r\n" in text and "DA  - 1999/01/04/\r\n" in text
    listed_only = make()
    assert "DA  - 2025/03/14/\r\n" in ris(make_citation(listed_only, "k", "T", None, "u"), "")


def test_a_citation_is_its_named_fields_made_from_the_paper() -> None:
    """make_citation makes its Citation by tuple.__new__ from the fields in their
    order: each field by name is what the paper says, cleaned as the rule says."""
    published = datetime(2024, 5, 6, tzinfo=UTC)
    paper = make(
        title="ignored: the caller's plain title is cited",
        authors=("Noah  D.\tGoodman", "Ada Lovelace"),
        published=published,
        venue="Journal of  Things",
        links=(("doi", "https://doi.org/10.1234/abc"),),
        tags=("cs.CL", "llm"),
    )
    c = make_citation(paper, "goodman2024quiet", " Quiet\n thoughts ", "2401.01234", "https://e.org/p/")
    assert type(c) is Citation
    assert c._asdict() == {
        "key": "goodman2024quiet",
        "title": "Quiet thoughts",
        "authors": ("Noah D. Goodman", "Ada Lovelace"),
        "moment": published,
        "venue": "Journal of Things",
        "journal": True,
        "arxiv_id": "2401.01234",
        "primary_class": "cs.CL",
        "doi": "10.1234/abc",
        "url": "https://arxiv.org/abs/2401.01234",
        "tags": ("cs.CL", "llm"),
    }
    listed = make_citation(make(venue="Proceedings of the Conference"), "k", "T", None, "https://e.org/p/")
    assert (listed.moment, listed.journal, listed.url, listed.doi) == (
        LISTED,
        False,
        "https://e.org/p/",
        None,
    )


def test_collisions_get_letters_in_listing_order_then_id() -> None:
    day = timedelta(days=1)
    papers = [
        make("b", date=LISTED),
        make("c", date=LISTED + day),
        make("a", date=LISTED),
        make("other", title="Other"),
    ]
    keys = assign_keys(papers)
    assert keys == {
        "a": "zelikman2025quiet",
        "b": "zelikman2025quieta",
        "c": "zelikman2025quietb",
        "other": "zelikman2025other",
    }


def test_a_paper_listed_later_never_changes_the_keys_before_it() -> None:
    rng = random.Random(7)
    titles = ["Quiet", "Quiet", "Loud", "Quiet things", "Loud noise"]
    papers = [
        make(f"p{i}", title=rng.choice(titles), authors=[rng.choice(["A Smith", "B Smith", "C Jones"])],
             date=LISTED + timedelta(hours=i))
        for i in range(60)
    ]  # fmt: skip
    keys = assign_keys(papers)
    assert len(set(keys.values())) == len(papers)
    for n in range(1, len(papers)):
        earlier = assign_keys(papers[:n])
        assert all(keys[paper_id] == key for paper_id, key in earlier.items()), n
    shuffled = papers[:]
    rng.shuffle(shuffled)
    assert assign_keys(shuffled) == keys, "the order papers come in does not matter"


def test_after_z_come_two_letters() -> None:
    papers = [make(f"p{i:02d}", date=LISTED + timedelta(hours=i)) for i in range(29)]
    keys = assign_keys(papers)
    assert [keys[f"p{i:02d}"][-2:] for i in (0, 1, 26, 27, 28)] == ["et", "ta", "tz", "aa", "ab"]


def test_a_suffixed_key_never_takes_another_papers_base_key() -> None:
    papers = [
        make("x1", title="Deep"),
        make("x2", title="Deep", date=LISTED + timedelta(1)),
        make("y", title="Deepa"),
    ]
    keys = assign_keys(papers)
    assert keys == {"x1": "zelikman2025deep", "y": "zelikman2025deepa", "x2": "zelikman2025deepb"}


def test_a_fixed_key_is_kept_and_never_given_to_another_paper() -> None:
    papers = [
        make("fixed", title="Other", citation_key="Zelikman2025Quiet"),
        make("computed", title="Quiet"),
        make("mine", citation_key="my:key-1"),
    ]
    keys = assign_keys(papers)
    assert keys["fixed"] == "Zelikman2025Quiet" and keys["mine"] == "my:key-1"
    assert keys["computed"] == "zelikman2025quieta", "the fixed key is taken, whatever its letter case"


def test_bibtex_entry_types_and_fields() -> None:
    def entry(paper: Paper, arxiv_id: str | None = None):
        return parse_one(bibtex(make_citation(paper, "k", paper.title, arxiv_id, "https://e.org/papers/p/")))

    journal = entry(make(venue="Transactions on Machine Learning Research"))
    assert journal.entry_type == "article"
    assert journal.fields_dict["journal"].value == "Transactions on Machine Learning Research"
    assert entry(make(venue="Phys. Rev. D 59, 123 (1999)")).entry_type == "article"
    assert entry(make(venue="Symposium on Foundations of Computer Science")).entry_type == "inproceedings"
    conference = entry(make(venue="NeurIPS 2024"), "2403.09629")
    assert (
        conference.entry_type == "inproceedings"
        and conference.fields_dict["booktitle"].value == "NeurIPS 2024"
    )
    assert conference.fields_dict["eprint"].value == "2403.09629", "an arXiv id is given with a venue too"
    preprint = entry(make(tags=("llm", "cs.CL", "cs.LG")), "2403.09629")
    assert preprint.entry_type == "misc"
    fields = {name: f.value for name, f in preprint.fields_dict.items()}
    assert fields["eprint"] == "2403.09629" and fields["archivePrefix"] == "arXiv"
    assert fields["primaryClass"] == "cs.CL", "the first tag that is an arXiv category"
    assert fields["url"] == "https://arxiv.org/abs/2403.09629"
    old = entry(make(), "hep-th/9901001")
    assert old.fields_dict["primaryClass"].value == "hep-th", "an old-style id names its archive"
    plain = entry(make(authors=[], links=(("doi", "https://doi.org/10.1000/a_b%28c%29"),)))
    assert plain.entry_type == "misc" and "author" not in plain.fields_dict
    assert "primaryClass" not in plain.fields_dict and "eprint" not in plain.fields_dict
    assert (
        plain.fields_dict["doi"].value == "10.1000/a_b(c)"
        and plain.fields_dict["url"].value == "https://e.org/papers/p/"
    )


def test_bibtex_escapes_latex_specials() -> None:
    paper = make(
        title="50% of {Q&A} #1 in snake_case: $x^2$ ~ \\LaTeX", authors=["Ana_Lee", "Google and DeepMind"]
    )
    citation = make_citation(paper, "k", paper.title, None, "https://e.org/a b/")
    text = bibtex(citation)
    fields = parse_one(text).fields_dict
    assert fields["title"].value == (
        r"{50\% of \textbraceleft{}Q\&A\textbraceright{} \#1 in snake\_case: "
        r"\$x\^{}2\$ \~{} \textbackslash{}LaTeX}"
    )
    assert fields["author"].value == r"Ana\_Lee and {Google and DeepMind}", "a name with 'and' stays one name"
    assert fields["url"].value == "https://e.org/a%20b/"
    assert balanced(text)


@settings(max_examples=200, deadline=None)
@given(
    st.text(min_size=1, max_size=80),
    st.lists(st.text(min_size=1, max_size=30), max_size=3),
    st.text(max_size=40),
)
def test_any_text_makes_one_entry_that_parses(title: str, names: list[str], venue: str) -> None:
    paper = make(title=title, authors=names, venue=venue or None)
    text = bibtex(make_citation(paper, "k", title, None, "https://e.org/p/"))
    assert balanced(text)
    entry = parse_one(text)
    assert entry.key == "k"
    record = ris(make_citation(paper, "k", title, None, "https://e.org/p/"), venue)
    lines = record.split("\r\n")
    assert lines[0].startswith("TY  - ") and lines[-2] == "ER  - " and lines[-1] == ""
    assert all(line[:2].isalnum() and line[2:6] == "  - " for line in lines[:-1])


def test_ris_record() -> None:
    paper = make(
        authors=["Eric Zelikman", "Noah D. Goodman", "Plato"],
        venue="COLM 2024",
        tags=("reasoning", "LLM"),
        links=(("doi", "10.1000/xyz"),),
    )
    text = ris(
        make_citation(paper, "zelikman2025quiet", "Quiet\nthoughts", None, "https://e.org/p/"),
        "An\nabstract.",
    )
    assert text == (
        "TY  - CONF\r\nID  - zelikman2025quiet\r\nTI  - Quiet thoughts\r\n"
        "AU  - Zelikman, Eric\r\nAU  - Goodman, Noah D.\r\nAU  - Plato\r\n"
        "PY  - 2025\r\nDA  - 2025/03/14/\r\nT2  - COLM 2024\r\nAB  - An abstract.\r\n"
        "KW  - reasoning\r\nKW  - LLM\r\nDO  - 10.1000/xyz\r\nUR  - https://e.org/p/\r\nER  - \r\n"
    )
    bare = ris(make_citation(make(authors=[]), "k", "T", None, "u"), "")
    assert (
        "AU  -" not in bare
        and "AB  -" not in bare
        and "T2  -" not in bare
        and bare.startswith("TY  - GEN\r\n")
    )
    assert ris(make_citation(make(), "k", "T", "2403.09629", "u"), "").startswith("TY  - UNPB\r\n")
    journal = ris(make_citation(make(venue="Nature"), "k", "T", None, "u"), "")
    assert journal.startswith("TY  - JOUR\r\n")


# --- the rule's documented cases (docs/content.md, "The citation key") ---


@pytest.mark.parametrize(
    ("name", "family"),
    [
        ("John Smith Sr.", "Smith"),
        ("Henry Ford II", "Ford"),
        ("Henry Ford III", "Ford"),
        ("Louis Bourbon IV", "Bourbon"),
        ("Smith, John, Jr.", "Smith"),
    ],
)
def test_family_name_leaves_out_generations(name: str, family: str) -> None:
    assert family_name(name) == family


@pytest.mark.parametrize(
    ("title", "word"),
    [
        ("Towards Faster Decoding", "faster"),
        ("Is Attention All You Need?", "attention"),
        ("How Transformers Learn", "transformers"),
        ("What Makes a Good Prompt", "makes"),
        ("A [survey](https://example.org/overview) of agents", "survey"),  # a link's text is words
        ("[](https://example.org/first) Second", "second"),  # its target is not
    ],
)
def test_key_word_skips_stop_words_and_link_targets(title: str, word: str) -> None:
    assert key_word(title) == word


@pytest.mark.parametrize(
    "venue",
    [
        "Journal of Machine Learning Research",
        "IEEE Transactions on Pattern Analysis",
        "Physical Review Letters",
        "Annual Review of Statistics",
        "AI Magazine",
        "Nature",
        "Science",
        "J. Chem. Inf.",
        "IEEE Trans. Inf. Theory",
        "Phys. Rev. D 59",
        "TMLR",
        "JMLR",
        "TACL",
    ],
)
def test_a_venue_naming_a_journal_is_an_article(venue: str) -> None:
    citation = make_citation(make(venue=venue), "k", "T", None, "https://e.org/p/")
    assert parse_one(bibtex(citation)).entry_type == "article", venue
    assert ris(citation, "").startswith("TY  - JOUR\r\n"), venue


@pytest.mark.parametrize(
    "word", ["Conference", "Proceedings", "Workshop", "Symposium", "Meeting", "Congress"]
)
def test_a_venue_saying_it_is_a_conference_is_inproceedings_even_if_it_names_a_journal(word: str) -> None:
    venue = f"Journal Track {word} on Science"
    citation = make_citation(make(venue=venue), "k", "T", None, "https://e.org/p/")
    entry = parse_one(bibtex(citation))
    assert entry.entry_type == "inproceedings" and entry.fields_dict["booktitle"].value == venue
    assert ris(citation, "").startswith("TY  - CONF\r\n")


def test_url_and_doi_are_verbatim_with_spaces_braces_and_backslashes_percent_encoded() -> None:
    paper = make(links=(("doi", "10.1000/a{b}\\c"),))
    text = bibtex(make_citation(paper, "k", paper.title, None, "https://e.org/a b/{x}\\y_%#&~/"))
    assert balanced(text)
    fields = parse_one(text).fields_dict
    assert fields["url"].value == "https://e.org/a%20b/%7Bx%7D%5Cy_%#&~/", "nothing else escaped"
    assert fields["doi"].value == "10.1000/a%7Bb%7D%5Cc"


def test_bibtex_has_no_abstract_and_keeps_letters_beyond_ascii() -> None:
    paper = make(title="Über Schrödinger", authors=["Jürgen Müller"], abstract="A long abstract.")
    text = bibtex(make_citation(paper, "k", paper.title, None, "https://e.org/p/"))
    fields = parse_one(text).fields_dict
    assert "abstract" not in fields and "A long abstract" not in text
    assert fields["title"].value == "{Über Schrödinger}" and fields["author"].value == "Jürgen Müller"


def test_removing_a_paper_from_a_collision_moves_the_later_ones_back() -> None:
    day = timedelta(days=1)
    papers = [make("a"), make("b", date=LISTED + day), make("c", date=LISTED + 2 * day)]
    keys = assign_keys(papers)
    assert keys == {"a": "zelikman2025quiet", "b": "zelikman2025quieta", "c": "zelikman2025quietb"}
    assert assign_keys(papers[1:]) == {"b": "zelikman2025quiet", "c": "zelikman2025quieta"}
    earlier = make("z", date=LISTED - day)  # listed before all of them: each moves one letter on
    assert assign_keys([*papers, earlier]) == {
        "z": "zelikman2025quiet",
        "a": "zelikman2025quieta",
        "b": "zelikman2025quietb",
        "c": "zelikman2025quietc",
    }


@settings(max_examples=3000, deadline=None)
@given(
    st.lists(
        # Mostly words and spaces (the shortcut's case), now and then any other whitespace.
        st.sampled_from(["ab", "c", " ", " ", "  ", *"\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u2028é"])
        | st.sampled_from(["ab", "c", " "]),
        max_size=12,
    ).map("".join)
)
def test_one_spaced_is_split_and_join_for_any_text(text: str) -> None:
    from sitegen.citation import _one_spaced

    assert _one_spaced(text) == " ".join(text.split())
