"""Language data as files: the word lists rules use, one ``models/lexicon/<name>.tsv`` per concept.

A lexicon file starts with ``#`` lines saying what it is, which code uses it and where its entries come
from, then a header row of tab-separated column names, then one entry per row (first column: the entry;
other columns: flags or values saying which use each entry serves). Loading is explicit and lazy: nothing
is read at import; :func:`load` reads a file once (cached), and :class:`LazyPattern` / :class:`LazyWords`
let a module name a regex or word set at module level that is built on first use.

>>> load("practice_suffixes").words("strong")[:3]
('模式', '机制', '制度')
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

LEXICON_DIR = Path(__file__).resolve().parents[1] / "models" / "lexicon"
_FALSE = {"", "0", "no", "false", "-"}


@dataclass(frozen=True)
class Lexicon:
    """One lexicon file: its ``#`` header lines, column names and rows (cells as written)."""

    name: str
    header: tuple[str, ...]
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def column(self, col: str) -> tuple[str, ...]:
        """All cells of one column, in file order."""
        k = self.columns.index(col)
        return tuple(r[k] for r in self.rows)

    def words(self, flag: str | None = None, value: str | None = None) -> tuple[str, ...]:
        """Entries (first column) in file order; with ``flag``, only rows whose ``flag`` cell is set (not
        empty/0/no), or equals ``value`` when given."""
        if flag is None:
            return tuple(r[0] for r in self.rows)
        k = self.columns.index(flag)
        if value is not None:
            return tuple(r[0] for r in self.rows if r[k] == value)
        return tuple(r[0] for r in self.rows if r[k].strip().lower() not in _FALSE)

    def alternation(self, flag: str | None = None, value: str | None = None, escape: bool = True) -> str:
        """``a|b|c`` of the entries, longest first (so 制度 is tried before 制); escaped unless the entries are
        regex fragments (``escape=False``)."""
        words = sorted(dict.fromkeys(self.words(flag, value)), key=len, reverse=True)
        return "|".join(re.escape(w) if escape else w for w in words)

    def pattern(self, template: str = "(?:{words})", flag: str | None = None, value: str | None = None) -> str:
        """``template`` with ``{words}`` replaced by the alternation (other braces are left alone)."""
        return template.replace("{words}", self.alternation(flag, value))


def _parse(name: str, text: str) -> Lexicon:
    header: list[str] = []
    columns: tuple[str, ...] = ()
    rows: list[tuple[str, ...]] = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        if not columns and line.startswith("#"):
            header.append(line.lstrip("#").strip())
            continue
        cells = tuple(c.strip() for c in line.split("\t"))
        if not columns:
            columns = cells
            continue
        if len(cells) > len(columns):
            raise ValueError(f"{name}.tsv line {lineno}: {len(cells)} cells for {len(columns)} columns")
        if not cells[0]:
            raise ValueError(f"{name}.tsv line {lineno}: empty entry")
        rows.append(cells + ("",) * (len(columns) - len(cells)))
    if not columns:
        raise ValueError(f"{name}.tsv: no header row")
    return Lexicon(name=name, header=tuple(header), columns=columns, rows=tuple(rows))


@cache
def load(name: str, directory: str | None = None) -> Lexicon:
    """The lexicon ``<directory>/<name>.tsv`` (default: the repository's ``models/lexicon``), read once."""
    path = Path(directory) if directory else LEXICON_DIR
    return _parse(name, (path / f"{name}.tsv").read_text(encoding="utf-8"))


def names(directory: str | None = None) -> list[str]:
    """Names of all lexicon files."""
    path = Path(directory) if directory else LEXICON_DIR
    return sorted(p.stem for p in path.glob("*.tsv"))


_PATTERN_METHODS = ("search", "match", "fullmatch", "finditer", "findall", "sub", "subn", "split")


class LazyPattern:
    """A compiled regex built on first use by ``build`` (e.g. from a lexicon); after that, its methods are
    the compiled pattern's own bound methods (no indirection on later calls)."""

    def __init__(self, build: Callable[[], re.Pattern[str]]) -> None:
        self._build = build

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("_"):
            raise AttributeError(attr)
        rx = self.__dict__.get("compiled")
        if rx is None:
            rx = self._build()
            for m in _PATTERN_METHODS:
                setattr(self, m, getattr(rx, m))
            self.compiled = rx
        return getattr(rx, attr)


class LazyWords:
    """A frozen set of words built on first use by ``build`` (``w in WORDS``, iteration, ``len``)."""

    def __init__(self, build: Callable[[], object]) -> None:
        self._build = build
        self._set: frozenset[str] | None = None

    def get(self) -> frozenset[str]:
        if self._set is None:
            self._set = frozenset(self._build())  # type: ignore[call-overload]
        return self._set

    def __contains__(self, w: object) -> bool:
        return w in (self._set if self._set is not None else self.get())

    def __iter__(self) -> Iterator[str]:
        return iter(self.get())

    def __len__(self) -> int:
        return len(self.get())


def lazy_pattern(template: str, lexicon: str, flag: str | None = None, value: str | None = None, flags: int = 0):
    """A :class:`LazyPattern` compiling ``template`` with ``{words}`` = the lexicon's alternation."""
    return LazyPattern(lambda: re.compile(load(lexicon).pattern(template, flag, value), flags))


def lazy_words(lexicon: str, flag: str | None = None, value: str | None = None) -> LazyWords:
    """A :class:`LazyWords` of a lexicon's entries (optionally those with ``flag`` set / equal to ``value``)."""
    return LazyWords(lambda: load(lexicon).words(flag, value))


__all__ = ["LEXICON_DIR", "LazyPattern", "LazyWords", "Lexicon", "lazy_pattern", "lazy_words", "load", "names"]
