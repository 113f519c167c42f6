"""The bench's synthetic papers: seeded, standard library only, one listing day at a time.

The corpus depends only on the count and the seed: the nth paper of a 10k corpus
is not the nth of a 1k one (the author pool scales with the size), but the same
arguments always give the same papers.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from words import (
    ACRONYM_TAILS,
    ADJECTIVES,
    BENCHES,
    CLOSERS,
    DETAIL_SENTENCES,
    FIRST_NAMES,
    LAST_NAMES,
    MATH_SENTENCES,
    METHOD_SENTENCES,
    METHODS,
    NOUNS,
    OPENERS,
    PROPERTIES,
    RESULT_SENTENCES,
    SYLLABLES,
    TAGS,
    TASKS,
    VERBS,
)

# The sites' settings, the same for sitegen, Hugo and Pelican.
BASE_URL = "https://bench.example.org/"
PER_PAGE = 25
FEED_ENTRIES = 50
START_DAY = date(2019, 1, 7)  # a Monday; listing days are weekdays from here on
PAPERS_PER_DAY = (25, 55)  # uniform, so ~40 a day on average
MATH_SHARE = 0.10
CODE_SHARE = 0.40


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
    word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3)))
    return word.capitalize() + rng.choice(ACRONYM_TAILS)


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
