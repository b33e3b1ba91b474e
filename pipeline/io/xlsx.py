"""ruralmine.xlsx: every table of the output folder as one sheet, for researchers who work in Excel.

- a first sheet 数据字典 (data dictionary): each column of each sheet with its Chinese label, type, unit,
  meaning and an example, from ``pipeline/io/columns.tsv``;
- one sheet per table (``figures``, ``links``, ...), its header row frozen and filterable; a table that has a
  ``county_code`` but no ``county`` column gets the county's name beside the code;
- numbers as numbers (the dictionary's type says which columns), amounts in 元 from 1万 up shown in 万元
  (the cell keeps the value in 元), long text wrapped;
- text cells through ``writers.neutralize`` (formula injection: document text is untrusted), exactly as in
  the CSV files.

Written by ``xlsxml`` (rows streamed into the zip archive, memory flat), fed by the CSV files just written
(``csv_sheets``) or by tables in memory (``table_sheets``), zipped straight into the file, atomically.
"""

from __future__ import annotations

import csv
import itertools
import logging
import math
import operator
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any, BinaryIO

from pipeline.io import columns as dictionary
from pipeline.io import xlsxml
from pipeline.io.writers import FORMULA_START, PLAIN_NUMBER, atomic_write_stream, cell, neutralize_all, table_columns
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
_FIELD_LIMIT = 2**31 - 1  # the longest CSV cell read back (a C long on every platform)
LONG_WIDTH = 60
MAX_PATTERN_LINES = 5
MAX_WIDTH = 40
# Excel refuses these control characters in a cell (openpyxl raises); document text may hold them.
_ILLEGAL = dict.fromkeys([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])


_UNFIT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")  # _ILLEGAL and lone surrogates


def _text(value: Any) -> str:
    text = value if value.__class__ is str else cell(value)
    if text.startswith(FORMULA_START) and not PLAIN_NUMBER.fullmatch(text):  # neutralize, inlined
        text = "'" + text
    if _UNFIT.search(text):  # rare: only then the copies clean_text and translate make
        text = clean_text(text).translate(_ILLEGAL)
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def _number(value: Any) -> int | float | str | None:
    """A numeric column's cell: the number, or the (neutralized) text when it is not one."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return None if value != value else value if math.isfinite(value) else _text(value)  # NaN -> empty
    text = str(value).strip()
    if PLAIN_NUMBER.fullmatch(text):
        number = float(text)
        if math.isfinite(number):
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


def _text_or_none(value: Any) -> str | None:
    return None if value is None or value == "" else _text(value)


def converter(kind: str) -> Callable[[Any], Any]:
    """``convert`` for a column of ``kind``, chosen once per column (the same values)."""
    if kind in ("integer", "number"):
        return _number
    if kind == "boolean":
        return _boolean
    return _text_or_none


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _is_yuan(col: str, unit: Any, entry: dictionary.Column) -> bool:
    """An amount in 元: the row's unit column (``unit``) says 元, or the column is headed ``…(元)``."""
    if entry.unit == "见 unit 列":
        return unit == "元"
    return col.endswith("(元)")


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


RowValues = Sequence[Any]


@dataclass(frozen=True)
class Sheet:
    """One table as the workbook reads it: its file name, columns and a function giving its rows afresh, each
    row its values in column order (from rows in memory, or read back from the CSV file just written)."""

    file_name: str
    columns: list[str]
    rows: Callable[[], Iterable[RowValues]]


def table_sheets(tables: Mapping[str, Table]) -> list[Sheet]:
    """Sheets of tables held in memory (file name -> (rows, columns)); extra keys become columns at the end."""

    def values(rows: Sequence[Mapping[str, Any]], cols: list[str]) -> Callable[[], Iterable[RowValues]]:
        return lambda: ([r.get(c) for c in cols] for r in rows)

    out = []
    for file_name, (rows, cols) in tables.items():
        all_cols = table_columns(rows, cols)
        out.append(Sheet(file_name, all_cols, values(rows, all_cols)))
    return out


def csv_sheets(out_dir: Path, written: Mapping[str, Sequence[str]]) -> list[Sheet]:
    """Sheets read back from the CSV files of ``out_dir`` (file name -> the columns it was written with), a row at
    a time: what the workbook shows is what the CSV files hold (their text cells already neutralized)."""

    def reader(path: Path) -> Callable[[], Iterable[RowValues]]:
        def rows() -> Iterator[RowValues]:
            # a cell may be longer than the csv module's default limit (128 KiB: a practice named in thousands of
            # documents lists them all); the sheet cuts it to Excel's limit. The limit is the module's, restored after.
            old = csv.field_size_limit(_FIELD_LIMIT)
            try:
                with path.open(encoding="utf-8-sig", newline="") as fh:
                    it = csv.reader(fh)
                    next(it, None)  # the header: the sheet's columns are the names as written, not neutralized
                    yield from it
            finally:
                csv.field_size_limit(old)

        return rows

    return [Sheet(name, list(cols), reader(out_dir / name)) for name, cols in written.items()]


def county_names(sheets: Sequence[Sheet]) -> dict[str, str]:
    """county_code -> county name, from the rows that carry both (documents, figures, compare tables, places)."""
    names: dict[str, str] = {}
    for sheet in sheets:
        at = {c: i for i, c in reversed(list(enumerate(sheet.columns)))}  # a name's first column
        pairs = [(at[code], at["county"]) for code in ("county_code", "adcode") if code in at and "county" in at]
        place = [at[c] for c in ("level", "adcode", "canonical") if c in at]
        if not pairs and len(place) < 3:
            continue
        for r in sheet.rows():
            for code_i, name_i in pairs:
                code, name = r[code_i], r[name_i]
                if code and name:
                    names.setdefault(str(code), str(name))
            if len(place) == 3 and r[place[0]] == "county" and r[place[1]] and r[place[2]]:
                names.setdefault(str(r[place[1]]), str(r[place[2]]))
    return names


def _write(fh: BinaryIO, sheets: Sequence[Sheet]) -> None:
    """The workbook into ``fh``: the data dictionary, then one sheet per table (file name without ``.csv``), each
    streamed a chunk of rows at a time (``xlsxml``), so memory holds no table whatever its size."""
    entries = dictionary.load()
    names = county_names(sheets)

    described: list[tuple[str, str, dictionary.Column]] = []
    plans: list[tuple[str, Sheet, list[str], int | None]] = []
    for sheet in sheets:
        name = dictionary.table_name(sheet.file_name)
        cols = list(sheet.columns)
        code_at = None
        if "county_code" in cols and "county" not in cols:  # the name goes beside the code
            code_at = cols.index("county_code")
            cols = [*cols[: code_at + 1], "county", *cols[code_at + 1 :]]
        plans.append((name, sheet, cols, code_at))
        described += [(name, c, dictionary.describe(name, c, entries)) for c in cols]

    wb = xlsxml.Workbook(fh, len(plans) + 1, WAN_YUAN)
    try:
        _sheets(wb, described, plans, entries, names)
    except BaseException:
        wb.abandon()  # the file is going (atomic write); no half-written archive closed later by the collector
        raise
    wb.close()


def _sheets(
    wb: xlsxml.Workbook,
    described: list[tuple[str, str, dictionary.Column]],
    plans: list[tuple[str, Sheet, list[str], int | None]],
    entries: tuple[dictionary.Column, ...],
    names: Mapping[str, str],
) -> None:
    lines = _dictionary_lines(described)
    with wb.sheet(DICTIONARY_SHEET, (24, 28, 14, 10, 12, 70, 30)) as ws:
        letters = [xlsxml.column_letter(j) for j in range(len(DICTIONARY_HEADER))]
        ws.row(
            1,
            [
                xlsxml.string_cell(f"{L}1", _text(h), xlsxml.HEADER)
                for L, h in zip(letters, DICTIONARY_HEADER, strict=True)
            ],
        )
        for i, values in enumerate(lines, start=2):
            cells = []
            for j, v in enumerate(values):
                style = xlsxml.WRAP if j == 5 else xlsxml.PLAIN
                if v:
                    cells.append(xlsxml.string_cell(f"{letters[j]}{i}", _text(v), style))
                elif style:
                    cells.append(xlsxml.blank_cell(f"{letters[j]}{i}", style))
            ws.row(i, cells)
        ws.filter = f"A1:G{len(lines) + 1}"
    for name, sheet, cols, code_at in plans:
        _sheet(wb, name, sheet, cols, code_at, entries, names)


def _sheet(
    wb: xlsxml.Workbook,
    name: str,
    sheet: Sheet,
    cols: list[str],
    code_at: int | None,
    entries: tuple[dictionary.Column, ...],
    names: Mapping[str, str],
) -> None:
    """One table's sheet, its rows streamed; ``code_at``: the position of ``county_code`` when the sheet gets a
    ``county`` column (the county's name) right after it. Widths from the first 200 rows."""
    rows: Iterator[RowValues] = iter(sheet.rows())
    head = list(itertools.islice(rows, 200))
    sample = head
    if code_at is not None:  # (the other rows get theirs a column at a time)
        sample = [[*r[: code_at + 1], names.get(str(r[code_at] or ""), ""), *r[code_at + 1 :]] for r in head]
    kinds = [dictionary.describe(name, c, entries) for c in cols]
    widths = []
    for i, (col, e) in enumerate(zip(cols, kinds, strict=True)):
        if e.type == "longtext":
            widths.append(LONG_WIDTH)
            continue
        # a character is one column at least: the first MAX_WIDTH of a cell decide whether it reaches MAX_WIDTH
        seen = [_width(cell(r[i])[:MAX_WIDTH]) for r in sample]
        widths.append(min(MAX_WIDTH, max([_width(col[:MAX_WIDTH]), *seen]) + 2))
    letters = [xlsxml.column_letter(j) for j in range(len(cols))]
    unit_at = cols.index("unit") if "unit" in cols else None
    plan = [
        (j, letters[j], col, e, xlsxml.WRAP if e.type == "longtext" else xlsxml.PLAIN)
        for j, (col, e) in enumerate(zip(cols, kinds, strict=True))
    ]
    n = 0
    with wb.sheet(name, widths) as ws:
        ws.row(1, [xlsxml.string_cell(f"{L}1", _text(c), xlsxml.HEADER) for L, c in zip(letters, cols, strict=True)])
        it = itertools.chain(head, rows)
        while chunk := list(itertools.islice(it, xlsxml.CHUNK)):
            first = n + 2
            n += len(chunk)
            if first - 1 > MAX_ROWS:
                continue  # counted for the warning, not written
            if n > MAX_ROWS:
                chunk = chunk[: MAX_ROWS - first + 2]
            ats = list(map(str, range(first, first + len(chunk))))
            columns: list[Sequence[Any]] = list(zip(*chunk, strict=False)) if plan else []  # (rows as long as cols)
            if code_at is not None:
                columns.insert(code_at + 1, [names.get(str(c or ""), "") for c in columns[code_at]])
            units = columns[unit_at] if unit_at is not None else None
            cells = [_column_cells(columns[j], letter, ats, col, e, style, units) for j, letter, col, e, style in plan]
            ws.rows(first, map("".join, zip(*cells, strict=True)) if cells else [""] * len(chunk))
        if n > MAX_ROWS:
            log.warning("%s: %d rows, over Excel's limit; the sheet keeps the first %d", name, n, MAX_ROWS)
            n = MAX_ROWS
        if cols:
            ws.filter = f"A1:{letters[-1]}{n + 1}"


_EXACT = 2**53  # integers a double holds exactly


def _column_cells(
    values: Sequence[Any],
    letter: str,
    ats: Sequence[str],
    col: str,
    e: dictionary.Column,
    style: int,
    units: Sequence[Any] | None,
) -> list[str]:
    """The ``<c>`` elements of one column of a chunk of rows (rows ``ats``), "" for an empty cell: ``converter`` of
    each value as a string, number or boolean cell. A column of text (the CSV files read back) is made a column at
    a time; anything else a cell at a time (the same XML)."""
    if set(map(type, values)) == {str}:
        if e.numeric:
            numbers = _numbers(values)
            if numbers is not None:
                return _number_cells(numbers, letter, ats, col, e, units)
        elif e.type != "boolean":
            return _text_cells(values, letter, ats, style)
    conv = converter(e.type)
    string_cell, number_cell, bool_cell = xlsxml.string_cell, xlsxml.number_cell, xlsxml.bool_cell
    out = []
    for i, (value, at) in enumerate(zip(values, ats, strict=True)):
        v = conv(value)
        if v is None:
            out.append("")
        elif v.__class__ is str:
            out.append(string_cell(letter + at, v, style))
        elif v.__class__ is bool:
            out.append(bool_cell(letter + at, v))
        elif e.numeric and abs(v) >= WAN_FROM and _is_yuan(col, units[i] if units is not None else None, e):
            out.append(number_cell(letter + at, v, xlsxml.CUSTOM_NUMBER))
        else:
            out.append(number_cell(letter + at, v))
    return out


def _text_cells(values: Sequence[str], letter: str, ats: Sequence[str], style: int) -> list[str]:
    """``string_cell`` of ``_text`` of each value ("" for an empty one), a column at a time."""
    joined = "".join(values)
    if _UNFIT.search(joined) or max(map(len, values)) > MAX_CELL:  # rare: a cell at a time
        texts: Sequence[str] = [_text(v) for v in values]
    else:
        texts = neutralize_all(values)
    spaces = [' xml:space="preserve"' if x else "" for x in map(operator.ne, texts, map(str.strip, texts))]
    if any(ch in joined for ch in '&<>"'):
        texts = list(map(xlsxml.escape, texts))
    s = f' s="{style}"' if style else ""
    return [  # an empty value: no cell (a value that is control characters only: an empty one)
        f'<c r="{letter}{at}"{s} t="inlineStr"><is><t{sp}>{t}</t></is></c>' if v else ""
        for v, t, at, sp in zip(values, texts, ats, spaces, strict=True)
    ]


def _numbers(values: Sequence[str]) -> list[int | float | None] | None:
    """``_number`` of each value (all text) when every non-empty value is a finite number, else None."""
    full = list(itertools.compress(range(len(values)), values))
    present = [values[i] for i in full] if len(full) < len(values) else values
    if "_" in "".join(present):  # int() and float() read 1_000; PLAIN_NUMBER does not
        return None
    numbers: list[int | float]
    try:
        numbers = list(map(int, present))
        if numbers and (max(numbers) >= _EXACT or min(numbers) <= -_EXACT):
            return None
    except ValueError:
        try:
            floats = list(map(float, present))
        except ValueError:
            return None
        if not all(map(math.isfinite, floats)):  # nan, inf: text
            return None
        numbers = [int(x) if x.is_integer() and -_EXACT < x < _EXACT else x for x in floats]
    if len(full) == len(values):
        return numbers  # type: ignore[return-value]
    out: list[int | float | None] = [None] * len(values)
    for i, x in zip(full, numbers, strict=True):
        out[i] = x
    return out


def _number_cells(
    numbers: Sequence[int | float | None],
    letter: str,
    ats: Sequence[str],
    col: str,
    e: dictionary.Column,
    units: Sequence[Any] | None,
) -> list[str]:
    """``number_cell`` of each number ("" for None), in 万元 where ``_is_yuan``."""
    by_unit = e.unit == "见 unit 列"
    if not by_unit and not col.endswith("(元)"):  # no amount in 元 here
        return [
            "" if v is None else f'<c r="{letter}{at}"><v>{v!r}</v></c>' for v, at in zip(numbers, ats, strict=True)
        ]
    custom = f' s="{xlsxml.CUSTOM_NUMBER}"'
    yuan = [u == "元" for u in units] if by_unit and units is not None else [not by_unit] * len(numbers)
    return [
        ""
        if v is None
        else f'<c r="{letter}{at}"{custom if y and (v >= WAN_FROM or v <= -WAN_FROM) else ""}><v>{v!r}</v></c>'
        for v, at, y in zip(numbers, ats, yuan, strict=True)
    ]


def workbook_bytes(tables: Mapping[str, Table]) -> bytes:
    """The workbook of tables in memory as bytes (see :func:`_write`)."""
    buf = BytesIO()
    _write(buf, table_sheets(tables))
    return buf.getvalue()


def write_sheets(path: Path, sheets: Sequence[Sheet]) -> int:
    """Write the workbook of ``sheets`` atomically, zipped straight into the file; returns the number of sheets
    (tables + the data dictionary)."""
    atomic_write_stream(path, lambda fh: _write(fh, sheets))
    return len(sheets) + 1


def write_xlsx(path: Path, tables: Mapping[str, Table]) -> int:
    """Write the workbook of tables in memory atomically; returns the number of sheets."""
    return write_sheets(path, table_sheets(tables))
