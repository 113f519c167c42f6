"""`sitegen serve`: a first build that fails, and -q, -v and --strict as `sitegen build` has them."""

from __future__ import annotations

from tests.sitekit import paper
from tests.test_serve import fetch, retitle, start_cli, stop_cli, wait_for


def test_a_first_build_that_fails_is_served_as_the_error_page_until_fixed(site_factory):
    site = site_factory([paper("first", title="")])
    process, url = start_cli(site)
    try:
        status, body = fetch(url)
        assert status == 500 and "The site does not build" in body
        assert "content/papers/papers.yaml:2" in body and '<code class="field">title</code>' in body
        retitle(site_factory, "Fixed title")
        wait_for(lambda: "Fixed title" in fetch(url + "papers/first/")[1])
        assert fetch(url)[0] == 200
    finally:
        status, out, err = stop_cli(process)
    assert status == 0
    assert process.first_line.startswith("the site does not build yet; serving at ")
    assert "title" in err and "serving an error page until it builds" in err
    assert not (site / "output").exists()


def test_quiet_prints_the_address_and_problems_only(site_factory):
    site = site_factory([paper("first", title="First title")])  # no site id: a warning
    process, url = start_cli(site, "-q")
    try:
        retitle(site_factory, "Second title")
        wait_for(lambda: "Second title" in fetch(url + "papers/first/")[1])
    finally:
        status, out, err = stop_cli(process)
    assert status == 0
    assert process.first_line + out == f"serving at {url} (Ctrl+C to stop)\nstopped\n"
    assert err == ""


def test_warnings_once_per_change_of_them_and_verbose_timings(site_factory):
    site = site_factory([paper("first", title="First title")])
    process, url = start_cli(site, "-v")
    try:
        retitle(site_factory, "Second title")
        wait_for(lambda: "Second title" in fetch(url + "papers/first/")[1])
    finally:
        status, out, err = stop_cli(process)
    assert status == 0
    assert err.count("no site id") == 1, "the same warnings are not repeated on every save"
    after_rebuild = out.split("rebuilt: ", 1)[1]
    assert "load " in after_rebuild and "render " in after_rebuild, "-v: how long each stage took"


def test_strict_shows_a_warning_as_the_error_page(site_factory):
    site = site_factory(
        [paper("first", title="First title", abstract="An abstract.")], id="tag:example.org,2026:"
    )
    process, url = start_cli(site, "--strict")
    try:
        assert fetch(url + "papers/first/")[0] == 200
        site_factory([paper("first", title="First title")], id="tag:example.org,2026:")  # abstract gone
        wait_for(lambda: fetch(url)[0] == 500)
        assert "abstract" in fetch(url)[1]
    finally:
        status, _, err = stop_cli(process)
    assert status == 0 and "abstract" in err
