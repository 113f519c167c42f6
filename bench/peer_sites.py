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


def _hugo_page(p: Paper) -> str:
    links = "".join(f"  {name}: {_q(url)}\n" for name, url in p.links)
    return (
        "---\n"
        f"title: {_q(p.title)}\n"
        f"date: {p.day.isoformat()}\n"
        f"tags: {_flow(p.tags)}\n"
        f"authors: {_flow(p.authors)}\n"
        f"days: [{_q(p.day.isoformat())}]\n"
        f"upvotes: {p.upvotes}\n"
        f"links:\n{links}"
        "---\n"
        f"{p.abstract}\n"
    )


HUGO_CONFIG = f"""\
baseURL = "{BASE_URL}"
title = "Bench papers"
languageCode = "en"
timeZone = "UTC"
enableRobotsTXT = true
titleCaseStyle = "none"
disableKinds = []

[pagination]
  pagerSize = {PER_PAGE}

[taxonomies]
  tag = "tags"
  author = "authors"
  day = "days"

[services.rss]
  limit = {FEED_ENTRIES}

[outputs]
  home = ["html", "rss"]
  section = ["html"]
  taxonomy = ["html"]
  term = ["html", "rss"]
"""

# Minimal but real: every page shows what sitegen's pages show (title, authors, date,
# tags, links, abstract); lists show cards with a summary; feeds carry the full abstract.
HUGO_LAYOUTS = {
    "baseof.html": """\
<!doctype html>
<html lang="{{ site.Language.LanguageCode }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ if .IsHome }}{{ site.Title }}{{ else }}{{ .Title }} · {{ site.Title }}{{ end }}</title>
<link rel="canonical" href="{{ .Permalink }}">
{{ with .OutputFormats.Get "rss" -}}
<link rel="alternate" type="application/rss+xml" href="{{ .Permalink }}">
{{- end }}
</head>
<body>
<header><a href="{{ site.Home.RelPermalink }}">{{ site.Title }}</a>
 · <a href="{{ "tags/" | relURL }}">Tags</a> · <a href="{{ "authors/" | relURL }}">Authors</a>
 · <a href="{{ "days/" | relURL }}">Archive</a></header>
<main>{{ block "main" . }}{{ end }}</main>
</body>
</html>
""",
    "_partials/card.html": """\
<article class="card">
<h3><a href="{{ .RelPermalink }}">{{ .Title }}</a></h3>
<p class="authors">{{ range $i, $a := .GetTerms "authors" }}{{ if $i }}, {{ end -}}
<a href="{{ $a.RelPermalink }}">{{ $a.LinkTitle }}</a>{{ end }}</p>
<p class="summary">{{ .Summary | plainify | truncate 300 }}</p>
<p class="meta">▲ {{ .Params.upvotes }} ·
<time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Date.Format "January 2, 2006" }}</time>
{{ range .GetTerms "tags" }} <a class="tag" href="{{ .RelPermalink }}">{{ .LinkTitle }}</a>{{ end }}</p>
</article>
""",
    "_partials/pager.html": """\
{{ $p := .Paginator }}{{ if gt $p.TotalPages 1 }}
<nav class="pager">{{ with $p.Prev }}<a rel="prev" href="{{ .URL }}">Newer</a>{{ end }}
 Page {{ $p.PageNumber }} of {{ $p.TotalPages }}
{{ with $p.Next }}<a rel="next" href="{{ .URL }}">Older</a>{{ end }}</nav>{{ end }}
""",
    "home.html": """\
{{ define "main" }}
<h1>{{ site.Title }}</h1>
{{ $pages := where site.RegularPages "Section" "papers" }}
{{ range (.Paginate $pages).Pages }}{{ partial "card.html" . }}{{ end }}
{{ partial "pager.html" . }}
{{ end }}
""",
    "page.html": """\
{{ define "main" }}
<article class="paper">
<h1>{{ .Title }}</h1>
<ul class="authors">{{ range .GetTerms "authors" -}}
<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a></li>{{ end }}</ul>
<p>Listed <time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Date.Format "January 2, 2006" }}</time>
 · ▲ {{ .Params.upvotes }} upvotes</p>
<ul class="tags">{{ range .GetTerms "tags" -}}
<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a></li>{{ end }}</ul>
<ul class="links">{{ range $name, $url := .Params.links -}}
<li><a href="{{ $url }}">{{ $name }}</a></li>{{ end }}</ul>
<section class="abstract"><h2>Abstract</h2>{{ .Content }}</section>
</article>
{{ end }}
""",
    # The papers/ section would repeat the home listing; sitegen has no such page, so it only links home.
    "section.html": """\
{{ define "main" }}<h1>{{ .Title }}</h1><p><a href="{{ site.Home.RelPermalink }}">All papers</a></p>{{ end }}
""",
    "taxonomy.html": """\
{{ define "main" }}
<h1>{{ .Title }}</h1>
<ul>{{ range .Data.Terms.Alphabetical -}}
<li><a href="{{ .Page.RelPermalink }}">{{ .Page.LinkTitle }}</a> ({{ .Count }})</li>{{ end }}</ul>
{{ end }}
""",
    "term.html": """\
{{ define "main" }}
<h1>{{ .Title }}</h1>
{{ with .OutputFormats.Get "rss" }}<p><a href="{{ .Permalink }}">RSS</a></p>{{ end }}
{{ range (.Paginate .Pages).Pages }}{{ partial "card.html" . }}{{ end }}
{{ partial "pager.html" . }}
{{ end }}
""",
    "404.html": """\
{{ define "main" }}<h1>Page not found</h1>{{ end }}
""",
    # Hugo's built-in RSS puts .Summary in <description>; sitegen's feeds carry the whole abstract.
    "rss.xml": """\
{{- $pages := where .Pages "Kind" "page" -}}
{{- if .IsHome }}{{ $pages = where site.RegularPages "Section" "papers" }}{{ end -}}
{{- $limit := site.Config.Services.RSS.Limit -}}
{{- if ge $limit 1 }}{{ $pages = $pages | first $limit }}{{ end -}}
{{- printf "<?xml version=\\"1.0\\" encoding=\\"utf-8\\" standalone=\\"yes\\"?>" | safeHTML }}
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
<title>{{ if .IsHome }}{{ site.Title }}{{ else }}{{ site.Title }}: {{ .Title }}{{ end }}</title>
<link>{{ .Permalink }}</link>
<description>Papers on {{ site.Title }}</description>
<language>{{ site.Language.LanguageCode }}</language>
{{ with .OutputFormats.Get "rss" -}}
{{ printf "<atom:link href=%q rel=\\"self\\" type=%q />" .Permalink .MediaType | safeHTML }}
{{- end }}
{{- range $pages }}
<item>
<title>{{ .Title }}</title>
<link>{{ .Permalink }}</link>
<pubDate>{{ .Date.Format "Mon, 02 Jan 2006 15:04:05 -0700" | safeHTML }}</pubDate>
<guid>{{ .Permalink }}</guid>
<description>{{ .Content | transform.XMLEscape | safeHTML }}</description>
</item>
{{- end }}
</channel>
</rss>
""",
}


def _pelican_page(p: Paper) -> str:
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
"""


def start_hugo(root: Path) -> None:
    """hugo.toml, the layouts and the list pages' front matter, in an empty folder."""
    (root / "hugo.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    (root / "content" / "papers").mkdir(parents=True)
    # Feeds per tag and per author, like sitegen (for terms, Hugo's default: html and rss);
    # day pages get no RSS (sitegen has no day feeds), nor do the index pages (the cascade
    # reaches the index page itself, hence its own `outputs`).
    term_outputs = {"authors": '["html", "rss"]', "days": '["html"]'}
    for taxonomy, title in (("authors", "Authors"), ("days", "Archive")):
        terms = term_outputs[taxonomy]
        index = root / "content" / taxonomy / "_index.md"
        index.parent.mkdir(parents=True)
        front = f'title: {title}\noutputs: ["html"]\ncascade:\n  outputs: {terms}\n'
        index.write_text(f"---\n{front}---\n", encoding="utf-8")
    for name, text in HUGO_LAYOUTS.items():
        target = root / "layouts" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def start_pelican(root: Path) -> None:
    (root / "pelicanconf.py").write_text(PELICAN_CONFIG, encoding="utf-8")
    (root / "content").mkdir()


# peer -> (set up an empty site folder, a paper -> (path in the site, text))
PEER_SITES: dict[str, tuple[Callable[[Path], None], Callable[[Paper], tuple[str, str]]]] = {
    "hugo": (start_hugo, lambda p: (f"content/papers/{p.id}.md", _hugo_page(p))),
    "pelican": (start_pelican, lambda p: (f"content/{p.id}.md", _pelican_page(p))),
}
