"""`sitegen import` as a user and the scheduled workflow run it: recorded answers, never the network."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from sitegen import cli
from sitegen.importers import http
from tests.importers.fakes import FakeTransport, ok, recorded
from tests.sitekit import tree
from tests.test_cli import sitegen

RECORDED = Path(__file__).parent / "importers" / "recorded"
HF_FILE = RECORDED / "hf_daily_2025-09-08.json"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    (root / "content" / "papers").mkdir(parents=True)
    (root / "site.yaml").write_text("title: Test\nbase_url: https://example.org/\n", encoding="utf-8")
    return root


def test_hf_daily_from_a_saved_answer_adds_papers_that_build(site: Path) -> None:
    done = sitegen("import", "hf-daily", "--file", str(HF_FILE), "--date", "2025-09-08", "--site", str(site))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == (
        "imported 3 papers (hf-daily 3): 3 added, 0 updated, 0 left alone"
    ), done.stdout
    assert "wrote content/papers/2025/2025-09-08.yaml" in done.stdout
    text = (site / "content/papers/2025/2025-09-08.yaml").read_text(encoding="utf-8")
    assert "- id: '2509.04664'\n  title: Why Language Models Hallucinate\n  date: 2025-09-08\n" in text
    checked = sitegen("build", "--site", str(site), "-q")
    assert checked.returncode == 0, checked.stderr
    page = (site / "output/papers/2509.04664/index.html").read_text(encoding="utf-8")
    assert "Why Language Models Hallucinate" in page


def test_running_the_same_import_again_changes_nothing(site: Path) -> None:
    args = ("import", "hf-daily", "--file", str(HF_FILE), "--site", str(site))
    assert sitegen(*args).returncode == 0
    before = tree(site / "content")
    again = sitegen(*args)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == "imported 3 papers (hf-daily 3): 0 added, 0 updated, 3 left alone"
    assert tree(site / "content") == before


def test_a_garbled_answer_is_one_line_exit_1_and_no_file(site: Path, tmp_path: Path) -> None:
    garbage = tmp_path / "answer.json"
    garbage.write_text("<html>Service Unavailable</html>", encoding="utf-8")
    done = sitegen("import", "hf-daily", "--file", str(garbage), "--site", str(site))
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert lines[0].startswith("hf-daily: ") and "Traceback" not in done.stderr
    assert lines[-1] == "error: 1 problem found; nothing was written"
    assert tree(site) == {"site.yaml": b"title: Test\nbase_url: https://example.org/\n"}


def test_bibtex_file_is_imported_and_checks(site: Path) -> None:
    shutil.copy(RECORDED / "papers.bib", site / "library.bib")
    done = sitegen("import", "bibtex", "library.bib", "--date", "2025-03-14", cwd=site)
    assert done.returncode == 0, done.stderr
    assert " added, 0 updated, 0 left alone" in done.stdout
    assert sitegen("check", "--site", str(site)).returncode == 0


def test_import_without_sources_says_how_to_add_one(site: Path) -> None:
    done = sitegen("import", "--site", str(site))
    assert done.returncode == 2
    assert "no sources in site.yaml" in done.stderr


def test_site_option_given_before_the_source_name_is_kept(site: Path, tmp_path: Path) -> None:
    done = sitegen("import", "--site", str(site), "hf-daily", "--file", str(HF_FILE), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (site / "content/papers/2025").is_dir()


def _configured(site: Path) -> None:
    (site / "site.yaml").write_text(
        "title: Test\nbase_url: https://example.org/\n"
        "sources:\n"
        "  - hf-daily\n"
        '  - arxiv: {query: "cat:cs.LG AND abs:diffusion", max: 2}\n'
        "import:\n"
        "  categories: {cs.LG: machine learning}\n",
        encoding="utf-8",
    )


def _fake_network(monkeypatch: pytest.MonkeyPatch, transport: FakeTransport) -> None:
    monkeypatch.setattr(http, "UrllibTransport", lambda *a, **k: transport)
    monkeypatch.setattr(http.time, "sleep", transport.clock.sleep)
    monkeypatch.setattr(http.time, "monotonic", transport.clock)


def _configured_network(monkeypatch: pytest.MonkeyPatch, arxiv_answer: str) -> FakeTransport:
    """The recorded HF listing of 2025-09-08, and ``arxiv_answer`` for _configured()'s query."""
    from sitegen.importers import arxiv, hf_daily

    transport = FakeTransport()
    listing = hf_daily.listing_url(date(2025, 9, 8))
    transport.add(listing, ok(listing, recorded("hf_daily_2025-09-08.json")))
    query = arxiv.query_url(
        search_query="cat:cs.LG AND abs:diffusion", id_list=None, start=0, max_results=2, sort="submitted"
    )
    transport.add(query, ok(query, recorded(arxiv_answer)))
    _fake_network(monkeypatch, transport)
    return transport


def test_plain_sitegen_import_runs_every_source_in_site_yaml(
    site: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _configured(site)
    transport = _configured_network(monkeypatch, "arxiv_query.xml")
    assert cli.main(["import", "--site", str(site), "--date", "2025-09-08"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("imported "), out
    assert "(hf-daily 3, arxiv " in out
    assert transport.calls and all("sitegen/" in c.headers["User-Agent"] for c in transport.calls)
    assert cli.main(["check", "--site", str(site)]) == 0


def test_offline_is_one_line_exit_1_and_no_file_touched(
    site: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _configured(site)
    from sitegen.importers import hf_daily

    transport = FakeTransport()
    transport.add(
        hf_daily.listing_url(date(2025, 9, 8)), OSError("[Errno -3] Temporary failure in name resolution")
    )
    _fake_network(monkeypatch, transport)
    before = tree(site)
    assert cli.main(["import", "--site", str(site), "--date", "2025-09-08"]) == 1
    err = capsys.readouterr().err.splitlines()
    retries = [line for line in err if line.startswith("warning: ")]
    errors = [line for line in err if not line.startswith("warning: ")]
    assert errors[0].startswith("hf-daily: could not reach huggingface.co"), err
    assert errors[1:] == ["error: 1 problem found; nothing was written"]
    assert len(transport.calls) == len(retries) + 1 > 1  # each retry was told, then it gave up
    assert retries[0] == (
        "warning: hf-daily: could not reach huggingface.co "
        "([Errno -3] Temporary failure in name resolution); retrying in 2 s"
    )
    assert tree(site) == before


def test_a_failing_second_source_leaves_the_first_ones_papers_unwritten(
    site: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _configured(site)
    _configured_network(monkeypatch, "arxiv_error.xml")
    before = tree(site)
    assert cli.main(["import", "--site", str(site), "--date", "2025-09-08"]) == 1
    err = capsys.readouterr().err
    assert "arxiv: the API refused the query" in err and "Traceback" not in err
    assert tree(site) == before


def test_a_build_loads_none_of_the_importers(site: Path) -> None:
    """docs/architecture.md: the importers sit beside the build; their libraries cost a build nothing."""
    import subprocess
    import sys

    code = (
        "import sys; from sitegen import cli; cli.main(['build', '--site', sys.argv[1], '-q']); "
        "names = ('sitegen.importers', 'ruamel', 'bibtexparser'); "
        "print(sorted(m for m in sys.modules if m.startswith(names)))"
    )
    command = [sys.executable, "-c", code, str(site)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_an_arxiv_search_asks_for_the_newest_papers_first(
    site: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """arXiv's default order is relevance: a daily search would bring back the same papers every day."""
    from sitegen.importers import arxiv

    transport = FakeTransport()
    newest = "sortBy=submittedDate&sortOrder=descending"
    url = f"{arxiv.API}?search_query=cat%3Acs.LG&start=0&max_results=2&{newest}"
    transport.add(url, ok(url, recorded("arxiv_query.xml")))
    _fake_network(monkeypatch, transport)
    code = cli.main(["import", "arxiv", "--query", "cat:cs.LG", "--max", "2", "--site", str(site)])
    assert code == 0, capsys.readouterr().err
    assert transport.urls == [url]


def test_a_scheduled_hf_import_reads_today_and_yesterday_again(
    site: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Papers join a day's listing all day: the morning run must read yesterday's again."""
    from sitegen.importers import hf_daily, runner

    (site / "site.yaml").write_text(
        "title: T\nbase_url: https://e.org/\nsources:\n  - hf-daily\n  - hf-daily: {days: 3}\n"
    )
    monkeypatch.setattr(runner, "_utc_today", lambda: date(2025, 9, 9))
    transport = FakeTransport()
    for day in (9, 8, 7):
        url = hf_daily.listing_url(date(2025, 9, day))
        transport.add(url, ok(url, recorded("hf_daily_2025-09-08.json") if day == 8 else b"[]"))
    _fake_network(monkeypatch, transport)
    assert cli.main(["import", "--site", str(site)]) == 0, capsys.readouterr().err
    asked = [url.rsplit("=", 1)[1] for url in transport.urls]
    assert asked == ["2025-09-09", "2025-09-08", "2025-09-09", "2025-09-08", "2025-09-07"]
    text = (site / "content/papers/2025/2025-09-08.yaml").read_text(encoding="utf-8")
    assert text.count("- id:") == 3 and "date: 2025-09-08" in text


def test_a_paper_that_would_not_check_is_a_warning_and_exit_0(site: Path, tmp_path: Path) -> None:
    import json

    items = json.loads(HF_FILE.read_text(encoding="utf-8"))
    items[1]["paper"]["title"] = "x" * 5000  # over the default title length limit
    answer = tmp_path / "answer.json"
    answer.write_text(json.dumps(items), encoding="utf-8")
    done = sitegen("import", "hf-daily", "--file", str(answer), "--date", "2025-09-08", "--site", str(site))
    assert done.returncode == 0, done.stderr
    assert "warning: hf-daily: skipped 2509.03345: title: " in done.stderr
    summary = done.stdout.splitlines()[0]
    assert summary.endswith("2 added, 0 updated, 0 left alone; 1 skipped (see the warnings)")
    assert sitegen("check", "--site", str(site)).returncode == 0


def test_a_bib_file_named_in_site_yaml_must_be_inside_the_site(site: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.bib"
    outside.write_text("@article{secret, title={Secret}}\n", encoding="utf-8")
    (site / "library.bib").symlink_to(outside)
    (site / "site.yaml").write_text(
        "title: T\nbase_url: https://e.org/\nsources:\n  - bibtex: {file: library.bib}\n", encoding="utf-8"
    )
    done = sitegen("import", "--site", str(site))
    assert done.returncode == 1
    assert "bibtex: library.bib: " in done.stderr and "outside the site" in done.stderr
    assert "Secret" not in done.stderr and not (site / "content/papers/2025").exists()


def test_a_fifo_given_as_a_saved_answer_does_not_hang(site: Path, tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "answer.json"
    os.mkfifo(fifo)
    done = sitegen("import", "hf-daily", "--file", str(fifo), "--site", str(site))
    assert done.returncode == 1
    assert "not a regular file" in done.stderr
