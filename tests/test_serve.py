"""The preview server: loopback only by default, serves the build, rebuilds on save."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from sitegen import serve, watch
from sitegen.devserver import PreviewServer
from tests.sitekit import paper


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def wait_for(predicate, seconds: float = 20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            result = predicate()
        except OSError:
            result = None
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError("timed out")


@pytest.fixture
def server(site_factory):
    site = site_factory([paper("first", title="First title")])
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "sitegen", "serve", "--site", str(site), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield site, port
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_serves_the_site_on_loopback_and_rebuilds_on_save(server, site_factory):
    site, port = server
    base = f"http://127.0.0.1:{port}/"
    status, home = wait_for(lambda: fetch(base))
    assert status == 200 and "First title" in home
    assert f'href="{base}papers/first/"' in home or 'href="/papers/first/"' in home
    status, page = fetch(base + "no/such/page/")
    assert status == 404 and "Page not found" in page

    site_factory([paper("first", title="Edited title")])
    wait_for(lambda: "Edited title" in fetch(base)[1])


def test_listens_on_loopback_only(server):
    assert shutil.which("ss"), "needs ss (apt-get install iproute2) to list listening sockets"
    _, port = server
    wait_for(lambda: fetch(f"http://127.0.0.1:{port}/")[0] == 200)
    listing = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True).stdout
    local_addresses = [line.split()[3] for line in listing.splitlines() if line.strip()]
    assert local_addresses == [f"127.0.0.1:{port}"]


# --- what the server answers: regular files under output/, never through a symlink ---


@pytest.fixture
def files(tmp_path):
    """A PreviewServer on a free port over a bare folder (no build), and a raw GET."""
    root = tmp_path / "out"
    root.mkdir()
    (root / "index.html").write_text("home page")
    (root / "404.html").write_text("Page not found")
    (tmp_path / "secret.txt").write_text("SECRET")
    server = PreviewServer("127.0.0.1", 0, str(root))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]

    def get(path: str) -> tuple[int, dict[str, str], str]:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            connection.request("GET", path)  # sent as written: no client-side normalising
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read().decode()
        finally:
            connection.close()

    try:
        yield root, get, port
    finally:
        server.shutdown()
        server.server_close()


def test_symlinks_inside_the_output_answer_404(files, tmp_path):
    root, get, _ = files
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "index.html").write_text("OUTSIDE")
    (root / "leak.txt").symlink_to(tmp_path / "secret.txt")
    (root / "linked").symlink_to(outside, target_is_directory=True)
    (root / "alias.html").symlink_to(root / "index.html")  # even one that stays inside: any symlink
    (root / "papers").mkdir()
    (root / "papers" / "index.html").symlink_to(root / "index.html")
    for path in ("/leak.txt", "/linked/", "/linked/index.html", "/alias.html", "/papers/"):
        status, _, body = get(path)
        assert (status, body) == (404, "Page not found"), path
    assert get("/")[0] == 200


@pytest.mark.parametrize(
    "path", ["/../secret.txt", "/%2e%2e/secret.txt", "/papers/../../secret.txt", "/..%2fsecret.txt", "/.%2e/"]
)
def test_paths_that_climb_out_of_the_output_answer_404(files, path):
    _, get, _ = files
    status, _, body = get(path)
    assert status == 404 and "SECRET" not in body


def test_only_regular_files_are_served(files):
    root, get, _ = files
    os.mkfifo(root / "pipe")  # opening it for reading would wait for a writer forever
    (root / "bare").mkdir()
    (root / "bare" / "file.txt").write_text("in a folder without index.html")
    (root / "day").mkdir()
    (root / "day" / "index.html").write_text("day page")
    assert get("/pipe")[0] == 404
    assert get("/bare/")[0] == 404, "no folder listings"
    status, headers, _ = get("/day?x=1")
    assert status == 301 and headers["Location"] == "/day/?x=1"
    status, headers, body = get("/day/")
    assert (status, body) == (200, "day page")
    assert headers["Content-Type"].startswith("text/html") and headers["Cache-Control"] == "no-cache"


def test_pages_are_revalidated_and_unchanged_ones_answer_304(files):
    root, get, port = files
    status, headers, _ = get("/")
    assert status == 200 and headers["Cache-Control"] == "no-cache", "the browser asks again after a rebuild"

    def revalidate() -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            connection.request("GET", "/", headers={"If-None-Match": headers["ETag"]})
            response = connection.getresponse()
            return response.status, response.read().decode()
        finally:
            connection.close()

    assert revalidate() == (304, "")
    (root / "index.html").write_text("rebuilt home page")  # within the second of the first answer
    assert revalidate() == (200, "rebuilt home page")


def test_the_listen_backlog_is_not_the_stdlibs_5(files):
    assert shutil.which("ss"), "needs ss (apt-get install iproute2) to list listening sockets"
    _, _, port = files
    listing = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True).stdout
    backlog = int(listing.split()[2])  # Send-Q of a listening socket is its backlog
    assert backlog >= min(128, int(Path("/proc/sys/net/core/somaxconn").read_text()))


# --- the watcher: every failure is reported, the next good save is served ---


@pytest.fixture
def preview(site_factory, monkeypatch):
    """serve()'s pieces in this process, so that a test can break the build from inside."""
    monkeypatch.setattr(watch, "POLL_SECONDS", 0.05)
    site = site_factory([paper("first", title="First title")])
    started = serve.start(site, None, None, "127.0.0.1", 0)
    assert not isinstance(started, str), started
    threading.Thread(target=started.server.serve_forever, daemon=True).start()
    try:
        yield site, started.url
    finally:
        started.server.shutdown()
        started.close()


def retitle(site_factory, title: str) -> None:
    site_factory([paper("first", title=title)])


def wait_for_output(capsys, text: str) -> str:
    seen = ""

    def found():
        nonlocal seen
        captured = capsys.readouterr()
        seen += captured.out + captured.err
        return text in seen

    wait_for(found)
    return seen


def test_a_content_error_keeps_the_page_and_the_next_good_save_is_served(preview, site_factory, capsys):
    site, url = preview
    site_factory([paper("first", title="")])
    seen = wait_for_output(capsys, "previous output kept")
    assert "title" in seen and "Traceback" not in seen
    assert "First title" in fetch(url + "papers/first/")[1]
    retitle(site_factory, "Fixed title")
    wait_for(lambda: "Fixed title" in fetch(url + "papers/first/")[1])


def test_a_broken_template_then_its_fix(preview, site_factory, capsys):
    site, url = preview
    (site / "templates").mkdir()
    broken = site / "templates" / "paper.html"
    broken.write_text("{% extends 'base.html' %}{% block content %}{% if %}{% endblock %}")
    retitle(site_factory, "Second title")
    seen = wait_for_output(capsys, "previous output kept")
    assert "paper.html" in seen and "Traceback" not in seen
    broken.unlink()  # the fix is itself the next save
    wait_for(lambda: "Second title" in fetch(url + "papers/first/")[1])


@pytest.mark.parametrize(
    ("failure", "shown"),
    [
        (
            PermissionError(13, "Permission denied", "/site/output/papers"),
            "/site/output/papers: Permission denied",
        ),
        (RuntimeError("boom"), "a bug in sitegen (RuntimeError: boom)"),
    ],
)
def test_any_failure_of_a_rebuild_is_survived(preview, site_factory, capsys, monkeypatch, failure, shown):
    site, url = preview
    real_build = serve.build

    def failing(*args, **kwargs):
        raise failure

    monkeypatch.setattr(serve, "build", failing)
    retitle(site_factory, "Second title")
    seen = wait_for_output(capsys, "previous output kept")
    assert shown in seen
    assert ("Traceback" in seen) == isinstance(failure, RuntimeError), "a traceback only for a bug"
    assert "First title" in fetch(url + "papers/first/")[1]
    monkeypatch.setattr(serve, "build", real_build)
    retitle(site_factory, "Third title")
    wait_for(lambda: "Third title" in fetch(url + "papers/first/")[1])


def permission_bits_bind(folder: Path) -> bool:
    """False for root (or CAP_DAC_OVERRIDE), which writes through a read-only mode."""
    probe = folder / "probe"
    probe.mkdir(mode=0o555)
    try:
        (probe / "file").touch()
    except PermissionError:
        return True
    finally:
        probe.chmod(0o755)
    return False


def test_an_unwritable_output_then_writable_again(preview, site_factory, capsys, tmp_path):
    if not permission_bits_bind(tmp_path):
        pytest.skip("this user writes through any permission bits (root)")
    site, url = preview
    folders = [site / "output", *[p for p in (site / "output").rglob("*") if p.is_dir()], site]
    for folder in folders:
        folder.chmod(0o555)
    try:
        retitle(site_factory, "Second title")
        wait_for_output(capsys, "previous output kept")
    finally:
        for folder in folders:
            folder.chmod(0o755)
    retitle(site_factory, "Third title")
    wait_for(lambda: "Third title" in fetch(url + "papers/first/")[1])


def test_the_watcher_outlives_failures_of_its_own(capsys, monkeypatch):
    calls = {"take": 0, "changes": 0}

    def take():
        calls["take"] += 1
        if calls["take"] in (2, 3):
            raise OSError("folder vanished")
        return {Path("a"): (calls["take"], 0)}  # a change on every poll

    def on_change():
        calls["changes"] += 1
        raise ValueError("unexpected")

    monkeypatch.setattr(watch, "POLL_SECONDS", 0.01)
    monkeypatch.setattr(watch, "SETTLE_SECONDS", 0.01)
    watcher = watch.Watcher(take, on_change)
    watcher.start()
    try:
        wait_for(lambda: calls["changes"] >= 3)
    finally:
        watcher.stop()
    err = capsys.readouterr().err
    assert err.count("error while looking for changes") == 1, "a failing poll is reported once"
    assert "error while rebuilding: a bug in sitegen" in err and "ValueError: unexpected" in err


# --- the command line ---


def test_a_busy_port_is_one_line_with_a_free_one_to_try(site_factory):
    site = site_factory([paper("first")])
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "sitegen", "serve", "--site", str(site), "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 1
    assert done.stdout == ""
    match = re.fullmatch(rf"port {port} on 127\.0\.0\.1 is in use; try --port (\d+)\n", done.stderr)
    assert match, done.stderr
    suggested = int(match[1])
    assert suggested != port
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", suggested))
    assert not (site / "output").exists(), "nothing is built for a server that cannot start"


def test_a_save_between_the_watchers_making_and_its_start_is_a_change(tmp_path, monkeypatch):
    """The first build runs between the two: a save made during it must trigger a rebuild."""
    monkeypatch.setattr(watch, "POLL_SECONDS", 0.02)
    source = tmp_path / "paper.yaml"
    source.write_text("one")
    changes = threading.Event()
    watcher = watch.Watcher(lambda: watch.snapshot([source], [], tmp_path / "out"), changes.set)
    source.write_text("two, longer")  # saved while the first build would run
    watcher.start()
    try:
        assert changes.wait(5), "the save before start() was taken for the starting point"
    finally:
        watcher.stop()
