"""Load on the preview server: N requests at once, latency percentiles and errors.

    .venv/bin/python bench/serve_load.py [--concurrency 200] [--rounds 5]
    .venv/bin/python bench/serve_load.py --serve-module /tmp/old/serve.py   # an older serve.py

Copies the repository's own site (site.yaml, content, themes, templates,
static) into a temporary folder, builds it there with `sitegen build`, starts
`serve()` in a child process on 127.0.0.1 and a free port, and fires
``--concurrency`` requests at the same moment (asyncio, one connection each,
HTTP/1.1 with ``Connection: close``), ``--rounds`` times after one warm-up
round. The mix cycles through every file of the output (pages, feeds,
sitemap, CSS) and 1 in 20 requests asks for a missing page (404 expected).

An error is a timeout, a refused or reset connection, an unexpected status or
a body shorter than its Content-Length. Nothing leaves the machine: the only
address used is 127.0.0.1. This is a benchmark, not a test: it prints numbers
and exits 1 only if the server never came up.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITE_PARTS = ("site.yaml", "content", "themes", "templates", "static")
HOST = "127.0.0.1"

# Runs in the child: serve() from sitegen, or from a file loaded as a module of the
# sitegen package, so that an old copy's relative imports resolve against this checkout.
SERVER_CODE = """
import importlib.util, sys
from pathlib import Path
site, out, port, module_file = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
if module_file:
    import sitegen
    spec = importlib.util.spec_from_file_location("sitegen._bench_serve", module_file)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
else:
    import sitegen.serve as module
sys.exit(module.serve(Path(site), Path(out), None, "127.0.0.1", port))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def copy_site(target: Path) -> None:
    target.mkdir(parents=True)
    for name in SITE_PARTS:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name)
        elif source.is_file():
            shutil.copy2(source, target / name)


def url_paths(out_dir: Path) -> list[str]:
    paths = []
    for path in sorted(out_dir.rglob("*")):
        relative = path.relative_to(out_dir).as_posix()
        if not path.is_file() or relative.startswith("."):
            continue
        if path.name == "index.html":
            relative = relative[: -len("index.html")]
        paths.append("/" + urllib.parse.quote(relative))
    return paths


async def fetch(port: int, path: str, timeout: float) -> tuple[float, int | None, str]:
    """(seconds, status, problem) for one request on its own connection."""
    started = time.perf_counter()
    try:
        response = await asyncio.wait_for(exchange(port, path), timeout)
    except asyncio.TimeoutError:  # not yet the builtin TimeoutError on Python 3.10
        return time.perf_counter() - started, None, "timeout"
    except OSError as error:
        return time.perf_counter() - started, None, type(error).__name__
    seconds = time.perf_counter() - started
    head, _, body = response.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    try:
        status = int(lines[0].split()[1])
    except (IndexError, ValueError):
        return seconds, None, "no status line"
    length = next((int(x.split(":")[1]) for x in lines[1:] if x.lower().startswith("content-length:")), None)
    if length is not None and len(body) < length:
        return seconds, status, "short body"
    return seconds, status, ""


async def exchange(port: int, path: str) -> bytes:
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nConnection: close\r\n\r\n".encode())
        await writer.drain()
        return await reader.read()
    finally:
        writer.close()


async def one_round(port: int, paths: list[str], timeout: float) -> list[tuple[float, int | None, str]]:
    return await asyncio.gather(*(fetch(port, path, timeout) for path in paths))


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def summarise(label: str, results: list[tuple[float, int | None, str]], expected: list[int]) -> int:
    seconds = [r[0] for r in results]
    problems: Counter[str] = Counter()
    for (_, status, problem), want in zip(results, expected, strict=True):
        if problem:
            problems[problem] += 1
        elif status != want:
            problems[f"status {status}"] += 1
    errors = sum(problems.values())
    detail = f" ({', '.join(f'{k}: {v}' for k, v in problems.most_common())})" if errors else ""
    print(
        f"{label:>8}  n={len(results)}  p50 {percentile(seconds, 0.5):.3f} s  "
        f"p95 {percentile(seconds, 0.95):.3f} s  p99 {percentile(seconds, 0.99):.3f} s  "
        f"max {max(seconds):.3f} s  mean {statistics.fmean(seconds):.3f} s  errors {errors}{detail}",
        flush=True,
    )
    return errors


def wait_until_up(port: int, process: subprocess.Popen, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        _, status, _ = asyncio.run(fetch(port, "/", 2.0))
        if status == 200:
            return True
        time.sleep(0.2)
    return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--concurrency", type=int, default=200, help="requests fired at once (default 200)")
    parser.add_argument("--rounds", type=int, default=5, help="measured rounds after a warm-up (default 5)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request (default 30)")
    parser.add_argument("--serve-module", default="", help="a serve.py file to run instead of sitegen.serve")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="sitegen-serve-load-") as tmp:
        site, out = Path(tmp) / "site", Path(tmp) / "out"
        copy_site(site)
        sitegen = [sys.executable, "-m", "sitegen"]
        subprocess.run(
            [*sitegen, "build", "--site", str(site), "--output", str(out), "-q"], check=True, cwd=ROOT
        )
        pages = url_paths(out)
        port = free_port()
        module = str(Path(args.serve_module).resolve()) if args.serve_module else ""
        log = open(Path(tmp) / "server.err", "w+")  # noqa: SIM115 - closed with the folder
        server = subprocess.Popen(
            [sys.executable, "-c", SERVER_CODE, str(site), str(out), str(port), module],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=log,
            start_new_session=True,  # so the whole server group can be stopped by its id
        )
        try:
            if not wait_until_up(port, server, 120.0):
                print("the server did not answer within 120 s", file=sys.stderr)
                return 1
            print(
                f"{len(pages)} files in the output; {args.concurrency} requests at once, "
                f"{os.cpu_count()} cores, server: {args.serve_module or 'sitegen.serve'}",
                flush=True,
            )
            rng = random.Random(args.seed)
            errors = 0
            all_results: list[tuple[float, int | None, str]] = []
            all_expected: list[int] = []
            for number in range(args.rounds + 1):
                rng.shuffle(pages)
                paths = [
                    f"/missing-{number}-{i}/" if i % 20 == 19 else pages[i % len(pages)]
                    for i in range(args.concurrency)
                ]
                expected = [404 if p.startswith("/missing-") else 200 for p in paths]
                results = asyncio.run(one_round(port, paths, args.timeout))
                errors += summarise("warm-up" if number == 0 else f"round {number}", results, expected)
                if number:
                    all_results += results
                    all_expected += expected
                time.sleep(0.5)
            summarise("all", all_results, all_expected)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=10)
            log.seek(0)
            lines = log.read().splitlines()
            log.close()
            if lines:
                print(f"the server wrote {len(lines)} lines to stderr; the last: {lines[-1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
