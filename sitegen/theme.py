"""Theme chain -> one Jinja Environment and an ordered list of static folders.

Lookup order for a template or static file: the site's own templates/ and
static/ folders, then the site's themes/<name>/, then the built-in theme of
that name, then each theme's ``extends:`` parent, ending at 'default'.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import BuiltinFunctionType
from typing import TYPE_CHECKING, Any

import yaml

from . import __version__
from .cache import code_digest
from .charrefs import punctuation_as_references
from .config import Config
from .errors import Problem, ThemeError
from .template_code import compile_template

if TYPE_CHECKING:
    import jinja2

THEME_FILE = "theme.yaml"


def builtin_themes_dir() -> Path:
    """Built-in themes: inside the installed wheel, or the repository's themes/."""
    packaged = Path(__file__).parent / "themes"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "themes"


@dataclass(frozen=True)
class Theme:
    names: tuple[str, ...]  # the chain, most specific first
    template_dirs: tuple[Path, ...]
    static_dirs: tuple[Path, ...]


def _find_theme(name: str, site_dir: Path) -> Path | None:
    for root in (site_dir / "themes", builtin_themes_dir()):
        candidate = root / name
        if candidate.is_dir():
            return candidate
    return None


def _parent_of(theme_dir: Path) -> str | None:
    settings = theme_dir / THEME_FILE
    if not settings.is_file():
        return None
    try:
        data = yaml.safe_load(settings.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ThemeError(Problem(f"cannot read theme settings: {exc}", settings)) from None
    if not isinstance(data, dict):
        raise ThemeError(Problem("expected a mapping", settings, 1))
    unknown = sorted(set(data) - {"extends", "name", "description"})
    if unknown:
        raise ThemeError(Problem(f"unknown theme setting '{unknown[0]}'", settings, None, unknown[0]))
    parent = data.get("extends")
    if parent is not None and not isinstance(parent, str):
        raise ThemeError(Problem("expected a theme name", settings, None, "extends"))
    return parent


def resolve_theme(config: Config) -> Theme:
    site_dir = config.site_dir
    names: list[str] = []
    dirs: list[Path] = []
    name: str | None = config.theme
    while name is not None:
        if name in names:
            chain = " -> ".join([*names, name])
            raise ThemeError(
                Problem(f"themes extend each other in a loop: {chain}", "site.yaml", None, "theme")
            )
        theme_dir = _find_theme(name, site_dir)
        if theme_dir is None:
            raise ThemeError(
                Problem(f"no theme named '{name}' in themes/ or built in", "site.yaml", None, "theme")
            )
        names.append(name)
        dirs.append(theme_dir)
        parent = _parent_of(theme_dir)
        # Every theme implicitly ends on the built-in default, which has every template.
        name = parent if parent is not None else (None if name == "default" else "default")
    template_dirs = [site_dir / "templates", *(d / "templates" for d in dirs)]
    static_dirs = [site_dir / "static", *(d / "static" for d in dirs)]
    return Theme(
        tuple(names),
        tuple(d for d in template_dirs if d.is_dir()),
        tuple(d for d in static_dirs if d.is_dir()),
    )


def _output_escape() -> Callable[[Any], Any]:
    """What autoescaping calls for every {{ ... }} it outputs: the text of
    markupsafe.escape, minus its cost (~100 calls a page). It returns a plain
    str, not Markup: Jinja only ever joins these pieces, and wraps a joined
    block, macro or {% set %} body in Markup itself, so a Markup object made
    for each piece would be thrown away (each is a copy of the text). It also
    skips Markup.__new__, a Python-level call that looks for ``__html__`` again.
    Text beyond ASCII has its typographic marks written as references (see
    charrefs): summaries end in "…", and a page stays ASCII only if they do not.
    """
    import markupsafe
    from markupsafe import Markup

    _escape_inner = getattr(markupsafe, "_escape_inner", None)  # private: may go
    if _escape_inner is None:
        return lambda value: punctuation_as_references(str(markupsafe.escape(value)))

    def escape(value: Any) -> Any:
        kind = type(value)
        if kind is str:
            if value.isascii():
                return _escape_inner(value)
            return punctuation_as_references(_escape_inner(value))
        if kind is Markup:
            return value
        # Numbers and days (three a day heading on list pages): nothing in them to escape.
        if kind is int or kind is date:
            return str(value)
        if hasattr(value, "__html__"):
            return value.__html__()
        return punctuation_as_references(_escape_inner(str(value)))

    return escape


def make_environment(
    theme: Theme, globals: dict[str, Any], filters: dict[str, Callable[..., Any]]
) -> jinja2.Environment:
    """The build's Jinja environment; ``globals`` and ``filters`` are fixed from here on."""
    import jinja2  # only builds that render pay for importing Jinja

    escape = _output_escape()

    class Template(jinja2.Template):
        @classmethod
        def from_code(cls, *args: Any, **kwargs: Any) -> Any:
            template = super().from_code(*args, **kwargs)
            # Compiled templates call the name ``escape`` from their own module
            # namespace for every {{ ... }} they output, and only there.
            template.root_render_func.__globals__["escape"] = escape
            return template

    # The build's own helpers (url, static, ...): plain callables, so the work
    # Context.call does for every {{ f(...) }} to find out how to call them
    # (~2 µs, ~10 calls a page) can be skipped. Held alive by env.globals.
    plain = {
        id(value) for value in globals.values() if callable(value) and not hasattr(value, "jinja_pass_arg")
    }

    class Context(jinja2.runtime.Context):
        @jinja2.utils.internalcode  # hidden from template tracebacks, as Jinja's own is
        def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 (Jinja's signature)
            # Built-in functions and methods ({{ route.split('/') }}) cannot be
            # marked pass_context either.
            if id(__obj) in plain or type(__obj) is BuiltinFunctionType:
                kwargs.pop("_loop_vars", None)
                kwargs.pop("_block_vars", None)
                return __obj(*args, **kwargs)
            return super().call(__obj, *args, **kwargs)

    class Environment(jinja2.Environment):
        template_class = Template
        context_class = Context

        def _compile(self, source: str, filename: str) -> Any:
            return compile_template(source, filename)

        def make_globals(self, d: Mapping[str, Any] | None) -> Any:
            # A plain dict, not Jinja's ChainMap: every render copies a template's
            # globals, and copying a ChainMap raises and catches a KeyError per
            # global (a sixth of the cost of rendering a card).
            return {**self.globals, **(d or {})}

    env = Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in theme.template_dirs]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
        cache_size=-1,  # a plain dict: the default LRU takes a lock on every {% extends %}
    )
    env.globals.update(globals)
    env.filters.update(filters)
    return env


def static_files(theme: Theme) -> dict[str, Path]:
    """Relative name -> source file; the first folder in the chain wins."""
    found: dict[str, Path] = {}
    for folder in theme.static_dirs:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                found.setdefault(path.relative_to(folder).as_posix(), path)
    return dict(sorted(found.items()))


def theme_digest(theme: Theme, config: Config) -> str:
    """Everything every page depends on: sitegen, settings, templates, static files."""
    h = hashlib.blake2b(digest_size=16)
    h.update(f"sitegen {__version__}\n{code_digest()}\n".encode())
    h.update(repr(dataclasses.replace(config, site_dir=Path("."))).encode())
    for folder in theme.template_dirs:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                h.update(f"\n{path.relative_to(folder).as_posix()}\n".encode())
                h.update(path.read_bytes())
    for name, path in static_files(theme).items():
        h.update(f"\n{name}\n".encode())
        h.update(path.read_bytes())
    return h.hexdigest()
