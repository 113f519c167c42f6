#!/usr/bin/env python3
"""Turn the captured daily-papers listing into the sample site's content file.

    python scripts/import_seed.py [SEED_JSON] [--out FILE] [--date YYYY-MM-DD]

The seed (by default scripts/seed/daily-papers-listing.json, a copy kept in
the repository so a fresh clone regenerates the sample content byte for byte)
holds one day of a daily-papers page: titles and abstracts only.
This writes ONE YAML file (by default content/papers/YYYY/YYYY-MM-DD.yaml in
the repository) with a list of papers in the seed's order:

    - id: a slug of the title (unique within the file)
      title / abstract: copied verbatim
      date: the --date given (the seed says only "Mar 14", no year)
      tags: 1 to 3 topic tags from the keyword rules in TAG_RULES

Nothing else is added: the seed has no authors, links or upvotes, so neither
does the output. The output is deterministic (same seed, same bytes), and it
is read back and compared with the seed before it is written.

Standard library and PyYAML only.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from datetime import date, datetime
from pathlib import Path
from typing import Any, NamedTuple

import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SEED = Path(__file__).resolve().parent / "seed" / "daily-papers-listing.json"
DEFAULT_DATE = date(2025, 3, 14)

MAX_ID_LENGTH = 80
MAX_TAGS = 3
FALLBACK_TAG = "deep learning"


# --- ids ----------------------------------------------------------------------

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def slugify(title: str, max_length: int = MAX_ID_LENGTH) -> str:
    """'Pointer Networks' -> 'pointer-networks'.

    Lowercase ASCII (accents dropped), every run of other characters becomes
    one '-', no '-' at either end; longer than max_length is cut back to the
    last whole word that fits (a single over-long word is cut hard).
    """
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    slug = _NON_ALNUM.sub("-", ascii_text.lower()).strip("-")
    if len(slug) > max_length:
        cut = slug[: max_length + 1].rfind("-")  # a '-' right after the limit is a word end too
        slug = slug[:cut] if cut > 0 else slug[:max_length]
    return slug or "paper"


def unique_ids(titles: list[str]) -> list[str]:
    """One id per title, in order; a repeat gets -2, -3, ... (still within the length limit)."""
    seen: set[str] = set()
    ids: list[str] = []
    for title in titles:
        base = slugify(title)
        candidate, n = base, 1
        while candidate in seen:
            n += 1
            suffix = f"-{n}"
            candidate = slugify(base, MAX_ID_LENGTH - len(suffix)) + suffix
        seen.add(candidate)
        ids.append(candidate)
    return ids


# --- tags ---------------------------------------------------------------------


class TagRule(NamedTuple):
    """Give ``tag`` when ``title`` matches the title or ``text`` matches title + abstract.

    Patterns are case-insensitive regular expressions; None means "not checked".
    """

    tag: str
    title: str | None = None
    text: str | None = None

    def matches(self, title: str, abstract: str) -> bool:
        if self.title and re.search(self.title, title, re.IGNORECASE):
            return True
        return bool(self.text and re.search(self.text, f"{title}\n{abstract}", re.IGNORECASE))


def _any(*patterns: str) -> str:
    """One regular expression matching any of the given ones."""
    return "|".join(patterns)


# Ordered: a paper gets the tags of the first MAX_TAGS rules that match it, so
# narrow topics come before broad ones. A paper no rule matches gets FALLBACK_TAG.
# Tuned by reading all 42 seed papers; tests/unit/test_import_seed.py pins the result.
TAG_RULES: tuple[TagRule, ...] = (
    # LLM inference acceleration: draft models/heads, parallel decoding.
    TagRule(
        "speculative decoding",
        text=_any("speculative", r"draft[- ](?:model|head|verification)", "parallel decoding"),
    ),
    # Reading stimuli (images, speech, language) back out of recorded brain activity.
    TagRule(
        "brain decoding",
        text=_any("brain decoding", "neural decoding", "visual decoding", r"decoding (?:language|speech)"),
    ),
    # Models of recorded brain data (not papers that merely cite neuroscience).
    TagRule(
        "neuroscience",
        text=_any(r"\bfmri\b", r"\bs?eeg\b", r"\bmeg\b", "intracranial", "neuronal", "brain activity"),
    ),
    TagRule(
        "interpretability",
        text=_any("interpretability", "mechanistic", "explains its", "labels neurons", "probing represent"),
    ),
    # Smaller or cheaper networks: pruning, quantisation, compressed students.
    TagRule("model compression", text=_any("model compression", r"\bprun(?:e|ed|ing)\b", "low precision")),
    TagRule("data compression", title="lossless compression"),
    TagRule("speech and audio", title=_any("speech", "audio")),
    # Vector-quantised codes, codebooks and other discrete bottlenecks.
    TagRule("discrete representations", title=_any("discrete", "codebook")),
    TagRule("rendering", text=_any("rendering", "ray tracing", "path tracer")),
    TagRule("code generation", text=_any("program synthesis", "programming languages")),
    TagRule("neural operators", text=r"neural operators?\b"),
    TagRule("continual learning", text=_any("continual learning", "catastrophic forgetting")),
    TagRule("language models", text=_any(r"language models?\b", r"\bllms?\b", r"\bslms?\b")),
    TagRule(
        "efficient inference",
        text=_any(
            "speculative",
            "inference acceleration",
            r"accelerat\w* (?:\w+ ){0,4}(?:inference|decoding)",
            "latency",
            "throughput",
        ),
    ),
    TagRule(
        "sequence models", text=_any("sequence models", "sequence-to-sequence", "beam search", r"\(rnns\)")
    ),
    TagRule("generative models", text=_any(r"generative (?:model|pretrain)", "diffusion")),
    TagRule("representation learning", title=_any("representation", "embedding")),
    TagRule("computer vision", text=_any("computer vision tasks", "imagenet", "vision models")),
    TagRule("optimization", text=_any("gradient noise", "vanishing gradient", "untrainable")),
    TagRule("inductive bias", text="inductive bias"),
    TagRule("deep learning theory", title="theory"),
    # Papers whose subject is a network design (or doing without one).
    TagRule(
        "architectures",
        title=_any("architectures", r"\bencoder\b"),
        text=_any(
            "new neural architecture",
            "neural operator architecture",
            "state of the art neural architectures",
        ),
    ),
)


def tags_for(title: str, abstract: str, rules: tuple[TagRule, ...] = TAG_RULES) -> list[str]:
    """The tags of the first MAX_TAGS matching rules, or [FALLBACK_TAG] if none matches."""
    tags: list[str] = []
    for rule in rules:
        if rule.tag not in tags and rule.matches(title, abstract):
            tags.append(rule.tag)
            if len(tags) == MAX_TAGS:
                break
    return tags or [FALLBACK_TAG]


# --- seed -> entries ----------------------------------------------------------


class SeedError(Exception):
    pass


def load_seed(path: Path) -> dict[str, Any]:
    """Read and check the seed: {"listed": "Mar 14", "papers": [{"title", "abstract"}, ...]}."""
    try:
        seed = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SeedError(f"{path}: no such file (pass the seed JSON as the first argument)") from None
    except json.JSONDecodeError as exc:
        raise SeedError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}") from None
    papers = seed.get("papers") if isinstance(seed, dict) else None
    if not isinstance(papers, list) or not papers:
        raise SeedError(f"{path}: expected an object with a non-empty 'papers' list")
    for i, paper in enumerate(papers):
        for key in ("title", "abstract"):
            value = paper.get(key) if isinstance(paper, dict) else None
            if not isinstance(value, str) or not value.strip():
                raise SeedError(f"{path}: papers[{i}].{key}: expected a non-empty string")
    return seed


def check_listed_day(seed: dict[str, Any], day: date) -> None:
    """The seed's "listed" label ("Mar 14", no year) must agree with --date."""
    listed = seed.get("listed")
    if not isinstance(listed, str):
        return
    try:
        label = datetime.strptime(listed.strip(), "%b %d")
    except ValueError:
        return  # an unfamiliar label: nothing to check against
    if (label.month, label.day) != (day.month, day.day):
        raise SeedError(f"the seed is listed {listed!r} but --date is {day.isoformat()}")


def build_entries(seed: dict[str, Any], day: date) -> list[dict[str, Any]]:
    """The content file's data: one mapping per seed paper, in the seed's order."""
    papers = seed["papers"]
    ids = unique_ids([p["title"] for p in papers])
    return [
        {
            "id": paper_id,
            "title": p["title"],
            "date": day,
            "tags": tags_for(p["title"], p["abstract"]),
            "abstract": p["abstract"],
        }
        for paper_id, p in zip(ids, papers, strict=True)
    ]


# --- entries -> YAML ----------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """Block style overall; tag lists inline; long or multi-line text as |- blocks."""

    def ignore_aliases(self, data: Any) -> bool:
        return True  # every paper shares one date object: write it out, no &id001 anchors


class _FlowList(list):
    pass


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value or len(value) > 200:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_str(value)


def _represent_flow_list(dumper: yaml.SafeDumper, value: _FlowList) -> yaml.SequenceNode:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=True)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(_FlowList, _represent_flow_list)


def header(seed_name: str, listed: str | None) -> str:
    listed_note = f' (listed "{listed}")' if listed else ""
    return (
        f"# Generated by scripts/import_seed.py from {seed_name}{listed_note}.\n"
        "# Do not edit by hand; regenerate with:\n"
        "#   python scripts/import_seed.py [SEED_JSON]\n"
        "# Titles and abstracts are the seed's, verbatim; ids and tags are derived from them.\n"
    )


def render_yaml(entries: list[dict[str, Any]], head: str = "") -> str:
    data = [{**e, "tags": _FlowList(e["tags"])} for e in entries]
    body = yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=1_000_000,  # never fold a title across lines
        indent=2,
    )
    # Blank line between papers, for reading.
    body = body.replace("\n- id: ", "\n\n- id: ")
    return head + body


def check_round_trip(text: str, seed: dict[str, Any], entries: list[dict[str, Any]]) -> None:
    """Read the YAML back: it must hold exactly the entries, titles and abstracts as in the seed."""
    loaded = yaml.safe_load(text)
    if loaded != entries:
        raise SeedError("the YAML does not read back as the entries it was made from")
    if len(loaded) != len(seed["papers"]):
        raise SeedError("the YAML does not hold every seed paper")
    for i, (paper, got) in enumerate(zip(seed["papers"], loaded, strict=True)):
        if got["title"] != paper["title"] or got["abstract"] != paper["abstract"]:
            raise SeedError(f"papers[{i}]: title or abstract changed on the way through YAML")


def generate(seed_path: Path, day: date) -> tuple[str, int]:
    """The content file's text for the seed at seed_path (checked, not yet written), and its paper count."""
    seed = load_seed(seed_path)
    check_listed_day(seed, day)
    entries = build_entries(seed, day)
    listed = seed.get("listed") if isinstance(seed.get("listed"), str) else None
    text = render_yaml(entries, header(seed_path.name, listed))
    check_round_trip(text, seed, entries)
    return text, len(entries)


def default_out(day: date) -> Path:
    return REPO_ROOT / "content" / "papers" / f"{day.year:04d}" / f"{day.isoformat()}.yaml"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("seed", nargs="?", type=Path, default=DEFAULT_SEED, help="seed JSON (%(default)s)")
    parser.add_argument("--date", type=date.fromisoformat, default=DEFAULT_DATE, help="day, YYYY-MM-DD")
    parser.add_argument("--out", type=Path, help="YAML file to write (content/papers/YYYY/DATE.yaml)")
    args = parser.parse_args(argv)
    out: Path = args.out or default_out(args.date)
    try:
        text, count = generate(args.seed, args.date)
    except SeedError as exc:
        print(f"import_seed: {exc}", file=sys.stderr)
        return 1
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    print(f"wrote {count} papers to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
