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
