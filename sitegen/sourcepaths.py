"""The source Paths of the loaded papers: one object per file and folder in a process.

Unpickling makes every object anew: at 100k papers, 100k Paths for 2.5k files. model.py
shares them again as papers are loaded, through this table; setaside.py and parallel.py
name a paper's source by its Path's id (``path_names``), and let the table go before the
paper pages' fork (``forget_paths``).
"""

from __future__ import annotations

from pathlib import Path

table: dict[str, Path] = {}  # a source's name -> its one Path; cleared, never rebound
_folders: dict[str, Path] = {}


def source_path(source: str) -> Path:
    """``Path(source)``, shared by the papers of a file; a folder's files are
    made from its Path (half the cost of parsing the whole name)."""
    path = table.get(source)
    if path is None:
        folder, slash, name = source.rpartition("/")
        parent = _folders.get(folder) if slash and name and name not in (".", "..") else None
        if parent is None and slash and folder and name not in ("", ".", ".."):
            parent = _folders[folder] = Path(folder)
        path = table[source] = parent / name if parent is not None and str(parent) == folder else Path(source)
    return path


def path_names() -> dict[int, str]:
    """The name each source Path in the table was made from, by the Path's id."""
    return {id(path): name for name, path in table.items()}


def forget_paths() -> None:
    """Let go of the table (setaside.py takes the Paths out of the papers; papers
    unpickled later make theirs again, each from its folder's Path, which is kept)."""
    table.clear()
