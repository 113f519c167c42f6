import copyreg
import os
import pickle
import subprocess
import sys
from dataclasses import replace
from datetime import date, datetime, timezone
from pathlib import Path

from sitegen.cache import pickle_papers
from sitegen.model import Author, Paper


def _paper(paper_id, source, authors):
    moment = datetime(2025, 3, 14, tzinfo=timezone.utc)
    return Paper(paper_id, f"Title {paper_id}", moment, date(2025, 3, 14), authors=authors, source=source)


def test_papers_come_back_equal_from_a_pickle():
    ada = Author("Ada Lovelace", "Analytical Engines", "https://example.org/ada")
    papers = [_paper("a", Path("content/papers/day.yaml"), (ada,)), _paper("b", None, ())]
    assert pickle.loads(pickle_papers(papers)) == papers
    assert pickle.loads(pickle.dumps(papers)) == papers


def test_unpickled_papers_share_their_file_path_and_equal_authors():
    """Every unpickled object is new unless shared again: at 100k papers that was
    ~90 MB of duplicate Path and Author objects."""
    source = Path("content/papers/day.yaml")
    papers = [
        _paper("a", source, (Author("Ada Lovelace"), Author("Chen Wei"))),
        _paper("b", source, (Author("Ada Lovelace"),)),
    ]
    first, second = pickle.loads(pickle_papers(papers))
    assert first.source is second.source and first.source == source
    assert first.authors[0] is second.authors[0]
    assert first.authors[1] is not first.authors[0]
    # A different affiliation is a different author value, never merged.
    (other,) = pickle.loads(pickle_papers([_paper("c", source, (Author("Ada Lovelace", "Elsewhere"),))]))
    assert other.authors[0].affiliation == "Elsewhere"


def test_a_paper_was_last_modified_when_updated_else_published_else_listed():
    listed, published, updated = (datetime(2025, 3, d, tzinfo=timezone.utc) for d in (14, 10, 20))
    base = Paper(id="p", title="T", date=listed, day=listed.date())
    assert base.modified == listed
    assert replace(base, published=published).modified == published
    assert replace(base, published=published, updated=updated).modified == updated


def _globals_named(blob: bytes) -> list[str]:
    """The classes and functions a pickle looks up by name (each ~1 µs to load)."""
    import pickletools

    named, strings = [], []
    for op, arg, _ in pickletools.genops(blob):
        if op.name in ("SHORT_BINUNICODE", "BINUNICODE"):
            strings.append(arg)
        elif op.name == "BINGET" or op.name == "LONG_BINGET":
            strings.append(None)  # a memo reference: not a name we can see here
        elif op.name == "STACK_GLOBAL":
            named.append(f"{strings[-2]}.{strings[-1]}")
        elif op.name == "GLOBAL":
            named.append(arg.replace(" ", "."))
        elif op.name.startswith("EXT"):  # copyreg's registry: found by number, no look-up by name
            named.append("by number: " + ".".join(copyreg._inverted_registry[arg]))
    return named


def test_a_one_paper_pickle_names_one_function_not_the_date_zone_and_author_classes():
    """The parent of a -j2 load unpickles each of the worker's files, and a paper
    page's run reads each of its files back from the parse cache: six names
    looked up per one-paper file cost ~4 of its ~11 µs, and the one left by name
    (its module imported again) ~6k instructions."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("Europe/Berlin")
    moment = datetime(2025, 3, 14, 9, tzinfo=zone)
    paper = Paper(
        "a",
        "T",
        moment,
        moment.date(),
        authors=(Author("Ada", "Engines"), Author("Chen")),
        published=moment,
        updated=moment,
        source=Path("content/papers/2025/a.yaml"),
    )
    blob = pickle_papers([((), paper)])
    assert _globals_named(blob) == ["by number: sitegen.model._unpickled"]
    assert pickle.loads(blob) == [((), paper)]


def test_papers_pickle_by_name_when_another_library_took_the_number():
    """copyreg's numbers are one table for the whole process: taken by another,
    sitegen's pickles name _unpickled as before, and load."""
    script = (
        "import copyreg, pickle, datetime\n"
        "copyreg.add_extension('elsewhere', 'theirs', 0xF3)\n"
        "from sitegen.cache import pickle_papers\n"
        "from sitegen.model import Paper\n"
        "moment = datetime.datetime(2025, 3, 14, tzinfo=datetime.timezone.utc)\n"
        "paper = Paper('a', 'T', moment, moment.date())\n"
        "blob = pickle_papers([paper])\n"
        "assert pickle.loads(blob) == [paper] and b'_unpickled' in blob\n"
        "print('loaded')\n"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env)
    assert done.stdout == "loaded\n", done.stderr


def test_pickled_moments_keep_their_zone_fold_and_offset():
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("Europe/Berlin")
    # 02:30 on 2025-10-26 happens twice in Berlin; fold=1 is the second, an hour later.
    second = datetime(2025, 10, 26, 2, 30, fold=1, tzinfo=zone)
    offset = datetime(2025, 3, 14, 9, tzinfo=timezone(timedelta(hours=-5)))
    paper = Paper("a", "T", second, second.date(), published=offset, updated=second, source=Path("day.yaml"))
    (back,) = pickle.loads(pickle_papers([paper]))
    assert back == paper
    assert back.date.fold == 1 and back.date.utcoffset() == timedelta(hours=1)
    assert back.date.tzinfo is zone and back.updated.tzinfo is zone  # ZoneInfo(key), as pickle gives
    assert back.published.tzinfo == timezone(timedelta(hours=-5)) and back.published.utcoffset() == timedelta(
        hours=-5
    )
    assert type(back.day) is date and back.day == date(2025, 10, 26)
    assert type(back.source) is type(Path("day.yaml")) and back.source == Path("day.yaml")
    # A zone not made by ZoneInfo(key) goes as it is, and comes back a zone of its own.
    alone = ZoneInfo.no_cache("Europe/Berlin")
    (lone,) = pickle.loads(pickle_papers([Paper("b", "T", second.replace(tzinfo=alone), second.date())]))
    assert lone.date.tzinfo is not zone and lone.date.tzinfo.key == "Europe/Berlin"
    assert lone.date.utcoffset() == timedelta(hours=1)


def test_unpickled_paths_are_the_paths_of_their_names():
    """Paths are made from their folder's Path (cheaper): the same value as Path(name)."""
    names = ["content/papers/2025/a.yaml", "content/papers/2025/b.json", "c.yaml", "/abs/d.yaml", "x//y.yaml"]
    papers = [_paper(str(i), Path(name), ()) for i, name in enumerate(names)]
    back = pickle.loads(pickle_papers(papers))
    for paper, name in zip(back, names, strict=True):
        assert paper.source == Path(name) and str(paper.source) == str(Path(name))
        assert paper.source.parts == Path(name).parts


def test_a_flat_paper_pickles_as_the_paper_it_stands_for():
    """model.flat_entry (what the load makes of an entry's checked values instead of a
    Paper and its Authors) pickles to the very bytes the Paper does: a cache row is the
    same whichever way it was made, and unpickles to the same Paper."""
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from sitegen.model import flat_author

    zone = ZoneInfo("Europe/Berlin")
    second = datetime(2025, 10, 26, 2, 30, fold=1, tzinfo=zone)
    offset = datetime(2025, 3, 14, 9, tzinfo=timezone(timedelta(hours=-5)))
    alone = datetime(2025, 3, 14, tzinfo=ZoneInfo.no_cache("Europe/Berlin"))
    people = (("Ada Lovelace", "Analytical Engines", "https://example.org/ada"), ("Chen Wei", None, None))
    cases = [
        dict(id="a", title="T", date=second, day=second.date(), published=offset, updated=second),
        dict(id="b", title="T", date=alone, day=date(2025, 3, 14), tags=("x",), extra={"k": [1, 2]}),
        dict(id="c", title="T", date=offset, day=date(2025, 3, 14), links=(("pdf", "https://e.org/c"),)),
    ]
    for values in cases:
        authors = tuple(Author(*person) for person in people)
        paper = Paper(authors=authors, source=Path("p/a.yaml"), **values)
        flat = _flat(authors=tuple(flat_author(*p) for p in people), source="p/a.yaml", **values)
        assert pickle_papers([((), flat)]) == pickle_papers([((), paper)]), values["id"]
        assert pickle.loads(pickle_papers([((), flat)])) == [((), paper)]
    bare = Paper("d", "T", offset, date(2025, 3, 14))
    flat = _flat(id="d", title="T", date=offset, day=date(2025, 3, 14))
    assert pickle_papers([bare]) == pickle_papers([flat])
    # Two papers of one file, with equal values: the row shares no object the Papers' does not.
    twice = [_flat(id=i, title="T", date=second, day=second.date(), published=second) for i in "ef"]
    papers = [Paper(i, "T", second, second.date(), published=second) for i in "ef"]
    assert pickle_papers(twice) == pickle_papers(papers)


def _flat(**values):
    """model.flat_entry of Paper(**values)'s fields (its authors given as their states)."""
    from sitegen.model import flat_entry

    return flat_entry(values, values.get("day"), values.get("source"), values.get("digest", ""))


_ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"]


def _moments():
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from hypothesis import strategies as st

    zones = st.one_of(
        st.sampled_from(_ZONES).map(ZoneInfo),
        st.integers(-14 * 60, 14 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes))),
        st.just(timezone.utc),
    )
    return st.builds(
        lambda when, fold, zone: when.replace(fold=fold, tzinfo=zone),
        # A few wall times again and again (in other zones, other folds), and any.
        st.sampled_from([datetime(2025, 10, 26, 2, 30), datetime(2025, 3, 14, 9)])
        | st.datetimes(datetime(1990, 1, 1), datetime(2040, 1, 1)),
        st.integers(0, 1),
        zones,
    )


def _papers():
    from hypothesis import strategies as st

    names = st.sampled_from(["Ada", "Chen Wei", "Tom", "x"])
    authors = st.builds(
        Author, names, st.sampled_from([None, "NPL", "MIT"]), st.sampled_from([None, "https://e.org"])
    )
    small = st.lists(st.sampled_from(["LLM", "agents", "pdf", "code", "Ada"]), max_size=4).map(tuple)
    return st.builds(
        lambda n, moment, day, people, tags, links, published, updated, extra, source: Paper(
            f"p{n}",
            "T",
            moment,
            day,
            authors=tuple(people),
            tags=tuple(dict.fromkeys(tags)),
            links=tuple((name, f"https://e.org/{n}") for name in dict.fromkeys(links)),
            published=published,
            updated=updated,
            extra=extra,
            source=source,
            digest=f"d{n}",
        ),
        st.integers(0, 10**6),
        _moments(),
        st.sampled_from([date(2025, 3, 14), date(2025, 3, 15)])
        | st.dates(date(1990, 1, 1), date(2040, 1, 1)),
        st.lists(authors, max_size=4),
        small,
        small,
        st.none() | _moments(),
        st.none() | _moments(),
        st.sampled_from([{}, {"k": [1]}]),
        st.sampled_from(
            [None, Path("content/papers/a.yaml"), Path("content/papers/2025/b.yaml"), Path("c.json")]
        ),
    )


def test_papers_unpickled_of_a_loads_shared_values_are_those_share_gives():
    """SharedValues.unflat (what a load's unpickled papers are made by) against
    its reference, plain unpickling then SharedValues.share: the same papers,
    field by field (zones, folds and offsets too), in either order of files."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from sitegen.model import SharedValues, unflatten

    def look(paper):  # each field, with what == does not compare (a zone, a fold, a type)
        out = []
        for value in (paper.date, paper.published, paper.updated):
            out.append((value, type(value), getattr(value, "tzinfo", None), getattr(value, "fold", None)))
        return (paper, repr(paper), type(paper.day), type(paper.source), *out)

    @settings(max_examples=150, deadline=None)
    @given(st.lists(st.lists(_papers(), min_size=1, max_size=3), min_size=1, max_size=6))
    def check(files):
        blobs = [pickle_papers(file) for file in files]
        reference = SharedValues()
        expected = [reference.share(paper) for blob in blobs for paper in pickle.loads(blob)]
        shared = SharedValues()
        with shared.unpickling():
            got = [paper for blob in blobs for paper in pickle.loads(blob)]
        assert [look(paper) for paper in got] == [look(paper) for paper in expected]
        # Equal small values are one object, as share makes them (moments: zone and fold too).
        for field in ("tags", "authors", "day", "date", "published", "updated"):
            for i, a in enumerate(got):
                for j, b in enumerate(got[:i]):
                    if getattr(expected[i], field) is getattr(expected[j], field):
                        assert getattr(a, field) is getattr(b, field), (field, a, b)
        # A fork's flat papers come back the same, and so do this process's own,
        # made from their flat values without a pickle (model.unflatten).
        with shared.unpickling():
            flat = [pickle.loads(pickle_papers([_flat(**_fields(p)) for p in file])) for file in files]
        assert [look(paper) for file in flat for paper in file] == [look(paper) for paper in expected]
        again = SharedValues()
        with again.unpickling():
            made = [unflatten(_flat(**_fields(p))) for file in files for p in file]
        assert [look(paper) for paper in made] == [look(paper) for paper in expected]

    check()


def _fields(paper):
    from dataclasses import fields

    values = {f.name: getattr(paper, f.name) for f in fields(paper)}
    return {**values, "authors": tuple((a.name, a.affiliation, a.url) for a in paper.authors)}
