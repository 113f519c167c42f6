"""TeX math -> readable Unicode text, for summaries, meta descriptions, feeds and <title>.

pylatexenc's LatexNodes2Text (a maintained LaTeX parser, already installed for
bibtexparser) turns macros into their characters (``\\alpha`` -> α, ``\\mid`` -> |,
``\\mathbb{R}`` -> ℝ, ``\\frac{a}{b}`` -> a/b). It leaves ``_`` and ``^`` as they
are and drops the braces of their groups (``x_{<t}`` -> ``x_<t``), so they are
done first here: a script whose text has Unicode sub- or superscript letters
becomes them (``x_t`` -> xₜ, ``n^2`` -> n², ``10^{-3}`` -> 10⁻³); any other keeps
its mark and, when longer than one character, parentheses (``x_{<t}`` -> x_(<t)).
Deterministic: the same TeX always gives the same text.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pylatexenc.latex2text import LatexNodes2Text
from pylatexenc.latexwalker import get_default_latex_context_db

_TO_TEXT = LatexNodes2Text(math_mode="text", strict_latex_spaces=False)
_MACROS = get_default_latex_context_db()

_SUBSCRIPTS = dict(zip("0123456789+-=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ", strict=True))
_SUPERSCRIPTS = dict(
    zip(
        "0123456789+-=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVW",
        "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂ",
        strict=True,
    )
)
_SCRIPTS = {"_": _SUBSCRIPTS, "^": _SUPERSCRIPTS}
_CONTROL_WORD = re.compile(r"\\[A-Za-z]+")
# An operator with a space on one side only (TeX drops the space after a control
# word: "\alpha + b" comes out "α+ b"): given one on both sides. Not for minus signs,
# which are often unary.
_OPERATORS = "=+<>|∣≤≥≠≈∼∈∉⊂⊆→←↦×·⋅±∝≪≫"
_LOPSIDED = re.compile(rf"(?<=\S)([{_OPERATORS}]) (?=\S)|(?<=\S) ([{_OPERATORS}])(?=[^\s_^])")
_SPACES = re.compile(r"\s+")
# Unicode's private use area: no TeX means anything by these characters.
_FIRST_PLACEHOLDER, _PLACEHOLDERS = 0xE000, 6400
_PLACEHOLDER = re.compile(f"[{chr(_FIRST_PLACEHOLDER)}-{chr(_FIRST_PLACEHOLDER + _PLACEHOLDERS - 1)}]")


@lru_cache(maxsize=16384)
def tex_to_text(tex: str) -> str:
    """``p(x_t \\mid x_{<t})`` -> ``p(xₜ | x_(<t))``; TeX it cannot read comes back as written."""
    scripts: list[str] = []
    try:
        text = _TO_TEXT.latex_to_text(_scripts_as_text(tex, scripts))
    except Exception:  # any TeX the parser cannot handle must not stop the build
        return " ".join(tex.split())
    if scripts:  # each script stood in the TeX as one private-use character
        text = _PLACEHOLDER.sub(lambda m: scripts[ord(m.group(0)) - _FIRST_PLACEHOLDER], text)
    text = _LOPSIDED.sub(lambda m: f" {m.group(1) or m.group(2)} ", text)
    return _SPACES.sub(" ", text).strip()


def _scripts_as_text(tex: str, scripts: list[str]) -> str:
    """Each ``_`` / ``^`` with its argument replaced by a placeholder character for
    its text as a script, which goes into ``scripts``."""
    out: list[str] = []
    i = 0
    while i < len(tex):
        char = tex[i]
        if char == "\\":  # a control word or symbol (\_ and \^ among them) is copied whole
            word = _CONTROL_WORD.match(tex, i)
            end = word.end() if word else i + 2
            out.append(tex[i:end])
            if word and tex[end : end + 1].isspace() and _takes_no_arguments(word.group(0)[1:]):
                out.append("{}")  # ends the word, so the space after it is kept: "\log p" -> "log p"
            i = end
        elif char in _SCRIPTS:
            argument, i = _argument(tex, i + 1)
            if len(scripts) < _PLACEHOLDERS:
                out.append(chr(_FIRST_PLACEHOLDER + len(scripts)))
                scripts.append(_script(char, argument))
            else:  # thousands of scripts in one formula: the rest as pylatexenc reads them
                out.append(char + "{" + argument + "}")
        else:
            out.append(char)
            i += 1
    return "".join(out)


@lru_cache(maxsize=1024)
def _takes_no_arguments(macro: str) -> bool:
    spec = _MACROS.get_macro_spec(macro)
    return spec is None or not spec.args_parser.argspec


def _argument(tex: str, i: int) -> tuple[str, int]:
    """The argument starting at ``i`` (a braced group, a control word or one character)
    and where it ends."""
    while i < len(tex) and tex[i].isspace():
        i += 1
    if i >= len(tex):
        return "", i
    if tex[i] == "{":
        depth = 0
        for j in range(i, len(tex)):
            if tex[j] == "\\":
                continue
            if tex[j] == "{" and (j == 0 or tex[j - 1] != "\\"):
                depth += 1
            elif tex[j] == "}" and tex[j - 1] != "\\":
                depth -= 1
                if depth == 0:
                    return tex[i + 1 : j], j + 1
        return tex[i + 1 :], len(tex)  # unbalanced: the rest
    word = _CONTROL_WORD.match(tex, i)
    if word:
        return word.group(0), word.end()
    return tex[i], i + 1


def _script(mark: str, argument: str) -> str:
    text = tex_to_text(argument).replace(" ", "")  # "x_{\le t}": x_(≤t), kept together
    if not text:
        return ""
    table = _SCRIPTS[mark]
    if all(c in table for c in text):
        return "".join(table[c] for c in text)
    return mark + (text if len(text) == 1 else f"({text})")
