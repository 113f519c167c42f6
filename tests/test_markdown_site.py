"""Whole builds with ``markdown:`` settings: the sample site's bare URLs are links, and a
site can choose Python-Markdown with its extensions."""

from __future__ import annotations

import re
import shutil
from html import unescape

import yaml

from sitegen.build import build
from tests.sitekit import REPO, paper

# The sample abstracts that end with a bare link to their code or project page.
SAMPLE_URLS = {
    "codebook-features-sparse-and-discrete-interpretability-for-neural-networks": (
        "https://github.com/taufeeque9/codebook-features"
    ),
    "transcoders-find-interpretable-llm-feature-circuits": "https://github.com/jacobdunefsky/transcoder_circuits",
    "see-through-their-minds-learning-transferable-neural-representation-from-cross": (
        "https://github.com/YulongBonjour/See_Through_Their_Minds"
    ),
    "codegen2-lessons-for-training-llms-on-programming-and-natural-languages": (
        "https://github.com/salesforce/CodeGen2"
    ),
    "decoding-at-the-speed-of-thought-harnessing-parallel-decoding-of-lexical-units": (
        "https://github.com/tjunlp-lab/Lexical-Unit-Decoding-LUD-"
    ),
    "mindbridge-a-cross-subject-brain-decoding-framework": "https://littlepure2333.github.io/MindBridge",
    "visual-decoding-and-reconstruction-via-eeg-embeddings-with-guided-diffusion": (
        "https://github.com/dongyangli-del/EEG_Image_decode"
    ),
}


def test_the_sample_abstracts_bare_urls_are_links(tmp_path):
    site = tmp_path / "site"
    shutil.copytree(REPO / "content", site / "content")
    shutil.copy(REPO / "site.yaml", site / "site.yaml")
    build(site)
    for paper_id, url in SAMPLE_URLS.items():
        page = (site / f"output/papers/{paper_id}/index.html").read_text(encoding="utf-8")
        links = re.findall(r'<a href="([^"]+)" rel="nofollow noopener">([^<]*)</a>', page)
        assert (url, url) in [(unescape(href), unescape(text)) for href, text in links], paper_id

    config = yaml.safe_load((site / "site.yaml").read_text(encoding="utf-8"))
    (site / "site.yaml").write_text(
        yaml.safe_dump({**config, "markdown": {"autolink": False}}), encoding="utf-8"
    )
    build(site)
    for paper_id, url in SAMPLE_URLS.items():
        page = (site / f"output/papers/{paper_id}/index.html").read_text(encoding="utf-8")
        assert f'<a href="{url}"' not in page and url in page


def test_a_site_can_render_with_python_markdown_and_its_extensions(site_factory):
    abstract = "We ~~drop~~ add H~2~O at $O(n^2)$ cost[^1].\n\n[^1]: Measured twice."
    site = site_factory(
        [paper("2403.09629", title="*Water* paper", abstract=abstract)],
        markdown={"engine": "python-markdown", "extensions": ["pymdownx.tilde", "footnotes"]},
    )
    build(site)
    page = (site / "output/papers/2403.09629/index.html").read_text(encoding="utf-8")
    assert "<del>drop</del> add H<sub>2</sub>O at <math " in page  # pymdownx.tilde, our math
    assert 'class="footnote"' in page
    description = unescape(re.search(r'<meta name="description" content="([^"]*)"', page).group(1))
    assert description == "We drop add H2O at O(n²) cost."
    assert "<title>Water paper · Test Papers</title>" in unescape(page)
