"""Seeded synthetic paper corpus, written as a sitegen, a Hugo and a Pelican site.

    python bench/generate.py --papers 10000 --out bench/work/corpus-10000
    python bench/generate.py --papers 1000 --format json --targets sitegen --out /tmp/c

writes, for the same papers (same seed, same ids, titles, authors, abstracts):

    OUT/sitegen/   site.yaml + content/papers/YYYY/YYYY-MM-DD.yaml (or .json), one file per day
    OUT/hugo/      hugo.toml + content/papers/<id>.md + minimal layouts/
    OUT/pelican/   pelicanconf.py + content/<id>.md (theme: notmyidea, Pelican's default)

Standard library only, so any Python 3.10+ runs it. The corpus depends only on
--papers and --seed: the nth paper of a 10k corpus is not the nth of a 1k one
(the author pool scales with the size), but the same arguments always give
byte-identical files.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

BASE_URL = "https://bench.example.org/"
PER_PAGE = 25
FEED_ENTRIES = 50
START_DAY = date(2019, 1, 7)  # a Monday; listing days are weekdays from here on
PAPERS_PER_DAY = (25, 55)  # uniform, so ~40 a day on average
MATH_SHARE = 0.10
CODE_SHARE = 0.40
TARGETS = ("sitegen", "hugo", "pelican")

# --- word pools -------------------------------------------------------------

TAGS = [
    "language models",
    "reasoning",
    "alignment",
    "interpretability",
    "diffusion",
    "computer vision",
    "reinforcement learning",
    "robotics",
    "speech",
    "multimodal",
    "retrieval",
    "agents",
    "code generation",
    "efficiency",
    "quantization",
    "distillation",
    "optimization",
    "theory",
    "graph learning",
    "time series",
    "3d vision",
    "video generation",
    "image generation",
    "benchmarks",
    "datasets",
    "evaluation",
    "safety",
    "privacy",
    "federated learning",
    "continual learning",
    "meta-learning",
    "self-supervised learning",
    "contrastive learning",
    "transformers",
    "state space models",
    "mixture of experts",
    "long context",
    "tokenization",
    "machine translation",
    "question answering",
    "summarization",
    "dialogue",
    "information extraction",
    "medical imaging",
    "healthcare",
    "biology",
    "chemistry",
    "materials science",
    "climate",
    "recommender systems",
    "causal inference",
    "uncertainty",
    "bayesian methods",
    "generative models",
    "neural rendering",
    "point clouds",
    "embodied ai",
    "audio generation",
    "hardware",
    "scaling laws",
]
assert len(TAGS) == 60 and len(set(TAGS)) == 60

FIRST_NAMES = """
Aarav Abigail Adrian Ahmed Aiko Alejandro Alexei Alice Amara Amir Ana Andrea Anika Anton Aria Arjun Astrid
Ayesha Bao Beatriz Benjamin Bilal Bogdan Camila Carlos Chen Chiara Chloe Daniel Dario Dmitri Elena Elif
Emeka Emil Emma Enzo Erik Esther Fatima Felix Fernando Freya Gabriel Giulia Grace Hana Hannah Hao Haruto
Hassan Helena Hiroshi Ibrahim Ines Ingrid Isaac Ivan Jakob James Javier Jia Jin Joao Jonas Julia Kai Kamal
Karim Katarina Kenji Kofi Lars Laura Layla Lea Lei Leon Li Lina Liam Lucas Lucia Mads Maria Marco Marta
Mateo Maya Mei Mia Miguel Min Mohammed Nadia Naomi Nikolai Nina Noah Nora Olga Omar Oscar Pablo Paolo Pedro
Priya Qiang Rafael Rahul Ravi Rin Rosa Ruslan Sakura Samuel Sara Sebastian Sergei Shira Sofia Sophie Sun
Tariq Teresa Thomas Tomas Valentina Victor Wei Xin Yara Yasmin Yi Yuki Yusuf Zainab Zhao Zoe
""".split()

LAST_NAMES = """
Abe Adeyemi Agarwal Ahmadi Almeida Andersen Araujo Bach Bae Banerjee Baker Becker Bergstrom Bianchi Blanco
Brown Cao Castro Chatterjee Chen Cho Cohen Costa Cruz Dang Das Davies Dubois Eriksson Esposito Fischer
Fernandes Ferrari Fujita Garcia Ghosh Gomez Gonzalez Gupta Hall Hansen Hashemi Hoffmann Huang Hughes Ibrahim
Ito Ivanov Jackson Jansen Jensen Jiang Johansson Kang Kapoor Kato Khan Kim Klein Kowalski Kumar Kuznetsov
Larsen Lee Lehmann Leone Li Lim Lin Liu Lopez Lund Ma Mahmoud Marino Martin Martinez Meyer Mehta Moreau
Morozov Muller Murphy Nakamura Navarro Nguyen Nielsen Novak Okafor Oliveira Olsen Ortiz Park Patel Pereira
Petrov Popescu Qian Rahman Ramirez Reddy Ricci Richter Rivera Romano Rossi Saito Santos Sato Schmidt
Schneider Shah Sharma Silva Singh Smith Sokolov Song Suzuki Takahashi Tan Tanaka Taylor Thompson Tran
Vargas Vasquez Vogel Volkov Wagner Walker Wang Weber Wei Wilson Wong Wu Xu Yamamoto Yang Yilmaz Yu Zhang
Zhao Zhou Zhu Zimmermann
""".split()

_SYLLABLES = "ka lo mi ra ze tu vi no sa fle xo gra pi du ne mo ri ta lu qua".split()
_ACRONYM_TAILS = ["", "", "", "-2", "++", "-XL", "Net", "Former", "GPT", "Diff", "MoE", "Bench"]

ADJECTIVES = """
Scalable Efficient Robust Adaptive Sparse Hierarchical Unified Generalizable Interpretable Faithful Compact
Lightweight Zero-Shot Few-Shot Self-Supervised Contrastive Causal Continual Multilingual Multimodal
Long-Context Data-Efficient Parameter-Efficient Training-Free Verifiable Controllable Differentiable
Probabilistic Federated Streaming Calibrated
""".split()
NOUNS = [
    "Attention",
    "Representations",
    "Transformers",
    "Agents",
    "Embeddings",
    "Policies",
    "Priors",
    "Tokenizers",
    "Decoders",
    "Encoders",
    "Retrievers",
    "Adapters",
    "Experts",
    "Memories",
    "Planners",
    "Critics",
    "Kernels",
    "Graph Networks",
    "Features",
    "Circuits",
    "Latents",
    "Reward Models",
    "World Models",
    "Diffusion Models",
    "Language Models",
    "Vision Transformers",
    "State Space Models",
    "Mixture-of-Experts",
]
TASKS = [
    "Mathematical Reasoning",
    "Code Generation",
    "Video Understanding",
    "Text-to-Image Generation",
    "Open-Domain Question Answering",
    "Robotic Manipulation",
    "Speech Recognition",
    "Machine Translation",
    "Protein Structure Prediction",
    "Long-Horizon Planning",
    "Document Understanding",
    "3D Reconstruction",
    "Time Series Forecasting",
    "Molecule Generation",
    "Instruction Following",
    "Tool Use",
    "Web Navigation",
    "Medical Image Segmentation",
    "Weather Forecasting",
    "Retrieval-Augmented Generation",
    "Preference Optimization",
    "Theorem Proving",
    "Embodied Navigation",
    "Audio Captioning",
    "Anomaly Detection",
    "Graph Classification",
    "Novel View Synthesis",
    "Visual Question Answering",
]
PROPERTIES = [
    "Expressivity",
    "Sample Complexity",
    "Robustness",
    "Calibration",
    "Scaling Behaviour",
    "Generalization",
    "Emergence",
    "Memorization",
    "Stability",
    "Faithfulness",
    "Limits",
    "Geometry",
]
VERBS = [
    "Scaling",
    "Distilling",
    "Aligning",
    "Steering",
    "Compressing",
    "Probing",
    "Rethinking",
    "Grounding",
    "Benchmarking",
    "Teaching",
    "Pruning",
    "Evaluating",
]
METHODS = [
    "Reinforcement Learning",
    "Synthetic Data",
    "Curriculum Learning",
    "Self-Play",
    "Sparse Autoencoders",
    "Speculative Decoding",
    "Test-Time Compute",
    "Low-Rank Adaptation",
    "Flow Matching",
    "Direct Preference Optimization",
    "Chain-of-Thought",
    "Knowledge Distillation",
    "Model Merging",
    "Contrastive Pretraining",
    "Active Learning",
    "Program Synthesis",
]

OPENERS = [
    "{noun} have become a central tool for {task_l}, yet their behaviour under distribution shift remains "
    "poorly understood.",
    "Recent progress in {task_l} has been driven largely by scale, but the cost of training and serving "
    "{noun_l} grows faster than the gains they bring.",
    "We study the problem of {task_l} in the regime where labelled data is scarce and the test distribution "
    "differs from the training one.",
    "Despite impressive benchmark results, {noun_l} still fail on simple compositional variants of "
    "{task_l} that humans solve without effort.",
    "A growing body of work suggests that {method_l} can substitute for much larger models on {task_l}, "
    "but the evidence so far is anecdotal.",
]
METHOD_SENTENCES = [
    "In this paper we introduce {acronym}, a {adj_l} approach that combines {method_l} with a lightweight "
    "{noun_l} module trained end to end.",
    "We propose {acronym}, which reformulates {task_l} as a sequence of {adj_l} sub-problems that can be "
    "solved in parallel and verified independently.",
    "Our method, {acronym}, learns a {adj_l} prior over {noun_l} from unlabelled data and adapts it to new "
    "tasks with only a handful of examples.",
    "We present {acronym}, a framework that uses **{method_l}** to generate training signal for "
    "{noun_l} without any human annotation.",
]
DETAIL_SENTENCES = [
    "The key idea is to share computation across related inputs, so that the marginal cost of each "
    "additional query is small.",
    "Unlike prior work, our formulation does not require access to model gradients and therefore applies to "
    "black-box systems served behind an API.",
    "We further show how the same mechanism can be used to detect failures at inference time, allowing the "
    "system to abstain when it is likely to be wrong.",
    "A simple curriculum over task difficulty turns out to be essential: without it, training collapses to "
    "trivial solutions within a few thousand steps.",
    "To make the approach practical we design a caching scheme that keeps intermediate results in memory "
    "and evicts them by expected reuse.",
    "The resulting objective is convex in the adapter parameters, which lets us give a closed-form solution "
    "and avoid costly hyperparameter search.",
    "We implement the method in about three hundred lines of `PyTorch` and release a reference "
    "implementation together with all evaluation scripts.",
    "Ablations show that each component contributes, and that the gains are largest on the hardest "
    "subsets of the benchmark.",
]
MATH_SENTENCES = [
    "Theoretically, we prove that the error decays as $O(1/\\sqrt{{n}})$ in the number of samples $n$, "
    "matching the known lower bound up to constants.",
    "Our analysis shows that the loss is minimised when $x^2 + y^2 = 1$, which explains the instability "
    "observed in earlier work.",
    "We show that the attention cost drops from $O(n^2)$ to $O(n \\log n)$ without measurable loss in "
    "quality.",
    "With temperature $\\tau = 0.7$ and $k = 8$ samples the method recovers $\\alpha$-fraction of the "
    "oracle performance.",
]
RESULT_SENTENCES = [
    "On {bench} our approach improves accuracy by {gain} points over the strongest baseline while using "
    "{ratio}x less compute.",
    "Experiments on {bench} and two held-out suites show consistent improvements of {gain}% on average, "
    "with the largest gains on long inputs.",
    "{acronym} reaches state-of-the-art results on {bench}, outperforming models {ratio} times its size.",
    "Human evaluation with {people} annotators confirms that outputs of {acronym} are preferred in "
    "{share}% of pairwise comparisons.",
]
CLOSERS = [
    "We hope this work encourages more careful evaluation of {noun_l} in realistic settings.",
    "Code, data and trained checkpoints are available at the [project page](https://example.org/{slug}).",
    "Our findings suggest that {method_l} is a promising and underexplored direction for {task_l}.",
    "We discuss limitations, including the reliance on English-only data, and outline directions for "
    "future work.",
]
BENCHES = [
    "MMLU",
    "GSM8K",
    "HumanEval",
    "ImageNet",
    "COCO",
    "LibriSpeech",
    "WMT",
    "SWE-bench",
    "ARC",
    "BIG-bench",
    "MATH",
    "Kinetics-400",
    "ScanNet",
    "MoleculeNet",
    "WebArena",
    "LongBench",
]


@dataclass(frozen=True)
class Paper:
    id: str
    title: str
    day: date
    authors: tuple[str, ...]
    tags: tuple[str, ...]
    abstract: str
    upvotes: int
    links: tuple[tuple[str, str], ...]


# --- the corpus -------------------------------------------------------------


def _acronym(rng: random.Random) -> str:
    word = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3)))
    return word.capitalize() + rng.choice(_ACRONYM_TAILS)


def _title(rng: random.Random, acronym: str) -> str:
    adj, noun, task = rng.choice(ADJECTIVES), rng.choice(NOUNS), rng.choice(TASKS)
    method, verb, prop = rng.choice(METHODS), rng.choice(VERBS), rng.choice(PROPERTIES)
    pattern = rng.randrange(7)
    if pattern == 0:
        return f"{acronym}: {adj} {noun} for {task}"
    if pattern == 1:
        return f"{verb} {noun} with {method}"
    if pattern == 2:
        return f"Towards {adj} {task} via {method}"
    if pattern == 3:
        return f"On the {prop} of {noun} in {task}"
    if pattern == 4:
        return f"{method} Is All You Need for {task}"
    if pattern == 5:
        return f"{acronym}: {verb} {adj} {noun} at Scale"
    return f"When Do {noun} Generalize? {adj} {method} for {task}"


def _abstract(rng: random.Random, acronym: str, title: str, with_math: bool) -> str:
    words = {
        "noun": rng.choice(NOUNS),
        "noun_l": rng.choice(NOUNS).lower(),
        "task_l": rng.choice(TASKS).lower(),
        "method_l": rng.choice(METHODS).lower(),
        "adj_l": rng.choice(ADJECTIVES).lower(),
        "acronym": acronym,
        "bench": rng.choice(BENCHES),
        "gain": f"{rng.uniform(0.5, 15):.1f}",
        "ratio": rng.randint(2, 40),
        "people": rng.randint(5, 60),
        "share": rng.randint(55, 85),
        "slug": acronym.lower().replace("+", "p"),
    }
    first = [rng.choice(OPENERS), rng.choice(METHOD_SENTENCES)]
    details = rng.sample(DETAIL_SENTENCES, 6)
    first += details[:4]
    second = rng.sample(RESULT_SENTENCES, 2) + details[4:]
    if with_math:
        second.insert(0, rng.choice(MATH_SENTENCES))
    second.append(rng.choice(CLOSERS))
    paragraphs = [" ".join(s.format(**words) for s in part) for part in (first, second)]
    return "\n\n".join(paragraphs)


def _author_pool(rng: random.Random, size: int) -> list[str]:
    # first x (no initial, A.-Z.) x last: ~1M distinct names, all with distinct slugs.
    initials = [""] + [f"{chr(c)}. " for c in range(ord("A"), ord("Z") + 1)]
    space = len(FIRST_NAMES) * len(initials) * len(LAST_NAMES)
    names = []
    for index in rng.sample(range(space), min(size, space)):
        first, rest = divmod(index, len(initials) * len(LAST_NAMES))
        initial, last = divmod(rest, len(LAST_NAMES))
        names.append(f"{FIRST_NAMES[first]} {initials[initial]}{LAST_NAMES[last]}")
    return names


def papers(count: int, seed: int = 1) -> Iterator[list[Paper]]:
    """The corpus, one listing day (a list of papers) at a time, oldest day first."""
    rng = random.Random(seed)
    pool = _author_pool(rng, max(3, count // 3))
    prolific = pool[: max(1, len(pool) // 20)]
    tag_weights = [1 / (rank + 1) ** 0.6 for rank in range(len(TAGS))]  # a few big tags, a long tail
    made = 0
    day = START_DAY
    month_counter: dict[str, int] = {}
    while made < count:
        batch = []
        for _ in range(min(rng.randint(*PAPERS_PER_DAY), count - made)):
            month = day.strftime("%y%m")
            number = month_counter.get(month, 0) + rng.randint(1, 40)
            month_counter[month] = number
            acronym = _acronym(rng)
            title = _title(rng, acronym)
            authors: list[str] = []
            for _ in range(rng.randint(1, 8)):
                name = rng.choice(prolific) if rng.random() < 0.3 else rng.choice(pool)
                if name not in authors:
                    authors.append(name)
            tags = []
            for tag in rng.choices(TAGS, weights=tag_weights, k=rng.randint(1, 3)):
                if tag not in tags:
                    tags.append(tag)
            paper_id = f"{month}.{number:05d}"
            links = [
                ("arxiv", f"https://arxiv.org/abs/{paper_id}"),
                ("pdf", f"https://arxiv.org/pdf/{paper_id}"),
            ]
            if rng.random() < CODE_SHARE:
                user = rng.choice(pool).split()[-1].lower()
                links.append(("code", f"https://github.com/{user}/{acronym.lower().replace('+', 'p')}"))
            batch.append(
                Paper(
                    id=paper_id,
                    title=title,
                    day=day,
                    authors=tuple(authors),
                    tags=tuple(tags),
                    abstract=_abstract(rng, acronym, title, rng.random() < MATH_SHARE),
                    upvotes=min(int((rng.paretovariate(1.2) - 1) * 6), 999),
                    links=tuple(links),
                )
            )
        made += len(batch)
        yield batch
        day += timedelta(days=3 if day.weekday() == 4 else 1)  # weekdays only, like arXiv listings


# --- writers ----------------------------------------------------------------


def _q(text: str) -> str:
    """A double-quoted scalar: valid JSON, and valid YAML."""
    return json.dumps(text, ensure_ascii=False)


def _flow(items: tuple[str, ...]) -> str:
    return "[" + ", ".join(_q(item) for item in items) + "]"


def _yaml_day(batch: list[Paper]) -> str:
    """One day of papers as YAML, the way people write it by hand (block literal abstracts)."""
    lines = []
    for p in batch:
        lines.append(f"- id: {_q(p.id)}")
        lines.append(f"  title: {_q(p.title)}")
        lines.append(f"  date: {p.day.isoformat()}")
        lines.append(f"  authors: {_flow(p.authors)}")
        lines.append(f"  tags: {_flow(p.tags)}")
        lines.append(f"  upvotes: {p.upvotes}")
        lines.append("  links:")
        lines += [f"    {name}: {url}" for name, url in p.links]
        lines.append("  abstract: |-")
        lines += [f"    {line}" if line else "" for line in p.abstract.split("\n")]
        lines.append("")
    return "\n".join(lines)


def _json_day(batch: list[Paper]) -> str:
    entries = [
        {
            "id": p.id,
            "title": p.title,
            "date": p.day.isoformat(),
            "authors": list(p.authors),
            "tags": list(p.tags),
            "upvotes": p.upvotes,
            "links": dict(p.links),
            "abstract": p.abstract,
        }
        for p in batch
    ]
    # One key per line: "abstract" lines are easy to find and edit (see edit_one_abstract).
    return json.dumps(entries, indent=1, ensure_ascii=False) + "\n"


SITE_YAML = f"""\
title: Bench papers
description: A synthetic corpus for benchmarking sitegen against Hugo and Pelican.
base_url: {BASE_URL}
language: en
timezone: UTC
per_page: {PER_PAGE}
author: sitegen bench
"""


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

# Feeds like sitegen's: site-wide and per tag, newest {FEED_ENTRIES} entries, full abstracts.
AUTHOR_FEED_ATOM = None  # sitegen has no per-author feeds
AUTHOR_FEED_RSS = None
FEED_ALL_ATOM = "feeds/all.atom.xml"
FEED_ALL_RSS = "feeds/all.rss.xml"
TAG_FEED_ATOM = "feeds/tag/{{slug}}.atom.xml"
TAG_FEED_RSS = "feeds/tag/{{slug}}.rss.xml"
FEED_MAX_ITEMS = {FEED_ENTRIES}
RSS_FEED_SUMMARY_ONLY = False
"""


def write_corpus(
    out: Path, count: int, seed: int = 1, fmt: str = "yaml", targets: tuple[str, ...] = TARGETS
) -> dict[str, int]:
    """Write the corpus under out/<target>/ (each folder replaced); returns some counts."""
    roots = {target: out / target for target in targets}
    for root in roots.values():
        if root.exists():
            shutil.rmtree(root)
        root.mkdir(parents=True)
    if "sitegen" in roots:
        (roots["sitegen"] / "site.yaml").write_text(SITE_YAML, encoding="utf-8")
    if "hugo" in roots:
        (roots["hugo"] / "hugo.toml").write_text(HUGO_CONFIG, encoding="utf-8")
        (roots["hugo"] / "content" / "papers").mkdir(parents=True)
        for taxonomy, title in (("authors", "Authors"), ("days", "Archive")):
            # Feeds per tag only, like sitegen: author and day pages get no RSS.
            index = roots["hugo"] / "content" / taxonomy / "_index.md"
            index.parent.mkdir(parents=True)
            index.write_text(f'---\ntitle: {title}\ncascade:\n  outputs: ["html"]\n---\n', encoding="utf-8")
        for name, text in HUGO_LAYOUTS.items():
            target = roots["hugo"] / "layouts" / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
    if "pelican" in roots:
        (roots["pelican"] / "pelicanconf.py").write_text(PELICAN_CONFIG, encoding="utf-8")
        (roots["pelican"] / "content").mkdir()

    stats = {"papers": 0, "days": 0, "math": 0}
    authors: set[str] = set()
    for batch in papers(count, seed):
        day = batch[0].day
        stats["days"] += 1
        stats["papers"] += len(batch)
        stats["math"] += sum("$" in p.abstract for p in batch)
        for p in batch:
            authors.update(p.authors)
        if "sitegen" in roots:
            folder = roots["sitegen"] / "content" / "papers" / str(day.year)
            folder.mkdir(parents=True, exist_ok=True)
            if fmt == "json":
                (folder / f"{day.isoformat()}.json").write_text(_json_day(batch), encoding="utf-8")
            else:
                (folder / f"{day.isoformat()}.yaml").write_text(_yaml_day(batch), encoding="utf-8")
        if "hugo" in roots:
            for p in batch:
                page = roots["hugo"] / "content" / "papers" / f"{p.id}.md"
                page.write_text(_hugo_page(p), encoding="utf-8")
        if "pelican" in roots:
            for p in batch:
                (roots["pelican"] / "content" / f"{p.id}.md").write_text(_pelican_page(p), encoding="utf-8")
    stats["authors"] = len(authors)
    return stats


@dataclass(frozen=True)
class Edit:
    path: Path
    original: str  # the file's text before the edit, to undo it


def edit_one_abstract(site: Path, marker: str) -> Edit:
    """Change one abstract of one paper (the first paper of the middle day file).

    A text edit, the way a person fixes a typo: the rest of the file stays byte-identical.
    """
    files = sorted(site.glob("content/papers/*/*.yaml")) + sorted(site.glob("content/papers/*/*.json"))
    if not files:
        raise FileNotFoundError(f"no paper files under {site / 'content' / 'papers'}")
    path = files[len(files) // 2]
    text = path.read_text(encoding="utf-8")
    note = f"(Edited: {marker}.) "
    if path.suffix == ".json":
        key = '"abstract": "'
        at = text.index(key) + len(key)
    else:
        at = text.index("  abstract: |-\n") + len("  abstract: |-\n    ")
    path.write_text(text[:at] + note + text[at:], encoding="utf-8")
    return Edit(path, text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=1000, help="how many papers (default 1000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument(
        "--format",
        choices=("yaml", "json"),
        default="yaml",
        help="sitegen content files: one YAML (default) or JSON file per day",
    )
    parser.add_argument(
        "--targets",
        default=",".join(TARGETS),
        help=f"which sites to write, comma-separated (default {','.join(TARGETS)})",
    )
    parser.add_argument("--out", type=Path, required=True, help="folder to write OUT/<target>/ into")
    args = parser.parse_args(argv)
    targets = tuple(t.strip() for t in args.targets.split(",") if t.strip())
    unknown = [t for t in targets if t not in TARGETS]
    if unknown or args.papers < 1:
        parser.error(f"unknown target {unknown[0]!r}" if unknown else "--papers must be at least 1")
    stats = write_corpus(args.out, args.papers, args.seed, args.format, targets)
    print(
        f"wrote {stats['papers']} papers over {stats['days']} days, {stats['authors']} authors, "
        f"{stats['math']} with math, to {args.out} ({', '.join(targets)})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
