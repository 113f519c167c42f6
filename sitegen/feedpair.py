"""A paper's Atom entry and RSS item written together, for its feed record
(feedrecords.make): the bytes feedxml.atom_entry and feedxml.rss_item write
of ``prepare(entry)``, with each value checked, encoded and escaped once for
both formats rather than once for ``prepare`` and once for each format.

Its values (the entry's id, title, URL, HTML, summary, thumbnail, authors'
names, tags) are joined with NUL, which no value XML can hold contains, and
that one string is checked for what XML 1.0 cannot hold (feeds._text), encoded
and escaped as text (feedxml.text), then split. A value with such a character
(each is removed, and a value may then be empty, which changes what is
written), or an entry without its title, is left to ``prepare`` and feedxml.py:
``entry_pair`` says None. Attribute values (the link, the thumbnail, Atom's
categories) are the text's bytes with feedxml.attribute's other escapes.

Measured with instruction counts in docs/performance-notes.md ("A paper's feed record
made once for both formats"); tests/unit/test_feed_pair.py compares the bytes
with feedxml.py's on random entries, and test_feed_xml.py with feedgen's."""

from __future__ import annotations

from .feeds import _NOT_XML_BYTES, FeedEntry, _published, entry_id, paper_updated
from .feedxml import _date

_NONCHARACTERS = (b"\xef\xbf\xbe", b"\xef\xbf\xbf")  # U+FFFE, U+FFFF in UTF-8
# Each byte of _NOT_XML_BYTES but NUL to NUL, every other byte (NUL too) to one not NUL.
_NOT_XML_TABLE = bytes(0 if byte in _NOT_XML_BYTES and byte else byte or 1 for byte in range(256))
_AUTHORS = b"</name>\n    </author>\n    <author>\n      <name>"
_CATEGORIES = b'"/>\n    <category term="'
_RSS_CATEGORIES = b"</category>\n      <category>"
_CREATORS = b"</dc:creator>\n      <dc:creator>"


class EntryPair:
    """An entry's bytes in both formats, and what its feed's own elements ask of it."""

    __slots__ = ("atom", "rss", "media", "named")

    def __init__(self, atom: bytes, rss: bytes, media: bool, named: bool) -> None:
        self.atom, self.rss, self.media, self.named = atom, rss, media, named


def entry_pair(entry: FeedEntry, site_id: str | None) -> EntryPair | None:
    """``entry``'s Atom entry and RSS item, as feedxml.py writes ``prepare(entry,
    site_id)``; None if a value needs cleaning or the title is not the view's."""
    paper = entry.paper
    if entry.title is None:  # made from paper.title's Markdown (feeds._title)
        return None
    ident = entry_id(paper.id, site_id)
    names = [author.name for author in paper.authors]
    tags = paper.tags
    fields = [
        ident,
        entry.title or paper.id or ident,
        entry.url,
        entry.summary,
        entry.thumbnail or "",
        *names,
        *tags,
        entry.content_html,  # last: the split stops before it (~1.5 KB)
    ]
    # Each value encoded on its own: joined as str, one character beyond Latin-1
    # (a summary's "…") would make the whole text two bytes a character, and its
    # encoding a loop in Python's C over each (~3x the instructions).
    try:
        data = b"\0".join(map(str.encode, fields))
    except UnicodeEncodeError:  # a lone surrogate
        return None
    # Every byte of _NOT_XML's but NUL made a NUL, and none may be left; a NUL in a
    # value is left in the last value of the split. ``int in bytes`` is a memchr,
    # while ``bytes in bytes`` first fails as an int: a TypeError made and dropped.
    if 0 in data.translate(_NOT_XML_TABLE):
        return None
    if 0xEF in data and (data.find(_NONCHARACTERS[0]) >= 0 or data.find(_NONCHARACTERS[1]) >= 0):
        return None
    data = data.replace(b"&", b"&amp;").replace(b"<", b"&lt;").replace(b">", b"&gt;").replace(b"\r", b"&#13;")
    values = data.split(b"\0", len(fields) - 1)
    if len(values) != len(fields) or 0 in values[-1]:
        return None
    ident_b, title, url, summary, thumbnail, *rest, content = values
    named = [name for name in rest[: len(names)] if name]
    tagged = [tag for tag in rest[len(names) :] if tag]
    # The attribute values: the text's bytes and the other escapes of feedxml.attribute.
    attributes = b"\0".join([url, thumbnail, *tagged])
    if 34 in attributes or 9 in attributes or 10 in attributes:  # '"', tab, LF
        attributes = attributes.replace(b'"', b"&quot;").replace(b"\t", b"&#9;").replace(b"\n", b"&#10;")
        url_attribute, thumbnail_attribute, *tag_attributes = attributes.split(b"\0")
    else:
        url_attribute, thumbnail_attribute, tag_attributes = url, thumbnail, tagged
    published = _published(paper)

    atom = [
        b"  <entry>\n    <id>",
        ident_b,
        b"</id>\n    <title>",
        title,
        b"</title>\n    <updated>",
        _date(paper_updated(paper), False),
        b"</updated>\n",
    ]
    if named:
        atom += (b"    <author>\n      <name>", _AUTHORS.join(named), b"</name>\n    </author>\n")
    if content:
        atom += (b'    <content type="html">', content, b"</content>\n")
    atom += (b'    <link href="', url_attribute, b'"/>\n')
    if summary:
        atom += (b"    <summary>", summary, b"</summary>\n")
    if tagged:
        atom += (b'    <category term="', _CATEGORIES.join(tag_attributes), b'"/>\n')
    atom += (b"    <published>", _date(published, False), b"</published>\n")
    if thumbnail:
        atom += (b'    <media:thumbnail url="', thumbnail_attribute, b'"/>\n')
    atom.append(b"  </entry>\n")

    rss = [b"    <item>\n      <title>", title, b"</title>\n"]
    if url:
        rss += (b"      <link>", url, b"</link>\n")
    if content:
        rss += (b"      <description>", content, b"</description>\n")
    rss += (b'      <guid isPermaLink="false">', ident_b, b"</guid>\n")
    if tagged:
        rss += (b"      <category>", _RSS_CATEGORIES.join(tagged), b"</category>\n")
    rss += (b"      <pubDate>", _date(published, True), b"</pubDate>\n")
    if named:
        rss += (b"      <dc:creator>", _CREATORS.join(named), b"</dc:creator>\n")
    if thumbnail:
        rss += (b'      <media:thumbnail url="', thumbnail_attribute, b'"/>\n')
    rss.append(b"    </item>\n")
    return EntryPair(b"".join(atom), b"".join(rss), bool(thumbnail), bool(named))
