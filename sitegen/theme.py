"""Theme chain -> one Jinja Environment and an ordered list of static folders.

Lookup order for a template or static file: the site's own templates/ and
static/ folders, then the site's themes/<name>/, then the built-in theme of
that name, then each theme's ``extends:`` parent, ending at 'default'.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import sys
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
from .safefiles import UnsafeFile, read_inside, read_regular, real_roots, walk

if TYPE_CHECKING:
    import jinja2

THEME_FILE = "theme.yaml"


def builtin_themes_dir() -> Path:
    """Built-in themes: inside the installed wheel, or the repository's themes/."""
    packaged = Path(__file__).parent / "themes"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "themes"


def builtin_theme_names() -> list[str]:
    """The themes that ship with sitegen, by name: 'compact', 'default'."""
    return sorted(d.name for d in builtin_themes_dir().iterdir() if (d / "templates").is_dir())


@dataclass(frozen=True)
class Theme:
    names: tuple[str, ...]  # the chain, most specific first
    template_dirs: tuple[Path, ...]
    static_dirs: tuple[Path, ...]
    # Where theme files may be read from, resolved: the site folder and the built-in themes.
    roots: tuple[str, ...] = ()
    site_dir: Path = Path(".")
    file_size: int = 10_000_000  # limits.file_size, for templates


def _find_theme(name: str, site_dir: Path) -> Path | None:
    if name in (".", "..") or "/" in name or os.sep in name:
        return None  # a theme is a folder of themes/, not a path
    for root in (site_dir / "themes", builtin_themes_dir()):
        candidate = root / name
        if candidate.is_dir():
            return candidate
    return None


def _shown(path: Path | str, site_dir: Path) -> str:
    try:
        return Path(path).relative_to(site_dir).as_posix()
    except ValueError:
        return Path(path).as_posix()


def _parent_of(theme_dir: Path, roots: tuple[str, ...], config: Config) -> str | None:
    settings = theme_dir / THEME_FILE
    shown = _shown(settings, config.site_dir)
    if not os.path.lexists(settings):
        return None
    try:
        text = read_inside(settings, roots, config.limits.file_size).decode("utf-8")
        data = yaml.safe_load(text) or {}
    except UnsafeFile as exc:
        raise ThemeError(Problem(str(exc), shown)) from None
    except UnicodeDecodeError:
        raise ThemeError(Problem("not valid UTF-8", shown)) from None
    except yaml.YAMLError as exc:  # its problem and line, not str(exc): that quotes the file
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise ThemeError(Problem(f"invalid YAML: {problem}", shown, mark and mark.line + 1)) from None
    if not isinstance(data, dict):
        raise ThemeError(Problem("expected a mapping", shown, 1))
    unknown = sorted(map(str, set(data) - {"extends", "name", "description"}))
    if unknown:
        raise ThemeError(Problem(f"unknown theme setting {unknown[0]!r}", shown, None, unknown[0]))
    parent = data.get("extends")
    if parent is not None and not isinstance(parent, str):
        raise ThemeError(Problem("expected a theme name", shown, None, "extends"))
    return parent


def resolve_theme(config: Config) -> Theme:
    site_dir = config.site_dir
    roots = real_roots([site_dir, builtin_themes_dir()])
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
            known = ", ".join(builtin_theme_names())
            message = f"no theme named '{name}' in themes/ or built in (built-in themes: {known})"
            raise ThemeError(Problem(message, "site.yaml", None, "theme"))
        names.append(name)
        dirs.append(theme_dir)
        parent = _parent_of(theme_dir, roots, config)
        # Every theme implicitly ends on the built-in default, which has every template.
        name = parent if parent is not None else (None if name == "default" else "default")
    template_dirs = [site_dir / "templates", *(d / "templates" for d in dirs)]
    static_dirs = [site_dir / "static", *(d / "static" for d in dirs)]
    return Theme(
        tuple(names),
        tuple(d for d in template_dirs if d.is_dir()),
        tuple(d for d in static_dirs if d.is_dir()),
        roots,
        site_dir,
        config.limits.file_size,
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

    _escape_inner = _c_escape()
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


def _c_escape() -> Callable[[str], str] | None:
    """markupsafe's C escape of a str, without the Python wrapper that makes it a
    Markup (~0.6 µs a call): private, in markupsafe 3.0, the minor version
    pyproject.toml allows beside 2.1 (whose public escape is that C function:
    None here). tests/unit/test_theme.py fails, saying why, if it changes."""
    import markupsafe

    return getattr(markupsafe, "_escape_inner", None)


def _template_loader(theme: Theme) -> jinja2.BaseLoader:
    """Jinja's FileSystemLoader, reading as safefiles does: a template that is a
    link out of the site, a pipe or a device is a ThemeError, never read."""
    import jinja2

    class Loader(jinja2.FileSystemLoader):
        def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Any]:
            pieces = jinja2.loaders.split_template_path(template)
            for folder in self.searchpath:
                path = os.path.join(folder, *pieces)
                if not os.path.lexists(path):
                    continue
                shown = _shown(path, theme.site_dir)
                try:
                    text = read_inside(path, theme.roots, theme.file_size).decode("utf-8")
                except UnsafeFile as exc:
                    raise ThemeError(Problem(str(exc), shown)) from None
                except UnicodeDecodeError:
                    raise ThemeError(Problem("not valid UTF-8", shown)) from None
                return text, os.path.normpath(path), lambda: True
            raise jinja2.TemplateNotFound(template)

    return Loader([str(d) for d in theme.template_dirs])


def make_environment(
    theme: Theme, globals: dict[str, Any], filters: dict[str, Callable[..., Any]]
) -> jinja2.Environment:
    """The build's Jinja environment; ``globals`` and ``filters`` are fixed from here on."""
    import jinja2  # only builds that render pay for importing Jinja

    escape = _output_escape()
    missing = jinja2.utils.missing

    class Template(jinja2.Template):
        @classmethod
        def from_code(cls, *args: Any, **kwargs: Any) -> Any:
            template = super().from_code(*args, **kwargs)
            # Compiled templates call the name ``escape`` from their own module
            # namespace for every {{ ... }} they output, and only there: Jinja's
            # generated code, private, so jinja2 is pinned to the minor version
            # tested (pyproject.toml; tests/unit/test_theme.py says if it changes).
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
                if kwargs:  # most calls have none: {{ url('tags/') }} outside a loop or block
                    kwargs.pop("_loop_vars", None)
                    kwargs.pop("_block_vars", None)
                return __obj(*args, **kwargs)
            return super().call(__obj, *args, **kwargs)

        def resolve_or_missing(self, key: str) -> Any:
            # Jinja's, with one dict lookup where it makes two: the page's own top-level
            # {% set %} values (``vars``) first, then what it was given (~26 a paper page).
            vars = self.vars
            if vars and key in vars:
                return vars[key]
            return self.parent.get(key, missing)

    class Environment(jinja2.Environment):
        template_class = Template
        context_class = Context

        def make_globals(self, d: Mapping[str, Any] | None) -> Any:
            # A plain dict, not Jinja's ChainMap: every render copies a template's
            # globals, and copying a ChainMap raises and catches a KeyError per
            # global (a sixth of the cost of rendering a card).
            return {**self.globals, **(d or {})}

        @jinja2.utils.internalcode
        def get_template(self, name: Any, parent: str | None = None, globals: Any = None) -> Any:
            # Every {% extends %} and {% include %} of every page looks its template up
            # again (a weakref made for the cache's key, two more calls: ~3k instructions).
            # Templates never reload here (auto_reload off, an unbounded cache), and
            # join_path is Jinja's, which keeps the name: the first lookup is kept by name.
            if globals is None and type(name) is str:
                template = loaded.get(name)
                if template is None:
                    template = loaded[name] = super().get_template(name, parent)
                return template
            return super().get_template(name, parent, globals)

    loaded: dict[str, Any] = {}
    env = Environment(
        loader=_template_loader(theme),
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


def _theme_files(theme: Theme, folder: Path) -> list[tuple[str, Path]]:
    """(name, path to read) of the regular files below ``folder``, hidden files
    skipped; ThemeError naming every link out of the site, pipe or device."""
    found, refused = walk(folder, theme.roots, hidden_folders=True)
    if refused:
        raise ThemeError(
            [Problem(why, _shown(Path(folder, *parts), theme.site_dir)) for parts, why in refused]
        )
    return [("/".join(parts), path) for parts, path in found]


def static_version(theme: Theme, path: Path) -> str:
    """A static file's version in its URL (``?v=``): its content's digest, so a changed
    file gets a new URL and a cached old one is never served for it."""
    return hashlib.sha256(read_static(theme, path)).hexdigest()[:10]


def static_files(theme: Theme) -> dict[str, Path]:
    """Relative name -> source file; the first folder in the chain wins. Links
    are followed only inside the site (or the built-in themes)."""
    found: dict[str, Path] = {}
    for folder in theme.static_dirs:
        for name, path in _theme_files(theme, folder):
            found.setdefault(name, path)
    return dict(sorted(found.items()))


def read_static(theme: Theme, path: Path) -> bytes:
    """A static file's bytes, read as safely as content (it may have become a pipe or a
    link out since it was listed); a ThemeError naming it otherwise."""
    try:
        return read_regular(path, sys.maxsize)
    except UnsafeFile as exc:
        raise ThemeError(Problem(str(exc), _shown(path, theme.site_dir))) from None


def theme_digest(theme: Theme, config: Config) -> str:
    """Everything every page depends on: sitegen, settings, templates, static files."""
    h = hashlib.blake2b(digest_size=16)
    h.update(f"sitegen {__version__}\n{code_digest()}\n".encode())
    h.update(repr(dataclasses.replace(config, site_dir=Path("."))).encode())
    files = [
        (name, path, theme.file_size)
        for folder in theme.template_dirs
        for name, path in _theme_files(theme, folder)
    ]
    # Static files are copied as they are, whatever their size.
    files += [(name, path, sys.maxsize) for name, path in static_files(theme).items()]
    for name, path, limit in files:
        h.update(f"\n{name}\n".encode())
        try:
            h.update(read_regular(path, limit))
        except UnsafeFile as exc:
            raise ThemeError(Problem(str(exc), _shown(path, theme.site_dir))) from None
    return h.hexdigest()
