"""ruralmine.xlsx: every table of the output folder as one sheet, for researchers who work in Excel.

- a first sheet 数据字典 (data dictionary): each column of each sheet with its Chinese label, type, unit,
  meaning and an example, from ``pipeline/io/columns.tsv``;
- one sheet per table (``figures``, ``links``, ...), its header row frozen and filterable; a table that has a
  ``county_code`` but no ``county`` column gets the county's name beside the code;
- numbers as numbers (the dictionary's type says which columns), amounts in 元 from 1万 up shown in 万元
  (the cell keeps the value in 元), long text wrapped;
- text cells through ``writers.neutralize`` (formula injection: document text is untrusted), exactly as in
  the CSV files.

Written with openpyxl in write-only mode (rows streamed, memory flat) to bytes, then atomically.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Mapping, Sequence
from io import BytesIO
from pathlib import Path
from typing import Any

from pipeline.io import columns as dictionary
from pipeline.io.writers import PLAIN_NUMBER, atomic_write_stream, cell, neutralize, table_columns
from pipeline.names import clean_text

log = logging.getLogger(__name__)

Table = tuple[Sequence[Mapping[str, Any]], Sequence[str]]

XLSX_NAME = "ruralmine.xlsx"
DICTIONARY_SHEET = "数据字典"
DICTIONARY_HEADER = ("表 table", "列 column", "中文名", "类型 type", "单位 unit", "含义 meaning", "示例 example")
# 48243100 shows as 4824.3万元: the trailing comma scales by 1000 and the quoted "." is a literal before the last
# digit (Excel, WPS and LibreOffice alike; the `!.` of Excel tips shows as "48243!.1" in LibreOffice).
WAN_YUAN = '0"."0,"万元"'
WAN_FROM = 10_000
MAX_ROWS = 1_048_575  # Excel's rows per sheet, less the header
MAX_CELL = 32_767  # Excel's characters per cell
LONG_WIDTH = 60
MAX_PATTERN_LINES = 5
MAX_WIDTH = 40
# Excel refuses these control characters in a cell (openpyxl raises); document text may hold them.
_ILLEGAL = dict.fromkeys([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])


def _text(value: Any) -> str:
    text = clean_text(neutralize(cell(value))).translate(_ILLEGAL)
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def _number(value: Any) -> int | float | str | None:
    """A numeric column's cell: the number, or the (neutralized) text when it is not one."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return None if value != value else value  # NaN -> empty
    text = str(value).strip()
    if PLAIN_NUMBER.fullmatch(text):
        number = float(text)
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    return _text(value)


def _boolean(value: Any) -> bool | str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    return {"true": True, "false": False}.get(text, _text(value))


def convert(value: Any, kind: str) -> Any:
    """A row's value as the workbook stores it, by the dictionary type of its column."""
    if kind in ("integer", "number"):
        return _number(value)
    if kind == "boolean":
        return _boolean(value)
    if value is None or value == "":
        return None
    return _text(value)


def county_names(tables: Mapping[str, Table]) -> dict[str, str]:
    """county_code -> county name, from the rows that carry both (documents, figures, compare tables, places)."""
    names: dict[str, str] = {}
    for rows, _ in tables.values():
        for r in rows:
            for code_col, name_col in (("county_code", "county"), ("adcode", "county")):
                code, name = r.get(code_col), r.get(name_col)
                if code and name:
                    names.setdefault(str(code), str(name))
            if r.get("level") == "county" and r.get("adcode") and r.get("canonical"):
                names.setdefault(str(r["adcode"]), str(r["canonical"]))
    return names


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _is_yuan(col: str, row: Mapping[str, Any], entry: dictionary.Column) -> bool:
    """An amount in 元: the row's unit column says 元, or the column is headed ``…(元)``."""
    if entry.unit == "见 unit 列":
        return row.get("unit") == "元"
    return col.endswith("(元)")


def _workbook(tables: Mapping[str, Table]) -> Any:
    """The write-only workbook: the data dictionary, then one sheet per table (file name without ``.csv``); its
    rows are streamed to openpyxl's temporary sheet files, so memory holds one row and the shared strings."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill

    wb = Workbook(write_only=True)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    wrap = Alignment(wrap_text=True, vertical="top")
    names = county_names(tables)
    entries = dictionary.load()

    def header_cells(ws: Any, labels: Sequence[str]) -> list[Any]:
        out = []
        for label in labels:
            c = WriteOnlyCell(ws, _text(label))
            c.font, c.fill = bold, fill
            out.append(c)
        return out

    described: list[tuple[str, str, dictionary.Column]] = []
    sheets: list[tuple[str, Sequence[Mapping[str, Any]], list[str], bool]] = []
    for file_name, (rows, cols) in tables.items():
        name = dictionary.table_name(file_name)
        all_cols = table_columns(rows, cols)
        county = "county_code" in all_cols and "county" not in all_cols  # the name goes beside the code
        if county:
            k = all_cols.index("county_code") + 1
            all_cols = [*all_cols[:k], "county", *all_cols[k:]]
        sheets.append((name, rows, all_cols, county))
        described += [(name, c, dictionary.describe(name, c, entries)) for c in all_cols]

    ws = wb.create_sheet(DICTIONARY_SHEET)
    ws.freeze_panes = "A2"
    for letter, width in zip("ABCDEFG", (24, 28, 14, 10, 12, 70, 30), strict=True):
        ws.column_dimensions[letter].width = width
    ws.append(header_cells(ws, DICTIONARY_HEADER))
    lines = _dictionary_lines(described)
    for values in lines:
        cells = [WriteOnlyCell(ws, _text(v) if v else None) for v in values]
        cells[5].alignment = wrap
        ws.append(cells)
    ws.auto_filter.ref = f"A1:G{len(lines) + 1}"

    for name, rows, cols, county in sheets:
        _sheet(wb.create_sheet(name), name, rows, cols, entries, header_cells, wrap, names if county else None)
    return wb


def workbook_bytes(tables: Mapping[str, Table]) -> bytes:
    """The workbook as bytes (see :func:`_workbook`)."""
    buf = BytesIO()
    _workbook(tables).save(buf)
    return buf.getvalue()


def _dictionary_lines(described: list[tuple[str, str, dictionary.Column]]) -> list[tuple[str, ...]]:
    """One line per column of each sheet; the columns named after data (a practice per column in
    cooccurrence, a tool per column in the crosstab) share one line when more than ``MAX_PATTERN_LINES`` match."""
    matched: dict[tuple[str, dictionary.Column], list[str]] = {}
    for table, col, e in described:
        if e is dictionary.UNDOCUMENTED:
            log.warning("column %r of %s is not in %s", col, table, dictionary.COLUMNS_FILE.name)
        matched.setdefault((table, e), []).append(col)
    lines: list[tuple[str, ...]] = []
    done: set[tuple[str, dictionary.Column]] = set()
    for table, col, e in described:
        cols = matched[(table, e)]
        if dictionary.ANY in e.column and len(cols) > MAX_PATTERN_LINES:
            if (table, e) in done:
                continue
            done.add((table, e))
            shown = ", ".join(cols[:MAX_PATTERN_LINES]) + ", …"
            meaning = f"{e.meaning} ({len(cols)}: {shown})"
            lines.append((table, e.column, e.label_zh, e.type, e.unit, meaning, e.example))
        else:
            lines.append((table, col, e.label_zh, e.type, e.unit, e.meaning, e.example))
    return lines


def _sheet(
    ws: Any,
    name: str,
    rows: Sequence[Mapping[str, Any]],
    cols: list[str],
    entries: tuple[dictionary.Column, ...],
    header_cells: Any,
    wrap: Any,
    names: Mapping[str, str] | None = None,
) -> None:
    """One table's sheet. Cells that need no style go to openpyxl as plain values (it reuses one cell object
    for them); only wrapped long text and 万元 amounts are ``WriteOnlyCell``s. ``names``: county_code -> name,
    for the ``county`` column a table without one gets, right after ``county_code``."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter

    def value(r: Mapping[str, Any], col: str) -> Any:
        if names is not None and col == "county":
            return names.get(str(r.get("county_code") or ""), "")
        return r.get(col)

    kinds = [dictionary.describe(name, c, entries) for c in cols]
    n = len(rows)
    if n > MAX_ROWS:
        log.warning("%s: %d rows, over Excel's limit; the sheet keeps the first %d", name, n, MAX_ROWS)
        n = MAX_ROWS
    sample = [rows[i] for i in range(min(n, 200))]
    for i, (col, e) in enumerate(zip(cols, kinds, strict=True), start=1):
        seen = [_width(cell(value(r, col))) for r in sample]
        width = LONG_WIDTH if e.type == "longtext" else min(MAX_WIDTH, max([_width(col), *seen]) + 2)
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    ws.append(header_cells(ws, cols))
    plan = [(col, e, e.type, e.type == "longtext", e.numeric) for col, e in zip(cols, kinds, strict=True)]
    for j in range(n):
        r = rows[j]
        out: list[Any] = []
        for col, e, kind, long, numeric in plan:
            v = convert(value(r, col), kind)
            if v is None:
                out.append(None)
            elif long:
                c = WriteOnlyCell(ws, v)
                c.alignment = wrap
                out.append(c)
            elif numeric and isinstance(v, int | float) and abs(v) >= WAN_FROM and _is_yuan(col, r, e):
                c = WriteOnlyCell(ws, v)
                c.number_format = WAN_YUAN
                out.append(c)
            else:
                out.append(v)
        ws.append(out)
    if cols:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{n + 1}"


def write_xlsx(path: Path, tables: Mapping[str, Table]) -> int:
    """Write the workbook atomically; returns the number of sheets (tables + the data dictionary)."""
    wb = _workbook(tables)
    atomic_write_stream(path, wb.save)  # zipped straight into the file, never held as bytes
    return len(tables) + 1
