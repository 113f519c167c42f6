"""config.py: site.yaml -> Config, with every problem collected and located."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sitegen.config import Config, load_config
from sitegen.errors import ConfigError


def site(tmp_path: Path, text: str) -> Path:
    (tmp_path / "site.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def problems(site_dir: Path, base_url: str | None = None) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(site_dir, base_url)
    return [str(p) for p in caught.value.problems]


MINIMAL = "title: Papers\nbase_url: https://example.org/feed\n"


def test_minimal_config_and_defaults(tmp_path: Path) -> None:
    config = load_config(site(tmp_path, MINIMAL))
    assert isinstance(config, Config)
    assert config.title == "Papers"
    assert config.base_url == "https://example.org/feed/"  # a trailing slash is added
    assert config.base_path == "/feed/"
    assert config.timezone == ZoneInfo("UTC")
    assert config.per_page == 25
    assert config.content_dir == Path("content")
    assert config.feeds.formats == ("atom", "rss", "json")
    assert config.site_dir == tmp_path


def test_full_config(tmp_path: Path) -> None:
    text = MINIMAL + (
        "description: New papers\nlanguage: de\ntimezone: Europe/Berlin\nper_page: 10\n"
        "author: Curator\ncontent_dir: entries\nfeeds:\n  entries: 20\n  formats: [atom, atom, json]\n"
        "  tag_feeds: false\n"
    )
    config = load_config(site(tmp_path, text))
    assert config.timezone == ZoneInfo("Europe/Berlin")
    assert config.per_page == 10
    assert config.content_dir == Path("entries")
    assert (config.feeds.entries, config.feeds.formats, config.feeds.tag_feeds) == (
        20,
        ("atom", "json"),
        False,
    )


def test_base_url_override(tmp_path: Path) -> None:
    config = load_config(site(tmp_path, MINIMAL), "http://localhost:8000")
    assert config.base_url == "http://localhost:8000/"
    assert config.base_path == "/"
    assert problems(tmp_path, "localhost") == ["--base-url: must be an absolute http(s) URL, got 'localhost'"]


def test_no_site_yaml(tmp_path: Path) -> None:
    [message] = problems(tmp_path)
    assert message.startswith("site.yaml: no site.yaml in ")


def test_unknown_key_suggests(tmp_path: Path) -> None:
    assert problems(site(tmp_path, MINIMAL + "per_pgae: 10\n")) == [
        "site.yaml:3: per_pgae: unknown setting (did you mean 'per_page'?)"
    ]


def test_unknown_nested_key_suggests(tmp_path: Path) -> None:
    assert problems(site(tmp_path, MINIMAL + "feeds:\n  entires: 10\n")) == [
        "site.yaml:4: feeds.entires: unknown setting (did you mean 'entries'?)"
    ]


def test_bad_base_url(tmp_path: Path) -> None:
    assert problems(site(tmp_path, "title: T\nbase_url: ftp://example.org/\n")) == [
        "site.yaml:2: base_url: must be an absolute http(s) URL, got 'ftp://example.org/'"
    ]
    assert problems(site(tmp_path, "title: T\nbase_url: https://example.org/?x=1\n")) == [
        "site.yaml:2: base_url: must not have a query or fragment"
    ]


def test_missing_title(tmp_path: Path) -> None:
    assert problems(site(tmp_path, "base_url: https://example.org/\n")) == [
        "site.yaml:1: title: required setting is missing"
    ]


def test_empty_site_yaml_lists_both_required_settings(tmp_path: Path) -> None:
    assert problems(site(tmp_path, "")) == [
        "site.yaml:1: base_url: required setting is missing",
        "site.yaml:1: title: required setting is missing",
    ]


def test_all_problems_at_once(tmp_path: Path) -> None:
    text = "title: ''\nbase_url: https://example.org/\nper_page: 0\ntimezone: Mars/Olympus\ntheem: dark\n"
    assert problems(site(tmp_path, text)) == [
        "site.yaml:1: title: must not be empty",
        "site.yaml:3: per_page: expected a whole number of at least 1, got 0",
        "site.yaml:4: timezone: unknown time zone 'Mars/Olympus' (use an IANA name such as 'Europe/Paris')",
        "site.yaml:5: theem: unknown setting (did you mean 'theme'?)",
    ]


@pytest.mark.parametrize("zone", ["Europe", "../etc", "/etc/passwd", "Europe/"])
def test_bad_timezones_are_problems(tmp_path: Path, zone: str) -> None:
    # 'Europe' is a folder of the tz database: ZoneInfo raises IsADirectoryError for it.
    [message] = problems(site(tmp_path, MINIMAL + f"timezone: '{zone}'\n"))
    assert message.startswith("site.yaml:3: timezone: unknown time zone")


def test_bool_is_not_a_number(tmp_path: Path) -> None:
    assert problems(site(tmp_path, MINIMAL + "per_page: true\n")) == [
        "site.yaml:3: per_page: expected a whole number of at least 1, got True"
    ]


def test_content_dir_must_stay_inside(tmp_path: Path) -> None:
    assert problems(site(tmp_path, MINIMAL + "content_dir: ../elsewhere\n")) == [
        "site.yaml:3: content_dir: must be a folder inside the site folder, got '../elsewhere'"
    ]


def test_feeds_must_be_a_mapping(tmp_path: Path) -> None:
    assert problems(site(tmp_path, MINIMAL + "feeds: [atom]\n")) == ["site.yaml:3: feeds: expected a mapping"]


def test_unknown_feed_format(tmp_path: Path) -> None:
    assert problems(site(tmp_path, MINIMAL + "feeds:\n  formats: [atom, rdf]\n")) == [
        "site.yaml:4: feeds.formats: unknown feed format 'rdf'; choose from atom, rss, json"
    ]


def test_not_a_mapping(tmp_path: Path) -> None:
    assert problems(site(tmp_path, "- title\n")) == ["site.yaml:1: expected a mapping of settings"]


def test_malformed_yaml(tmp_path: Path) -> None:
    [message] = problems(site(tmp_path, "title: [T\n"))
    assert message.startswith("site.yaml:2: invalid YAML: ")


def test_duplicate_key(tmp_path: Path) -> None:
    assert problems(site(tmp_path, MINIMAL + "title: Again\n")) == [
        "site.yaml:3: title: duplicate key (first given on line 1)"
    ]


def _readme_site_yaml() -> str:
    import re

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    block = re.search(r"### site.yaml\n\n```yaml\n(.*?)```", readme, re.S)
    assert block, "README.md has a site.yaml example"
    return block.group(1)


def test_the_readme_site_yaml_example_loads_with_its_sources(tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_text(_readme_site_yaml(), encoding="utf-8")
    config = load_config(tmp_path)
    assert [(s.name, dict(s.options)) for s in config.sources] == [
        ("hf-daily", {}),
        ("arxiv", {"query": "cat:cs.LG AND abs:diffusion", "max": 50}),
    ]
    assert config.imports.category_tags == {"cs.LG": "machine learning"}
    assert config.imports.unmapped_categories == "keep"
    from sitegen.limits import DEFAULT_LIMITS

    assert config.limits == DEFAULT_LIMITS  # the README shows the defaults


def test_sources_and_import_settings_are_typed(tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_text(
        "title: T\nbase_url: https://e.org/\n"
        "sources:\n"
        "  - arxiv: {id_list: '2403.09629, hep-th/9901001'}\n"
        "  - bibtex: {file: refs/library.bib}\n"
        "  - hf-daily: {keyword_tags: 3}\n"
        "import:\n"
        "  unmapped_categories: drop\n"
        '  exclude: ["2401.00001", "hep-th/9901001", "My-Paper"]\n',
        encoding="utf-8",
    )
    config = load_config(tmp_path)
    assert config.sources[0].option("id_list") == ("2403.09629", "hep-th/9901001")
    assert config.sources[1].option("file") == "refs/library.bib"
    assert config.sources[2].option("keyword_tags") == 3
    assert config.imports.unmapped_categories == "drop"
    assert config.imports.exclude == {"2401.00001", "hep-th-9901001", "my-paper"}
    hash(config)  # stays hashable and picklable for the render workers
    import pickle

    assert pickle.loads(pickle.dumps(config)) == config


def test_a_bibtex_file_outside_the_site_is_refused(tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_text(
        "title: T\nbase_url: https://e.org/\nsources:\n  - bibtex: {file: ../../etc/passwd.bib}\n"
    )
    with pytest.raises(ConfigError, match=r"sources\[0\].bibtex.file: must be a file inside the site folder"):
        load_config(tmp_path)


def test_limits_default_and_can_be_set(tmp_path: Path) -> None:
    from sitegen.limits import DEFAULT_LIMITS, Limits

    assert load_config(site(tmp_path, MINIMAL)).limits == DEFAULT_LIMITS
    assert DEFAULT_LIMITS == Limits(10_000_000, 100, 1000, 100_000, 1000, 200, 100, 100_000)
    config = load_config(site(tmp_path, MINIMAL + "limits:\n  tags: 5\n  file_size: 1000\n"))
    assert (config.limits.tags, config.limits.file_size, config.limits.authors) == (5, 1000, 1000)


def test_limits_must_be_a_mapping(tmp_path: Path) -> None:
    assert problems(site(tmp_path, MINIMAL + "limits: 5\n")) == [
        "site.yaml:3: limits: expected a mapping of limit: whole number"
    ]


def test_control_characters_in_settings_are_refused(tmp_path: Path) -> None:
    text = 'title: "Papers\\x1b[31m"\nbase_url: https://example.org/\ndescription: "a\\ufffeb"\n'
    assert problems(site(tmp_path, text)) == [
        "site.yaml:1: title: contains a control character (U+001B, character 7); remove it",
        "site.yaml:3: description: contains a noncharacter (U+FFFE, character 2); remove it",
    ]


def test_a_huge_site_yaml_is_refused_unread(tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_bytes(MINIMAL.encode() + b"#" * 10_000_001)
    [message] = problems(tmp_path)
    assert message.startswith("site.yaml: file is 10,000,050 bytes, more than limits.file_size")


def test_site_yaml_linked_inside_the_site_is_read(tmp_path: Path) -> None:
    (tmp_path / "settings").mkdir()
    (tmp_path / "settings/site.yaml").write_text(MINIMAL)
    (tmp_path / "site.yaml").symlink_to("settings/site.yaml")
    assert load_config(tmp_path).title == "Papers"


def test_the_documented_limits_are_the_defaults(tmp_path: Path) -> None:
    import re

    from sitegen.limits import DEFAULT_LIMITS

    docs = (Path(__file__).parents[2] / "docs" / "content.md").read_text(encoding="utf-8")
    [block] = re.findall(r"```yaml\n(limits:\n.*?)```", docs, re.S)
    assert load_config(site(tmp_path, MINIMAL + block)).limits == DEFAULT_LIMITS
    assert block.count(":") == 1 + len(DEFAULT_LIMITS.__dataclass_fields__)


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("tag:someone.github.io,2026:", "tag:someone.github.io,2026:"),
        ("tag:someone.github.io,2026-03-14:papers", "tag:someone.github.io,2026-03-14:papers/"),
        ("tag:me@mail.example,2026:", "tag:me@mail.example,2026:"),
        ("https://me.example/papers", "https://me.example/papers/"),
    ],
)
def test_a_site_id_is_kept_with_a_separator_at_its_end(tmp_path: Path, given: str, kept: str) -> None:
    assert load_config(site(tmp_path, MINIMAL + f"id: '{given}'\n")).id == kept


def test_no_site_id_is_none(tmp_path: Path) -> None:
    assert load_config(site(tmp_path, MINIMAL)).id is None


def test_a_wrong_site_id_is_located(tmp_path: Path) -> None:
    assert problems(site(tmp_path, MINIMAL + "id: feed-of-mine\n")) == [
        "site.yaml:3: id: expected a tag URI such as 'tag:example.org,2026:' (a domain you own, the year "
        "you started), or an http(s) URL you own; got 'feed-of-mine'"
    ]


def test_a_broken_site_yaml_still_says_how_to_check_the_content(tmp_path: Path) -> None:
    """ConfigError.fallback: the right settings kept, the defaults for the wrong ones."""
    text = "title: T\nbase_url: nope\ntimezone: Europe/Paris\ncontent_dir: posts\nper_page: 0\n"
    with pytest.raises(ConfigError) as caught:
        load_config(site(tmp_path, text))
    fallback = caught.value.fallback
    assert isinstance(fallback, Config)
    assert fallback.timezone == ZoneInfo("Europe/Paris") and fallback.content_dir == Path("posts")
    assert fallback.base_url == "https://example.org/" and fallback.site_dir == tmp_path


def test_unreadable_yaml_falls_back_to_every_default(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(site(tmp_path, "title: [unclosed\n"))
    assert isinstance(caught.value.fallback, Config)
    assert caught.value.fallback.content_dir == Path("content")


def test_no_site_yaml_has_no_fallback(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    assert caught.value.fallback is None
