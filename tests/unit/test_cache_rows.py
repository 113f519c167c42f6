"""cacherows: what a parse-cache row may name when unpickled, and what its papers must
hold to be used (tests/test_hostile_cache.py builds sites with such rows)."""

import dataclasses
import datetime
import pickle
import zoneinfo

import pytest

from sitegen.cache import pickle_papers
from sitegen.cacherows import loads, vouched
from sitegen.model import Author, Paper

UTC = datetime.timezone.utc


def _paper(**fields) -> Paper:
    moment = datetime.datetime(2025, 3, 14, 9, tzinfo=zoneinfo.ZoneInfo("Europe/Paris"))
    values = {
        "links": (("code", "https://github.com/a/b"), ("mail", "mailto:a@example.org")),
        "authors": (Author("Ada", url="https://example.org/ada"), Author("Bo")),
        "thumbnail": "static/thumbs/x.png",
        "citation_key": "lovelace2025:notes",
        **fields,
    }
    return Paper("2403.00001", "Title", moment, moment.date(), **values)


def test_what_a_content_file_can_hold_comes_back_equal():
    extra = {
        "day": datetime.date(2024, 2, 29),
        "naive": datetime.datetime(2024, 1, 1, 12, 30),
        "offset": datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=-5))),
        "zone": datetime.datetime(2024, 6, 1, tzinfo=zoneinfo.ZoneInfo("America/New_York")),
        "utc": datetime.datetime(2024, 6, 1, tzinfo=UTC),
        "time": datetime.time(12, 1),
        "set": {1, 2},
        "frozen": frozenset({"a"}),
        "bytes": b"\x00\x01",
        "nested": [{"a": [1, 2.5, None, True]}],
    }
    papers = [((0,), _paper(extra=extra)), ((1,), _paper())]
    assert loads(pickle_papers(papers)) == papers


class _Calls:
    def __init__(self, reduced):
        self.reduced = reduced

    def __reduce__(self):
        return self.reduced


@pytest.mark.parametrize(
    "reduced",
    [
        (print, ("a row ran print",)),
        (getattr, (datetime.date, "__class__")),  # the first step of a walk to os.system
        (getattr, (zoneinfo.ZoneInfo, "__init_subclass__")),
        (dataclasses.replace, (_paper(), {})),
    ],
    ids=["print", "getattr of a class", "getattr of ZoneInfo", "another sitegen-free function"],
)
def test_a_row_naming_anything_else_is_refused(reduced):
    with pytest.raises(pickle.UnpicklingError):
        loads(pickle.dumps(_Calls(reduced), protocol=pickle.HIGHEST_PROTOCOL))


def test_a_row_of_valid_papers_is_vouched_for():
    assert vouched([((0,), _paper()), ((1,), _paper(thumbnail="https://cdn.example.org/x.png"))])
    assert vouched([])


@pytest.mark.parametrize(
    "fields",
    [
        {"id": "../../etc"},
        {"id": "a/b/c"},
        {"links": (("code", "javascript:alert(1)"),)},
        {"links": (("code", " JaVa\tScript:alert(1)"),)},
        {"links": (("code", 42),)},
        {"authors": (Author("Ada", url="javascript:alert(1)"),)},
        {"authors": (("Ada", None, None),)},
        {"thumbnail": "data:image/png;base64,AAAA"},
        {"thumbnail": "../../secret.png"},
        {"citation_key": "key},\n@misc{injected"},
    ],
    ids=lambda fields: repr(fields)[:40],
)
def test_a_row_holding_what_the_validation_refuses_is_not(fields):
    paper = _paper()
    for name, value in fields.items():
        object.__setattr__(paper, name, value)  # as a forged row's unpickling makes it
    assert not vouched([((0,), _paper()), ((1,), paper)])


@pytest.mark.parametrize("row", [None, 42, [("not a pair",)], [((0,), "not a paper")], [((0,), None)]])
def test_a_row_of_another_shape_is_not(row):
    assert not vouched(row)
