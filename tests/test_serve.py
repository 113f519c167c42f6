"""The preview server: loopback only by default, serves the build, rebuilds on save."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
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


def test_citation_files_are_served_with_their_content_types(files):
    root, get, _ = files
    (root / "papers.bib").write_text("@misc{k, title={T}}\n")
    (root / "cite.ris").write_text("TY  - GEN\r\nER  - \r\n")
    assert get("/papers.bib")[1]["Content-Type"] == "application/x-bibtex; charset=utf-8"
    assert get("/cite.ris")[1]["Content-Type"] == "application/x-research-info-systems; charset=utf-8"


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


@pytest.mark.parametrize(
    ("host", "status"),
    [
        ("127.0.0.1:8000", 200),
        ("localhost:8000", 200),
        ("[::1]:8000", 200),
        ("preview.localhost", 200),
        ("attacker.example:8000", 403),
        ("127.0.0.1.attacker.example", 403),
    ],
)
def test_only_names_of_this_machine_are_answered(files, host, status):
    """A page elsewhere that resolves its own name to 127.0.0.1 (DNS rebinding) cannot read the preview."""
    _, _, port = files
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", "/", headers={"Host": host})
        response = connection.getresponse()
        body = response.read().decode()
    finally:
        connection.close()
    assert response.status == status and ("home page" in body) == (status == 200)


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
    site = site_factory([paper("first", title="First title")])
    started = serve.start(site, None, None, "127.0.0.1", 0)
    assert not isinstance(started, str), started
    threading.Thread(target=started.server.serve_forever, daemon=True).start()
    try:
        yield site, started.url, started
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


def test_a_content_error_is_the_page_until_the_next_good_save(preview, site_factory, capsys):
    site, url, started = preview
    site_factory([paper("first", title="")])
    seen = wait_for_output(capsys, "previous output kept")
    assert "title" in seen and "Traceback" not in seen
    for page in ("papers/first/", "", "no/such/page/"):  # every HTML answer, a 404 too
        status, body = fetch(url + page)
        assert status == 500 and "The site does not build" in body, page
        assert "content/papers/papers.yaml:2" in body and '<code class="field">title</code>' in body
    assert fetch(url + "static/style.css")[0] == 200, "the rest of the last build is still served"
    assert "First title" in (started.out_dir / "papers/first/index.html").read_text(), "kept on disk"
    retitle(site_factory, "Fixed title")
    wait_for(lambda: "Fixed title" in fetch(url + "papers/first/")[1])
    assert fetch(url + "papers/first/")[0] == 200


def test_the_error_page_escapes_what_it_quotes(preview, site_factory, capsys):
    _, url, _ = preview
    site_factory([paper("first", day="<img src=x onerror=alert(1)>")])
    wait_for_output(capsys, "previous output kept")
    status, body = fetch(url)
    assert status == 500 and "date" in body
    assert "&lt;img src=x onerror=alert(1)&gt;" in body and "<img" not in body


def test_a_broken_template_then_its_fix(preview, site_factory, capsys):
    site, url, _ = preview
    (site / "templates").mkdir()
    broken = site / "templates" / "paper.html"
    broken.write_text("{% extends 'base.html' %}{% block content %}{% if %}{% endblock %}")
    retitle(site_factory, "Second title")
    seen = wait_for_output(capsys, "previous output kept")
    assert "paper.html" in seen and "Traceback" not in seen
    assert "templates/paper.html" in fetch(url + "papers/first/")[1]
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
    site, url, _ = preview
    real_build = serve.build

    def failing(*args, **kwargs):
        raise failure

    monkeypatch.setattr(serve, "build", failing)
    retitle(site_factory, "Second title")
    seen = wait_for_output(capsys, "previous output kept")
    assert shown in seen
    assert ("Traceback" in seen) == isinstance(failure, RuntimeError), "a traceback only for a bug"
    status, page = fetch(url + "papers/first/")
    assert status == 500 and shown.split(": ")[-1] in page and "Traceback" not in page
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
    site, url, started = preview
    out = started.out_dir
    folders = [out, *[p for p in out.rglob("*") if p.is_dir()], out.parent]
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


def test_the_watcher_outlives_failures_of_its_own(tmp_path, capsys, monkeypatch):
    source = tmp_path / "content"
    source.mkdir()
    real_watch = watch.watchfiles.watch
    subscriptions = []

    def failing_twice(*args, **kwargs):
        subscriptions.append(args)
        if len(subscriptions) <= 2:
            raise RuntimeError("the OS said no")
        return real_watch(*args, **kwargs)

    monkeypatch.setattr(watch, "RETRY_SECONDS", 0.05)
    monkeypatch.setattr(watch.watchfiles, "watch", failing_twice)
    calls = []

    def on_change():
        calls.append(1)
        raise ValueError("unexpected")

    watcher = watch.Watcher([source], on_change, tmp_path / "out")
    watcher.start()
    try:
        for _ in range(3):  # saves rebuild, although every rebuild raised
            done = len(calls)

            def saved_and_rebuilt(done=done):  # saving until seen: a retry may come after a save
                (source / "paper.yaml").write_text(f"after {done} rebuilds")
                return len(calls) > done

            wait_for(saved_and_rebuilt)
    finally:
        watcher.stop()
    err = capsys.readouterr().err
    assert len(subscriptions) > 2, "a failed subscription is made again"
    assert err.count("error while watching") <= 2, "a failing subscription is reported once, not per retry"
    assert "RuntimeError: the OS said no" in err
    assert "error while rebuilding: a bug in sitegen" in err and "ValueError: unexpected" in err


def watching(tmp_path: Path, sources: list[Path]) -> tuple[watch.Watcher, list[int]]:
    calls: list[int] = []
    watcher = watch.Watcher(sources, lambda: calls.append(1), tmp_path / "site" / ".sitegen-cache")
    watcher.start()
    return watcher, calls


def settle_then_count(calls: list[int]) -> int:
    time.sleep(3 * watch.SETTLE_SECONDS + 0.5)
    return len(calls)


def test_a_save_by_rename_a_new_folder_and_files_in_it_each_rebuild(tmp_path):
    site = tmp_path / "site"
    content = site / "content"
    content.mkdir(parents=True)
    (site / "site.yaml").write_text("title: one\n")
    watcher, calls = watching(tmp_path, [site / "site.yaml", content, site / "templates"])
    try:
        # An editor saving site.yaml as a new file renamed over the old one.
        (site / "site.yaml.tmp").write_text("title: two\n")
        os.replace(site / "site.yaml.tmp", site / "site.yaml")
        wait_for(lambda: calls)
        done = settle_then_count(calls)
        (site / "templates").mkdir()  # a source folder that did not exist when the watch began
        wait_for(lambda: len(calls) > done)
        done = settle_then_count(calls)
        (site / "templates" / "paper.html").write_text("mine")  # ... is watched once it does
        wait_for(lambda: len(calls) > done)
        done = settle_then_count(calls)
        (content / "2025").mkdir()
        (content / "2025" / "day.yaml").write_text("papers: []")  # and deep below a watched one
        wait_for(lambda: len(calls) > done)
    finally:
        watcher.stop()


def test_what_the_build_does_not_read_never_rebuilds(tmp_path):
    site = tmp_path / "site"
    content = site / "content"
    content.mkdir(parents=True)
    (site / "site.yaml").write_text("title: one\n")
    watcher, calls = watching(tmp_path, [site / "site.yaml", content])
    try:
        for folder in ("output/papers", ".sitegen-cache/serve-x/site", "notes"):
            (site / folder).mkdir(parents=True)
            (site / folder / "index.html").write_text("written by a build, or not a source")
        (site / "README.md").write_text("not a source")
        (content / ".paper.yaml.swp").write_text("an editor's swap file")
        (content / "paper.yaml~").write_text("an editor's backup")
        assert settle_then_count(calls) == 0
        (content / "paper.yaml").write_text("a source")
        wait_for(lambda: calls)
    finally:
        watcher.stop()


def test_out_of_inotify_watches_it_polls_instead(tmp_path, capsys, monkeypatch):
    source = tmp_path / "content"
    source.mkdir()
    real_watch = watch.watchfiles.watch
    polling = []

    def limited(*args, force_polling=None, **kwargs):
        polling.append(force_polling)
        if not force_polling:
            raise OSError("OS file watch limit reached.")
        return real_watch(*args, force_polling=True, poll_delay_ms=50, **kwargs)

    monkeypatch.setattr(watch.watchfiles, "watch", limited)
    watcher, calls = watching(tmp_path, [source])
    try:
        (source / "paper.yaml").write_text("a source")
        wait_for(lambda: calls)
    finally:
        watcher.stop()
    assert True in polling
    assert "OS file watch limit reached.; watching by polling instead" in capsys.readouterr().err


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
    assert done.returncode == 2
    assert done.stdout == ""
    match = re.fullmatch(rf"port {port} on 127\.0\.0\.1 is in use; try --port (\d+)\n", done.stderr)
    assert match, done.stderr
    suggested = int(match[1])
    assert suggested != port
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", suggested))
    assert not (site / "output").exists(), "nothing is built for a server that cannot start"
    assert not list(site.glob(".sitegen-cache/serve-*")), "nor a folder left for it"


def test_a_save_between_the_watchers_making_and_its_start_is_a_change(tmp_path):
    """The first build runs between the two: a save made during it must trigger a rebuild."""
    source = tmp_path / "content"
    source.mkdir()
    changes = threading.Event()
    watcher = watch.Watcher([source], changes.set, tmp_path / "out")
    (source / "paper.yaml").write_text("saved while the first build would run")
    watcher.start()
    try:
        assert changes.wait(5), "the save before start() was lost"
    finally:
        watcher.stop()


# --- output/ is never touched; the site is served at its base path; the tab reloads itself ---


def state_of(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file below ``folder``: its bytes and mtime (ns)."""
    files = [p for p in folder.rglob("*") if p.is_file()]
    return {p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns) for p in files}


def start_cli(site: Path, *options: str) -> tuple[subprocess.Popen, str]:
    """`sitegen serve --port 0` in a subprocess, and the URL it prints."""
    process = subprocess.Popen(
        [sys.executable, "-m", "sitegen", "serve", "--site", str(site), "--port", "0", *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = process.stdout.readline()
    match = re.search(r"serving at (http://127\.0\.0\.1:(\d+)/\S*) \(Ctrl\+C to stop\)", line)
    if not match:
        process.kill()
        raise AssertionError(f"no URL in {line!r}: {process.communicate()}")
    assert int(match[2]) != 0, "--port 0 prints the port it got"
    process.first_line = line  # type: ignore[attr-defined]
    return process, match[1]


def stop_cli(process: subprocess.Popen) -> tuple[int, str, str]:
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=20)
    return process.returncode, out, err


def test_a_session_with_rebuilds_leaves_output_untouched(site_factory):
    site = site_factory([paper("first", title="First title")])
    built = subprocess.run([sys.executable, "-m", "sitegen", "build", "--site", str(site), "-q"], timeout=120)
    assert built.returncode == 0
    (site / "output" / "mine.txt").write_text("a file of my own")
    before = state_of(site / "output")
    cache_before = sorted(p.name for p in (site / ".sitegen-cache").iterdir())

    process, url = start_cli(site)
    try:
        assert "First title" in fetch(url + "papers/first/")[1]
        retitle(site_factory, "Second title")
        wait_for(lambda: "Second title" in fetch(url + "papers/first/")[1])
        site_factory([paper("first", title="")])
        wait_for(lambda: fetch(url)[0] == 500)
        retitle(site_factory, "Third title")
        wait_for(lambda: "Third title" in fetch(url + "papers/first/")[1])
    finally:
        status, out, err = stop_cli(process)
    assert status == 0 and "Traceback" not in out + err, err
    assert state_of(site / "output") == before, "output/ is byte for byte and mtime for mtime the same"
    assert "127.0.0.1" not in (site / "output" / "index.html").read_text()
    assert sorted(p.name for p in (site / ".sitegen-cache").iterdir()) == cache_before, "nothing left over"


def test_the_site_is_served_at_the_path_of_its_base_url(site_factory):
    site = site_factory([paper("first", title="First title")], base_url="https://x.org/papers/")
    process, url = start_cli(site)
    try:
        assert url.endswith("/papers/")
        root = url[: -len("papers/")]
        connection = http.client.HTTPConnection(*urllib.parse.urlsplit(root).netloc.split(":"), timeout=5)
        for path in ("/", "/papers", "/?x=1"):
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            assert response.status == 302 and response.headers["Location"] in ("/papers/", "/papers/?x=1")
        connection.close()
        status, home = fetch(url)
        assert status == 200 and 'href="/papers/papers/first/"' in home, "links as deployed"
        assert f'"{url}"' in home, "absolute links (canonical, feeds) name this server"
        assert fetch(url + "papers/first/")[0] == 200
        status, page = fetch(root + "papers-not/")
        assert status == 404 and "Page not found" in page
        assert fetch(root + "first/")[0] == 404, "nothing outside the base path"
    finally:
        status, _, err = stop_cli(process)
    assert status == 0 and "Traceback" not in err


def test_ctrl_c_during_the_first_build_stops_without_a_traceback(site_factory):
    site = site_factory([paper(f"p{i}") for i in range(300)])
    process = subprocess.Popen(
        [sys.executable, "-m", "sitegen", "serve", "--site", str(site), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # Its session folder is made just before the first build (not a fixed sleep: on a busy
    # machine Python may still be importing, and Ctrl+C there is Python's, not sitegen's).
    deadline = time.monotonic() + 60
    while not list(site.glob(".sitegen-cache/serve-*")) and time.monotonic() < deadline:
        time.sleep(0.01)
    status, out, err = stop_cli(process)
    assert status in (0, 130) and "Traceback" not in err, err
    assert not list(site.glob(".sitegen-cache/serve-*"))


def test_sigterm_stops_like_ctrl_c_and_removes_the_session_folder(site_factory):
    site = site_factory([paper("first")])
    process, url = start_cli(site)
    assert fetch(url)[0] == 200
    assert len(list(site.glob(".sitegen-cache/serve-*/site/index.html"))) == 1
    process.terminate()
    out, err = process.communicate(timeout=20)
    assert process.returncode == 0 and "Traceback" not in err, err
    assert not list(site.glob(".sitegen-cache/serve-*"))
    assert not (site / "output").exists()


def test_the_folder_of_a_killed_session_is_removed_by_the_next_one_not_that_of_a_live_one(site_factory):
    import fcntl

    site = site_factory([paper("first")])
    cache = site / ".sitegen-cache"
    cache.mkdir()
    dead, live = cache / "serve-dead", cache / "serve-live"
    for folder in (dead, live):
        (folder / "site").mkdir(parents=True)
        (folder / "site" / "index.html").write_text("old")
        (folder / "session.lock").touch()
        os.utime(folder, (time.time() - 3600, time.time() - 3600))
    holder = os.open(live / "session.lock", os.O_RDWR)
    fcntl.flock(holder, fcntl.LOCK_EX)  # as a running session holds its own
    try:
        started = serve.start(site, None, None, "127.0.0.1", 0)
        assert not isinstance(started, str), started
        started.close()
    finally:
        os.close(holder)
    assert not dead.exists() and (live / "site" / "index.html").read_text() == "old"
    assert [p.name for p in cache.glob("serve-*")] == ["serve-live"], "and this session's own is gone"


def test_output_dir_builds_there_and_keeps_it(site_factory, tmp_path):
    site = site_factory([paper("first", title="First title")])
    kept = tmp_path / "preview"
    started = serve.start(site, kept, None, "127.0.0.1", 0)
    assert not isinstance(started, str), started
    started.close()
    home = (kept / "index.html").read_text()
    assert started.url in home and "__sitegen" not in home, "built for the preview, as `sitegen build` writes"
    assert not (site / "output").exists() and not list(site.glob(".sitegen-cache/serve-*"))


def events(port: int) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", "/__sitegen/events")
    response = connection.getresponse()
    assert response.status == 200 and response.headers["Content-Type"] == "text/event-stream"
    return connection, response


def next_data(response: http.client.HTTPResponse) -> str:
    while True:
        line = response.readline().decode()
        assert line, "the stream ended"
        if line.startswith("data: "):
            return line[len("data: ") :].strip()


def test_the_reload_script_is_in_served_pages_only_and_events_follow_rebuilds(preview, site_factory):
    site, url, started = preview
    port = started.server.server_address[1]
    status, home = fetch(url)
    served = re.search(
        r'<script src="/__sitegen/reload\.js" [^>]*data-generation="([^"]+)"></script></body>', home
    )
    assert status == 200 and served, "before </body>"
    assert all(b"__sitegen" not in p.read_bytes() for p in started.out_dir.rglob("*") if p.is_file())
    assert "__sitegen" not in fetch(url + "static/style.css")[1]
    status, script = fetch(url.rstrip("/") + "/__sitegen/reload.js")
    assert status == 200 and "EventSource" in script

    connection, stream = events(port)
    try:
        assert next_data(stream) == served[1], "a tab that is up to date stays"
        retitle(site_factory, "Second title")
        changed = next_data(stream)
        assert changed != served[1]
        assert f'data-generation="{changed}"' in fetch(url + "papers/first/")[1]
    finally:
        connection.close()


def test_a_cached_page_is_not_revalidated_across_a_rebuild(preview, site_factory):
    """Its ETag holds the generation: a 304 would show a page whose script reloads forever."""
    site, url, started = preview
    port = started.server.server_address[1]
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    connection.request("GET", "/")
    response = connection.getresponse()
    response.read()
    etag = response.headers["ETag"]
    connection.request("GET", "/", headers={"If-None-Match": etag})
    response = connection.getresponse()
    response.read()
    assert response.status == 304
    retitle(site_factory, "Second title")  # the home page lists it: changes
    (site / "static").mkdir()
    (site / "static" / "extra.txt").write_text("x")
    wait_for(lambda: "Second title" in fetch(url)[1])
    connection.request("GET", "/", headers={"If-None-Match": etag})
    response = connection.getresponse()
    response.read()
    assert response.status == 200
    connection.close()
