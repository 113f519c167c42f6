"""README.md's pictures and links: every image is a PNG in docs/img/ as
scripts/screenshots.py names and shoots it, every link to a file of the
repository (and to a heading in it) resolves, so a broken one fails here."""

from __future__ import annotations

import re
import struct
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
PNG = b"\x89PNG\r\n\x1a\n"


def _screenshots():
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import screenshots
    finally:
        sys.path.remove(str(REPO / "scripts"))
    return screenshots


def _images(text: str) -> list[tuple[str, str]]:
    return re.findall(r"!\[([^\]]*)\]\(([^)\s]+)\)", text)


def _links(text: str) -> list[str]:
    return [target for target in re.findall(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)", text) if "://" not in target]


def _anchors(markdown: str) -> set[str]:
    """The ids GitHub gives a file's headings: lower case, punctuation but
    hyphens dropped, spaces as hyphens, a repeat numbered."""
    seen: dict[str, int] = {}
    ids = set()
    text = re.sub(r"(?ms)^```.*?^```", "", markdown)  # no headings in code blocks
    for heading in re.findall(r"(?m)^#{1,6} +(.+?) *#*$", text):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        ids.add(f"{slug}-{seen[slug]}" if slug in seen else slug)
        seen[slug] = seen.get(slug, 0) + 1
    return ids


def _png_size(data: bytes) -> tuple[int, int]:
    return struct.unpack(">II", data[16:24])


def test_readme_shows_pictures() -> None:
    images = _images(README.read_text(encoding="utf-8"))
    assert len(images) >= 7, images
    assert all(alt.strip() for alt, _ in images), "every picture has alt text"


@pytest.mark.parametrize("alt,target", _images(README.read_text(encoding="utf-8")))
def test_every_readme_picture_is_a_png_the_script_shot(alt: str, target: str) -> None:
    shot = re.fullmatch(r"docs/img/(\w+)-([\w-]+?)-(\d+)(-dark)?\.png", target)
    assert shot, f"{target}: not a docs/img/<theme>-<page>-<width>[-dark].png of scripts/screenshots.py"
    theme, page, width = shot.group(1), shot.group(2), int(shot.group(3))
    screenshots = _screenshots()
    assert page in screenshots.PAGES, f"{target}: the script shoots no page {page!r}"
    assert (REPO / "themes" / theme).is_dir(), f"{target}: no built-in theme {theme!r}"
    path = REPO / target
    assert path.is_file(), f"{target} does not exist"
    data = path.read_bytes()
    assert data[:8] == PNG and data[12:16] == b"IHDR", f"{target} is not a PNG"
    shot_width, shot_height = _png_size(data)
    if page in screenshots.SECTIONS:  # one element of a page that wide, narrower than it
        assert 0 < shot_width < width, f"{target}: {shot_width} px wide, in a {width} px window with margins"
    else:  # the first screen
        assert (shot_width, shot_height) == (width, 720), f"{target}: {shot_width}x{shot_height}"
    assert len(data) <= screenshots.MAX_BYTES, f"{target}: {len(data)} bytes"


@pytest.mark.parametrize("target", _links(README.read_text(encoding="utf-8")))
def test_every_readme_link_to_a_file_resolves(target: str) -> None:
    name, _, anchor = target.partition("#")
    path = REPO / name if name else README
    assert path.is_file(), f"{target}: no such file"
    if anchor:
        assert anchor in _anchors(path.read_text(encoding="utf-8")), f"{target}: no such heading"


def test_made_up_upvotes_are_said_so() -> None:
    """The sample has no upvotes: a picture shot with --upvotes (trending)
    says they are made up, next to it."""
    text = README.read_text(encoding="utf-8")
    for _, target in _images(text):
        if "-trending-" in target:
            after = text[text.index(target) :][:400]
            assert "made-up upvotes" in after.lower(), target


def test_anchors_are_githubs() -> None:
    doc = "# Related papers (`related:` in site.yaml)\n## The daily digest\n```\n# not one\n```\n"
    doc += "## Notes\n## Notes\n"
    assert _anchors(doc) == {"related-papers-related-in-siteyaml", "the-daily-digest", "notes", "notes-1"}


def test_the_sample_has_no_upvotes_and_no_thumbnails() -> None:
    """README.md: "the sample site has none" (upvotes), "The sample papers have none" (thumbnails)."""
    from sitegen.config import load_config
    from sitegen.loading import load_papers

    papers = load_papers(load_config(REPO))
    assert papers and not any(p.upvotes for p in papers) and not any(p.thumbnail for p in papers)


def _doc_links() -> list[tuple[str, str]]:
    docs = [*sorted((REPO / "docs").glob("*.md")), REPO / "bench" / "README.md"]
    found = []
    for doc in docs:
        # Links shown as examples, in code, are not links; nor is any target with a scheme.
        text = re.sub(r"`[^`\n]*`", "", re.sub(r"(?ms)^```.*?^```", "", doc.read_text("utf-8")))
        found += [(doc.relative_to(REPO).as_posix(), target) for target in _links(text)]
    return [(doc, target) for doc, target in found if not re.match(r"[a-zA-Z][\w+.-]*:", target)]


@pytest.mark.parametrize("doc,target", _doc_links())
def test_every_docs_link_to_a_file_or_heading_resolves(doc: str, target: str) -> None:
    """The docs link to each other's sections ("Cold build at 100k"): a renamed heading fails here."""
    name, _, anchor = target.partition("#")
    path = (REPO / doc).parent / name if name else REPO / doc
    assert path.exists(), f"{doc}: {target}: no such file"
    if anchor:
        assert anchor in _anchors(path.read_text(encoding="utf-8")), f"{doc}: {target}: no such heading"
