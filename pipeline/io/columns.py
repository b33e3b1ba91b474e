"""The data dictionary: what every column of every table means, as data (``columns.tsv`` beside this file).

Each line gives a column's type (how the workbook stores it: text, wrapped long text, integer, number,
boolean), unit, Chinese label, meaning and an invented example. ``describe(table, column)`` finds the line
for a column: its exact name among the table's own lines, then among the lines for any table (``*``); then
a pattern (a ``*`` inside a column name matches any text), for the columns named after data
(``建档立卡贫困户(户) date``, tool shares, practices), the table's own first.
The same file feeds the 数据字典 sheet of ``ruralmine.xlsx`` and ``docs/columns.md`` (``markdown()``).
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import cache
from pathlib import Path

COLUMNS_FILE = Path(__file__).with_name("columns.tsv")
TYPES = ("text", "longtext", "integer", "number", "boolean")
FIELDS = ("table", "column", "type", "unit", "label_zh", "meaning", "example")
ANY = "*"


@dataclass(frozen=True)
class Column:
    """One line of the data dictionary."""

    table: str
    column: str
    type: str
    unit: str
    label_zh: str
    meaning: str
    example: str

    @property
    def numeric(self) -> bool:
        return self.type in ("integer", "number")


UNDOCUMENTED = Column(ANY, ANY, "text", "", "", "", "")


@cache
def load(path: Path = COLUMNS_FILE) -> tuple[Column, ...]:
    """The dictionary's lines in file order (``#`` lines and the header row skipped)."""
    out: list[Column] = []
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip() and not ln.startswith("#")]
    if not lines or tuple(lines[0].split("\t")) != FIELDS:
        raise ValueError(f"{path}: the first row after the # lines must be the header {' <tab> '.join(FIELDS)}")
    for n, line in enumerate(lines[1:], start=2):
        cells = line.split("\t")
        if len(cells) != len(FIELDS) or cells[2] not in TYPES:
            raise ValueError(f"{path}: row {n} needs {len(FIELDS)} tab-separated cells and a type in {TYPES}")
        out.append(Column(*cells))
    return tuple(out)


def table_name(file_name: str) -> str:
    """``figures.csv`` -> ``figures`` (the name the dictionary and the workbook's sheets use)."""
    return file_name.removesuffix(".csv")


def describe(table: str, column: str, entries: tuple[Column, ...] | None = None) -> Column:
    """The dictionary line of ``column`` in ``table`` (``UNDOCUMENTED`` when none matches)."""
    entries = load() if entries is None else entries
    table = table_name(table)
    for scope in (table, ANY):  # exact names first: adcode is text even in a table whose * columns are numbers
        for e in entries:
            if e.table == scope and e.column == column:
                return e
    for scope in (table, ANY):
        for e in entries:
            if e.table == scope and ANY in e.column and fnmatchcase(column, e.column):
                return e
    return UNDOCUMENTED


def markdown(entries: tuple[Column, ...] | None = None) -> str:
    """docs/columns.md: one table per output table, then the columns shared by several tables."""
    entries = load() if entries is None else entries
    order = [*dict.fromkeys(e.table for e in entries if e.table != ANY), ANY]
    parts = [
        "# Columns of the output tables",
        "",
        "Generated from `pipeline/io/columns.tsv` (the data dictionary, also the 数据字典 sheet of "
        "`ruralmine.xlsx`) by `python -m pipeline.io.columns`; do not edit by hand. A column not listed under its "
        "table is described under *columns of several tables*. `*` in a name stands for any text.",
    ]
    for table in order:
        title = "columns of several tables" if table == ANY else f"`{table}.csv`"
        parts += ["", f"## {title}", "", "| column | 中文 | type | unit | meaning | example |", "|---" * 6 + "|"]
        for e in entries:
            if e.table == table:
                cells = (f"`{e.column}`", e.label_zh, e.type, e.unit, e.meaning, e.example)
                parts.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    import sys

    sys.stdout.write(markdown())
