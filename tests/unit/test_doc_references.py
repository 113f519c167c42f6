"""Code and docs name a section of a document by its title: `docs/feeds.md, "Feed ids"` or
`(performance-notes.md, "Feed bytes written directly")`. Markdown links are checked in
test_readme.py; these plain references are checked here, so that a heading renamed or
moved to another file fails a test instead of leaving a reader looking for it."""

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"

# A document's name, then one or more quoted titles: `performance.md, "A", and "B"`.
_REFERENCE = re.compile(r'\b((?:docs/)?[\w-]+\.md)\s*[,(]\s*((?:"[^"]+"(?:,?\s*(?:and\s+)?)?)+)')


def _sources() -> list[Path]:
    files = [*REPO.glob("sitegen/**/*.py"), *REPO.glob("tests/**/*.py"), *DOCS.glob("*.md")]
    files += [REPO / "README.md", REPO / "pyproject.toml", REPO / "bench" / "README.md"]
    this = Path(__file__).resolve()  # its docstring's examples are not references
    return [path for path in files if "node_modules" not in path.parts and path.exists() and path != this]


def _joined(text: str) -> str:
    """Lines joined, without the '#' or indentation that continues a comment or docstring."""
    return re.sub(r"\s*\n\s*(?:#\s*)?", " ", text)


def _references() -> list[tuple[str, str, str]]:
    found = []
    for path in _sources():
        for match in _REFERENCE.finditer(_joined(path.read_text(encoding="utf-8"))):
            doc = DOCS / Path(match.group(1)).name
            if not doc.exists():
                continue  # another file of that name (a theme's, a README), not a document
            for title in re.findall(r'"([^"]+)"', match.group(2)):
                found.append((path.relative_to(REPO).as_posix(), doc.name, title))
    return found


def _sections(doc: str) -> list[str]:
    """A document's headings and the bold titles of its list items ("- **One sanitiser.**")."""
    text = re.sub(r"(?ms)^```.*?^```", "", (DOCS / doc).read_text(encoding="utf-8"))
    return re.findall(r"(?m)^#{1,6} +(.+?) *#*$", text) + re.findall(r"(?m)^\s*- \*\*([^*]+)\*\*", text)


REFERENCES = _references()


def test_references_are_found() -> None:
    assert len(REFERENCES) > 20, REFERENCES


@pytest.mark.parametrize("source,doc,title", REFERENCES)
def test_every_section_named_by_its_title_exists(source: str, doc: str, title: str) -> None:
    title = " ".join(title.split())
    sections = _sections(doc)
    assert any(section.startswith(title) for section in sections), (
        f'{source} names docs/{doc}, "{title}": no heading or item of that title there'
    )
