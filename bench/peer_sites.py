"""The same papers as a Hugo and a Pelican site, with the page kinds sitegen makes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from corpus import BASE_URL, FEED_ENTRIES, PER_PAGE, Paper


def _q(text: str) -> str:
    """A double-quoted scalar: valid JSON, and valid YAML."""
    return json.dumps(text, ensure_ascii=False)


def _flow(items: tuple[str, ...]) -> str:
    return "[" + ", ".join(_q(item) for item in items) + "]"


# The peers' own files, copied as they are: Hugo's layouts/ and static/; Pelican's plugin,
# templates and template pages.
HUGO_SKELETON = Path(__file__).resolve().parent / "peers" / "hugo"
PELICAN_SKELETON = Path(__file__).resolve().parent / "peers" / "pelican"


def _hugo_page(p: Paper, listed: int) -> str:
    links = "".join(f"  {name}: {_q(url)}\n" for name, url in p.links)
    return (
        "---\n"
        f"title: {_q(p.title)}\n"
        f"date: {p.day.isoformat()}\n"
        f"tags: {_flow(p.tags)}\n"
        f"authors: {_flow(p.authors)}\n"
        f"days: [{_q(p.day.isoformat())}]\n"
        f"upvotes: {p.upvotes}\n"
        f"listed: {listed}\n"  # its place in the day's listing (sitegen: the order in the content)
        f"links:\n{links}"
        "---\n"
        f"{p.abstract}\n"
    )


# Every page kind sitegen makes, with Hugo's own features (bench/README.md has the table):
# custom media types and output formats for the feeds (Atom, JSON Feed), the citation files
# (a paper's cite.bib and cite.ris, the home's papers.bib), feeds.opml, and a listing day's
# second order, digest page, digest text and the digest feed; related content on tags and
# authors; trending and feeds as content pages with their own layouts.
HUGO_CONFIG = f"""\
baseURL = "{BASE_URL}"
title = "Bench papers"
locale = "en"
timeZone = "UTC"
enableRobotsTXT = true
titleCaseStyle = "none"
disableKinds = []

[params]
  description = "A synthetic corpus for benchmarking sitegen against Hugo and Pelican."
  author = "sitegen bench"
  related = 5
  trendingPapers = 50
  digestPapers = 50
  digestFeedDays = 10
  [params.linkLabels]
    arxiv = "arXiv"
    pdf = "PDF"
    code = "Code"

[pagination]
  pagerSize = {PER_PAGE}
  disableAliases = true  # no page/1/ redirects: sitegen writes none

[taxonomies]
  tag = "tags"
  author = "authors"
  day = "days"

[services.rss]
  limit = {FEED_ENTRIES}

# Hugo's related content ranks by front-matter keys, not by the abstract's words. No `date`
# index (Hugo's default has one, by year): every paper of a year would match every other.
[related]
  includeNewer = true
  threshold = 80
  toLower = false
  [[related.indices]]
    name = "tags"
    weight = 100
  [[related.indices]]
    name = "authors"
    weight = 80

[mediaTypes]
  [mediaTypes."application/atom+xml"]
    suffixes = ["xml"]
  [mediaTypes."application/feed+json"]
    suffixes = ["json"]
  [mediaTypes."application/x-bibtex"]
    suffixes = ["bib"]
  [mediaTypes."application/x-research-info-systems"]
    suffixes = ["ris"]
  [mediaTypes."text/x-opml"]
    suffixes = ["opml"]

[outputFormats]
  [outputFormats.rss]
    baseName = "rss"
  [outputFormats.atom]
    mediaType = "application/atom+xml"
    baseName = "atom"
  [outputFormats.jsonfeed]
    mediaType = "application/feed+json"
    baseName = "feed"
    isPlainText = true
  [outputFormats.bib]
    mediaType = "application/x-bibtex"
    baseName = "cite"
    isPlainText = true
    notAlternative = true
  [outputFormats.ris]
    mediaType = "application/x-research-info-systems"
    baseName = "cite"
    isPlainText = true
    notAlternative = true
  [outputFormats.papersbib]
    mediaType = "application/x-bibtex"
    baseName = "papers"
    isPlainText = true
    notAlternative = true
  [outputFormats.opml]
    mediaType = "text/x-opml"
    baseName = "feeds"
    isPlainText = true
    notAlternative = true
  [outputFormats.listed]
    mediaType = "text/html"
    isHTML = true
    path = "listed"
    notAlternative = true
  [outputFormats.digest]
    mediaType = "text/html"
    isHTML = true
    path = "digest"
    notAlternative = true
  [outputFormats.digesttext]
    mediaType = "text/plain"
    isPlainText = true
    path = "digest"
    notAlternative = true
  [outputFormats.digestatom]
    mediaType = "application/atom+xml"
    baseName = "atom"
    path = "digest"
    notAlternative = true

[outputs]
  home = ["html", "rss", "atom", "jsonfeed", "papersbib", "opml", "digestatom"]
  page = ["html", "bib", "ris"]
  section = ["html"]
  taxonomy = ["html"]
  term = ["html", "rss", "atom", "jsonfeed"]
"""

# content/ files besides the papers: the index pages' front matter (the cascade sets their
# terms' outputs: authors get Atom and RSS, days their second order and digests, no feed),
# and the trending and feeds pages.
HUGO_CONTENT = {
    "papers/_index.md": "title: Papers\nbuild:\n  render: never\n",  # sitegen has no second full listing
    "authors/_index.md": 'title: Authors\noutputs: ["html"]\ncascade:\n  outputs: ["html", "rss", "atom"]\n',
    "days/_index.md": (
        'title: Archive\noutputs: ["html"]\ncascade:\n  outputs: ["html", "listed", "digest", "digesttext"]\n'
    ),
    "trending/_index.md": "title: Trending\nlayout: trending\nwindow: 7\n",
    "trending/month.md": (
        'title: Trending this month\nlayout: trending\nwindow: 30\noutputs: ["html"]\nbuild:\n  list: never\n'
    ),
    "trending/all.md": (
        'title: Trending of all time\nlayout: trending\noutputs: ["html"]\nbuild:\n  list: never\n'
    ),
    "feeds/_index.md": "title: Feeds\nlayout: feeds\n",
}


def _pelican_page(p: Paper, listed: int) -> str:
    links = " · ".join(f"[{name}]({url})" for name, url in p.links)
    return (
        f"Title: {p.title}\n"
        f"Date: {p.day.isoformat()}\n"
        f"Slug: {p.id}\n"
        "Category: papers\n"
        f"Tags: {', '.join(p.tags)}\n"
        f"Authors: {', '.join(p.authors)}\n"
        f"Upvotes: {p.upvotes}\n"
        "\n"
        f"{p.abstract}\n\n{links}\n"
    )


PELICAN_CONFIG = f"""\
# Pelican settings for the bench corpus: default theme (notmyidea), absolute URLs, no caching.
AUTHOR = "sitegen bench"
SITENAME = "Bench papers"
SITEURL = "{BASE_URL.rstrip("/")}"
RELATIVE_URLS = False
PATH = "content"
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
DEFAULT_PAGINATION = {PER_PAGE}
THEME = "notmyidea"

# Cold builds: no content cache, nothing read from a previous run.
CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False

# Pages like sitegen's: one folder per paper, tag pages (paginated), author pages, day archives.
ARTICLE_URL = "papers/{{slug}}/"
ARTICLE_SAVE_AS = "papers/{{slug}}/index.html"
DAY_ARCHIVE_SAVE_AS = "days/{{date:%Y}}-{{date:%m}}-{{date:%d}}/index.html"

# Feeds like sitegen's: site-wide, per tag and per author, newest {FEED_ENTRIES} entries, full abstracts.
AUTHOR_FEED_ATOM = "feeds/author/{{slug}}.atom.xml"
AUTHOR_FEED_RSS = "feeds/author/{{slug}}.rss.xml"
FEED_ALL_ATOM = "feeds/all.atom.xml"
FEED_ALL_RSS = "feeds/all.rss.xml"
TAG_FEED_ATOM = "feeds/tag/{{slug}}.atom.xml"
TAG_FEED_RSS = "feeds/tag/{{slug}}.rss.xml"
FEED_MAX_ITEMS = {FEED_ENTRIES}
RSS_FEED_SUMMARY_ONLY = False
FEED_DOMAIN = SITEURL

# What else sitegen makes, where Pelican can (bench/peers/pelican/, bench/README.md): citation
# meta tags, JSON-LD and BibTeX on the article page (a template of the theme's, extended),
# five related papers (pelican-related-posts: by shared tags), and pages made from templates.
THEME_TEMPLATES_OVERRIDES = ["templates"]
PLUGIN_PATHS = ["plugins"]
PLUGINS = ["bench_papers", "pelican.plugins.related_posts"]
RELATED_POSTS_MAX = 5
ARTICLE_EXCLUDES = ["pages", "extra"]
TEMPLATE_PAGES = {{
    "extra/trending.html": "trending/index.html",
    "extra/trending-month.html": "trending/month/index.html",
    "extra/trending-all.html": "trending/all/index.html",
    "extra/feeds.html": "feeds/index.html",
    "extra/feeds.opml": "feeds.opml",
    "extra/papers.bib": "papers.bib",
}}
"""


def start_hugo(root: Path) -> None:
    """hugo.toml, the layouts and the content pages that are not papers, in an empty folder."""
    (root / "hugo.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    (root / "content" / "papers").mkdir(parents=True)
    for name, front in HUGO_CONTENT.items():
        target = root / "content" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f"---\n{front}---\n", encoding="utf-8")
    _copy_tree(HUGO_SKELETON, root)


def _copy_tree(source: Path, root: Path, moved: dict[str, str] | None = None) -> None:
    """Every file under source into root, a top folder renamed as `moved` says."""
    for path in sorted(source.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            relative = path.relative_to(source)
            top = (moved or {}).get(relative.parts[0], relative.parts[0])
            target = root / top / Path(*relative.parts[1:])
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())


def start_pelican(root: Path) -> None:
    """pelicanconf.py, the plugin, the templates and the template pages, in an empty folder."""
    (root / "pelicanconf.py").write_text(PELICAN_CONFIG, encoding="utf-8")
    (root / "content").mkdir()
    _copy_tree(PELICAN_SKELETON, root, {"extra": "content/extra"})


# peer -> (set up an empty site folder, (a paper, its place in its day) -> (path in the site, text))
PEER_SITES: dict[str, tuple[Callable[[Path], None], Callable[[Paper, int], tuple[str, str]]]] = {
    "hugo": (start_hugo, lambda p, i: (f"content/papers/{p.id}.md", _hugo_page(p, i))),
    "pelican": (start_pelican, lambda p, i: (f"content/{p.id}.md", _pelican_page(p, i))),
}
