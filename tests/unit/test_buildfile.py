"""The build's file: records written end to end, read back where it says."""

import os
import random

import pytest

from sitegen import buildfile
from sitegen.buildfile import RecordFile, place, read_place
from sitegen.processes import fork_context


@pytest.mark.parametrize("count", [1, 700, buildfile._IOV_MAX, buildfile._IOV_MAX + 1, 3000])
@pytest.mark.parametrize("short", [False, True])
def test_records_are_read_back_where_the_file_says_in_one_write_or_many(count, short, monkeypatch):
    """Any number of records (one pwritev, or joined past what one takes), and
    a write the system cuts short: each record is read back whole."""
    if short:  # the first call writes at most 100 bytes, as a short write may
        real = os.pwritev

        def short_pwritev(fd, buffers, offset):
            monkeypatch.setattr(os, "pwritev", real)
            return os.pwrite(fd, b"".join(buffers)[:100], offset)

        monkeypatch.setattr(os, "pwritev", short_pwritev)
    file = RecordFile(fork_context())
    try:
        rng = random.Random(count)
        first = file.write([("before", b"x" * 10)])
        records = [(f"p{i}", rng.randbytes(rng.randrange(0, 300))) for i in range(count)]
        handed = file.write(records)
        assert [paper_id for paper_id, _, _ in handed] == [paper_id for paper_id, _ in records]
        for (_, data), (_, at, length) in zip(records, handed, strict=True):
            assert read_place(file.fd, place(at, length)) == data
        assert read_place(file.fd, place(*first[0][1:])) == b"x" * 10, "the record before is untouched"
    finally:
        file.close()


def _counting_preads(monkeypatch):
    calls = []
    real = os.pread

    def pread(fd, length, at):
        calls.append((at, length))
        return real(fd, length, at)

    monkeypatch.setattr(os, "pread", pread)
    return calls


@pytest.mark.parametrize("seed", range(20))
def test_pieces_read_together_are_each_as_read_alone_and_a_run_end_to_end_is_one_read(seed, monkeypatch):
    """read_places gives what read_place gives for each piece, in the order asked,
    whatever the order (the file's, shuffled, pieces asked twice): pieces asked
    for in the order they lie end to end are one pread a run of at most _SPAN
    bytes, scattered ones one a piece."""
    rng = random.Random(seed)
    file = RecordFile(fork_context())
    try:
        records = [(f"p{i}", rng.randbytes(rng.choice([0, 1, 700, 5000, 30000]))) for i in range(60)]
        wheres = [place(at, length) for _, at, length in file.write(records)]
        calls = _counting_preads(monkeypatch)
        for asked in (wheres, rng.sample(wheres, 25), wheres[10:40], [wheres[3]], [], wheres[5:9] * 2):
            calls.clear()
            got, reads = buildfile.read_places(file.fd, asked), len(calls)
            assert got == [read_place(file.fd, w) for w in asked]
            if (
                asked is wheres
            ):  # the whole file in its order: each run but the last holds _SPAN bytes or more
                assert reads <= sum(len(data) for _, data in records) // buildfile._SPAN + 1
    finally:
        file.close()


def test_a_run_of_pieces_end_to_end_is_one_system_call(monkeypatch):
    """A home page's 25 cards, written together: one pread, not 25."""
    file = RecordFile(fork_context())
    try:
        cards = [(f"p{i}", f"<article>{i} é</article>".encode() * 40) for i in range(25)]
        wheres = [place(at, length) for _, at, length in file.write(cards)]
        calls = _counting_preads(monkeypatch)
        assert buildfile.read_places(file.fd, wheres) == [card for _, card in cards]
        assert len(calls) == 1
        calls.clear()
        scattered = wheres[::2]  # none follows the one before it: one read each
        assert buildfile.read_places(file.fd, scattered) == [card for _, card in cards[::2]]
        assert len(calls) == len(scattered)
    finally:
        file.close()


@pytest.mark.parametrize("order", ["file", "reversed"])
def test_pieces_cut_short_read_together_are_none_and_the_others_whole(order):
    file = RecordFile(fork_context())
    try:
        pieces = [(f"p{i}", bytes([i]) * 100) for i in range(10)]
        wheres = [place(at, length) for _, at, length in file.write(pieces)]
        os.ftruncate(file.fd, 650)  # the seventh torn, the last three gone
        asked = wheres if order == "file" else wheres[::-1]
        got = buildfile.read_places(file.fd, asked)
        expected = [data if i < 6 else None for i, (_, data) in enumerate(pieces)]
        assert got == (expected if order == "file" else expected[::-1])
    finally:
        file.close()
