import io

from sitegen import progress as progress_module
from sitegen.progress import Progress


def test_progress_draws_a_bar_and_clears_it(monkeypatch):
    monkeypatch.setattr(progress_module, "DELAY", 0.0)
    monkeypatch.setattr(progress_module, "INTERVAL", 0.0)
    stream = io.StringIO()
    bar = Progress(stream, enabled=True)
    bar.start(10)
    bar.advance(5)
    assert "5/10 files" in stream.getvalue()
    bar.finish()
    assert stream.getvalue().endswith("\r\x1b[K")


def test_progress_is_silent_off_a_terminal_and_in_ci(monkeypatch):
    monkeypatch.setattr(progress_module, "DELAY", 0.0)
    stream = io.StringIO()  # not a terminal
    bar = Progress(stream)
    bar.start(3)
    bar.advance(3)
    bar.finish()
    assert stream.getvalue() == ""

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setenv("CI", "true")
    assert not Progress(Terminal()).enabled


def test_short_builds_show_nothing():
    stream = io.StringIO()
    bar = Progress(stream, enabled=True)  # the default one-second delay has not passed
    bar.start(2)
    bar.advance(2)
    bar.finish()
    assert stream.getvalue() == ""
