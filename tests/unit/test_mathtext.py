"""mathtext: TeX math -> readable Unicode text for summaries, meta tags and feeds."""

from __future__ import annotations

import pytest

from sitegen.markup import plain_text, render_title, render_with_summary
from sitegen.mathtext import tex_to_text


@pytest.mark.parametrize(
    ("tex", "text"),
    [
        ("p(x_t \\mid x_{<t})", "p(xₜ | x_(<t))"),  # a script without Unicode forms keeps its mark
        ("\\mathcal{O}(n^2)", "𝒪(n²)"),
        ("10^{-3}", "10⁻³"),
        ("\\alpha + \\beta_{i,j}", "α + β_(i,j)"),  # spaced evenly although TeX ate one space
        ("\\frac{a}{b}", "a/b"),
        ("\\sqrt{d_k}", "√(dₖ)"),
        ("\\text{softmax}(QK^T)", "softmax(QKᵀ)"),
        ("\\sum_{i=1}^{n} x_i", "∑ᵢ₌₁ⁿ xᵢ"),
        ("x \\in \\{0,1\\}^n", "x ∈ {0,1}ⁿ"),
        ("\\sim", "∼"),
        ("f(x) = -3", "f(x) = -3"),  # a unary minus is not spaced
        ("\\log p_\\theta(x)", "log p_θ(x)"),  # the space after \\log kept; θ has no subscript form
    ],
)
def test_tex_becomes_readable_unicode(tex: str, text: str) -> None:
    assert tex_to_text(tex) == text


@pytest.mark.parametrize("tex", ["\\frac{a}{", "x^", "\\begin{matrix}<i>", "}}{{", "_" * 7000])
def test_broken_tex_gives_text_and_never_raises(tex: str) -> None:
    assert isinstance(tex_to_text(tex), str)


def test_summaries_and_title_text_hold_no_dollar_delimited_tex() -> None:
    html, summary = render_with_summary("Cost $O(n^2)$; see $$\\sum_i x_i$$\n\nand $\\sim$5%.", 200)
    assert summary == "Cost O(n²); see ∑ᵢ xᵢ and ∼5%."
    assert html.count("<math ") == 3  # the page still shows MathML
    assert plain_text("![$x^2$ plot](https://example.org/p.png)") == "x² plot"
    assert render_title("*Fast* $\\mathcal{O}(n)$ attention")[1] == "Fast 𝒪(n) attention"


def test_title_text_is_the_title_without_markdown() -> None:
    html, text = render_title("**Bold**, `code` and [a link](https://x.example) in a title")
    assert html == "<strong>Bold</strong>, <code>code</code> and a link in a title"
    assert text == "Bold, code and a link in a title"
    assert render_title("A plain title") == ("A plain title", "A plain title")


def test_a_summary_cut_short_is_the_same_whether_or_not_later_formulas_are_converted() -> None:
    from sitegen import mathtext

    text = "Intro with $a_1$. " + " ".join(f"Sentence {i} holds $x_{{{i}}} + y^{{{i}}}$." for i in range(60))
    for limit in (10, 40, 120, 200, 1000):
        assert render_with_summary(text, limit)[1] == plain_text(text, limit)
    mathtext.tex_to_text.cache_clear()
    render_with_summary(text, 200)
    assert mathtext.tex_to_text.cache_info().currsize < 40  # formulas past the cut were not converted
