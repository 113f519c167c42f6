"""docs/deploy.md, "Content types of the citation files": what each host is told is the
table's types, and the table's types are what `sitegen serve` sends."""

from __future__ import annotations

import re
import subprocess

import tomllib

from sitegen.devserver import Handler
from tests.sitekit import REPO

DOC = (REPO / "docs/deploy.md").read_text(encoding="utf-8")


def _table() -> dict[str, str]:
    rows = re.findall(r"^\| `\*(\.\w+)` \| `([^`]+)` \|$", DOC, re.M)
    assert [ext for ext, _ in rows] == [".bib", ".ris"]
    return dict(rows)


def test_sitegen_serve_sends_the_tables_types():
    assert {ext: Handler.extensions_map[ext] for ext in _table()} == _table()


def test_netlify_headers_give_the_tables_types():
    block = re.search(r"add to `netlify.toml`\n\n  ```toml\n(.*?)  ```", DOC, re.S)
    assert block
    headers = tomllib.loads(block.group(1))["headers"]
    given = {h["for"].removeprefix("/*"): h["values"]["Content-Type"] for h in headers}
    assert given == _table()


def test_the_cloudflare_command_writes_a_headers_file_with_the_tables_types(tmp_path):
    command = re.search(r"`\.\.\. && (printf .*? > output/_headers)`", DOC)
    assert command
    (tmp_path / "output").mkdir()
    subprocess.run(["sh", "-c", command.group(1)], cwd=tmp_path, check=True)
    text = (tmp_path / "output/_headers").read_text()
    # Cloudflare's format: a URL pattern, then its headers indented on the lines below.
    given = dict(re.findall(r"^/\*(\.\w+)\n  Content-Type: (.+)$", text, re.M))
    assert given == _table() and text.endswith("\n")


def test_s3_and_nginx_name_the_tables_types():
    s3 = re.findall(r'--include "\*(\.\w+)"\s+--content-type "([^"]+)"', DOC)
    assert s3 == [(".bib", _table()[".bib"])]
    assert f"`*.ris` with `{_table()['.ris']}`" in DOC
    nginx = re.search(
        r"```nginx\n    types \{\n(.*?)    \}\n    charset utf-8;\n    charset_types (.*?);", DOC, re.S
    )
    assert nginx
    types = dict((f".{ext}", kind) for kind, ext in re.findall(r"(\S+) (\w+);", nginx.group(1)))
    assert {ext: f"{kind}; charset=utf-8" for ext, kind in types.items()} == _table()
    assert set(nginx.group(2).split()) == set(types.values()), "charset added to both"
