"""build(): the pipeline, chained. Each stage takes values and returns values."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

from .config import Config, load_config
from .loading import load_papers
from .render import Renderer, check_unique, plan, plan_static
from .site import build_site
from .theme import resolve_theme
from .writer import Report, Writer, check_output_dir

CACHE_DIR = ".sitegen-cache"


@dataclass(frozen=True)
class BuildResult:
    config: Config
    papers: int
    outputs: int
    report: Report | None  # None for a check, which writes nothing
    seconds: float


def output_dir_of(config: Config, output: Path | None) -> Path:
    return output if output is not None else config.site_dir / config.output_dir


def _manifest_path(config: Config, out_dir: Path) -> Path:
    # One manifest per output folder, so --output elsewhere never prunes by another's record.
    key = hashlib.sha256(str(out_dir.resolve()).encode()).hexdigest()[:12]
    return config.site_dir / CACHE_DIR / f"manifest-{key}.json"


def build(
    site_dir: Path,
    output: Path | None = None,
    base_url: str | None = None,
    *,
    write: bool = True,
) -> BuildResult:
    """Load, validate, render and (unless ``write`` is false) write a site."""
    started = time.perf_counter()
    config = load_config(site_dir, base_url)
    papers = load_papers(config)
    site = build_site(papers, config)
    theme = resolve_theme(config)
    outputs = plan(site)
    static = plan_static(theme)
    check_unique(outputs, static)
    renderer = Renderer(site, theme)

    if not write:
        for item in outputs:
            renderer.render(item)
        return BuildResult(config, len(papers), len(outputs) + len(static), None, time.perf_counter() - started)

    out_dir = output_dir_of(config, output)
    check_output_dir(out_dir, config.site_dir, config.site_dir / config.content_dir)
    writer = Writer(out_dir, _manifest_path(config, out_dir))
    try:
        for item in outputs:
            key = renderer.key(item)
            if not writer.reuse(item.path, key):
                writer.add(item.path, renderer.render(item), key)
        for path, source in static:
            writer.add(path, source.read_bytes())
    except BaseException:
        writer.abort()
        raise
    report = writer.commit()
    return BuildResult(config, len(papers), len(outputs) + len(static), report, time.perf_counter() - started)
