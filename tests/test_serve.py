"""The preview server: loopback only by default, serves the build, rebuilds on save."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

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
