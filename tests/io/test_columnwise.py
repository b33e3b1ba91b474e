"""The write phase makes its cells a column at a time (tables, workbook, store): the same text, XML and typed
values as one cell at a time. Each fast path is checked against the cell-by-cell rule it replaces."""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

import duckdb
import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.io import columns as dictionary
from pipeline.io import schema, store, xlsx, xlsxml
from pipeline.io.writers import cell_writer, columns_of, csv_bytes, format_column, stream_csv

KINDS = [None, schema.TEXT, schema.INTEGER, schema.DOUBLE, schema.DATE, schema.BOOLEAN]
TRICKY = [
    None, "", " ", "\t", "  x ", "=SUM(A1)", "+1+2", "-2+3", "@x", "-3.5", "+86", "1_000", "2019/6", "2014.0",
    "true", "no", "农业", "a\ud800b", 0, -7, 2**40, 3.0, 2.5, -0.0, 1e20, 0.1 + 0.2, math.nan, math.inf, -math.inf,
    True, False,
]  # fmt: skip
values = st.one_of(
    st.sampled_from(TRICKY),
    st.text(max_size=8),
    st.integers(min_value=-(2**60), max_value=2**60),
    st.floats(allow_nan=True, allow_infinity=True),
)
# columns of one kind of value (the fast paths) and of anything (the fallbacks)
column = st.one_of(
    st.lists(values, min_size=1, max_size=12),
    st.lists(st.one_of(st.none(), st.text(max_size=6)), min_size=1, max_size=12),
    st.lists(st.one_of(st.none(), st.integers(min_value=-(2**40), max_value=2**40)), min_size=1, max_size=12),
    st.lists(st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)), min_size=1, max_size=12),
    st.lists(st.sampled_from(["", None, "2019", "2019/6", " 2020年3月 ", "unknown"]), min_size=1, max_size=12),
)


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=150, deadline=None)
@given(col=column)
def test_a_column_of_cells_is_each_cell_as_the_cell_writer_makes_it(kind: str | None, col: list[Any]) -> None:
    assert list(format_column(tuple(col), kind)) == [cell_writer(kind)(v) for v in col]


def test_a_streamed_table_is_the_table_written_a_row_at_a_time(tmp_path: Path) -> None:
    cols = ["t", "n", "x", "d", "any"]
    types = {"t": schema.TEXT, "n": schema.INTEGER, "x": schema.DOUBLE, "d": schema.DATE}
    rows = [{"t": TRICKY[i % len(TRICKY)], "n": i if i % 3 else None, "x": i / 7, "d": "2019/6", "any": -i}
            for i in range(5000)]  # fmt: skip
    rows[4321] = {"t": "=1", "n": "12", "x": math.nan, "d": None}  # a row without "any"
    with (tmp_path / "a.csv").open("wb") as fh:
        assert stream_csv(fh, rows, cols, types) == 5000
    assert (tmp_path / "a.csv").read_bytes() == csv_bytes(rows, cols, types)


def test_columns_of_a_chunk_and_the_row_with_a_column_of_its_own() -> None:
    assert columns_of([{"a": 1, "b": 2}, {"b": 3}], ["a", "b"]) == [(1, None), (2, 3)]
    assert columns_of([{"a": 1}], ["a"]) == [(1,)]
    with pytest.raises(ValueError, match=r"row 12 has columns \['c'\]"):
        columns_of([{"a": 1, "b": 2}, {"a": 1, "c": 2}], ["a", "b"], before=10)


def _cell_by_cell(values: list[Any], col: str, e: dictionary.Column, units: list[Any] | None) -> list[str]:
    """The workbook's cells of one column as xlsx wrote them one cell at a time before (the reference)."""
    conv = xlsx.converter(e.type)
    style = xlsxml.WRAP if e.type == "longtext" else xlsxml.PLAIN
    out = []
    for i, value in enumerate(values):
        ref = f"C{i + 2}"
        v = conv(value)
        if v is None:
            out.append("")
        elif v.__class__ is str:
            out.append(xlsxml.string_cell(ref, v, style))
        elif v.__class__ is bool:
            out.append(xlsxml.bool_cell(ref, v))
        elif e.numeric and abs(v) >= xlsx.WAN_FROM and xlsx._is_yuan(col, units[i] if units else None, e):
            out.append(xlsxml.number_cell(ref, v, xlsxml.CUSTOM_NUMBER))
        else:
            out.append(xlsxml.number_cell(ref, v))
    return out


NUMBER_TEXT = st.one_of(
    st.sampled_from(["", " 12 ", "1_000", "nan", "inf", "-0", "1e5", ".5", "9007199254740993", "12万", "-", "=1"]),
    st.integers(min_value=-(2**60), max_value=2**60).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.decimals(allow_nan=False, allow_infinity=False, places=3).map(str),
)
TEXT = st.one_of(st.text(max_size=10), st.sampled_from(["", " ", 'a<b&"c"', " lead", "=x", "-3.5", "\x01", "\ud800"]))
WORKBOOK_COLUMNS = [  # (table, column): a column of each kind the dictionary gives
    ("figures", "value"),  # number, in 万元 by the row's unit
    ("figures", "page"),  # integer
    ("figures", "sentence"),  # long text
    ("figures", "indicator"),  # text
    ("compare_counties", "人均收入(元)"),  # number, in 万元 by its name
    ("places", "focal"),  # boolean
]


@pytest.mark.parametrize(("table", "col"), WORKBOOK_COLUMNS)
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_a_column_of_workbook_cells_is_each_cell_as_before(table: str, col: str, data: st.DataObject) -> None:
    e = dictionary.describe(table, col, dictionary.load())
    texts = data.draw(st.lists(NUMBER_TEXT if e.numeric else TEXT, min_size=1, max_size=12))
    units = data.draw(st.lists(st.sampled_from(["元", "万元", ""]), min_size=len(texts), max_size=len(texts)))
    ats = [str(i + 2) for i in range(len(texts))]
    style = xlsxml.WRAP if e.type == "longtext" else xlsxml.PLAIN
    got = xlsx._column_cells(tuple(texts), "C", ats, col, e, style, tuple(units))
    assert got == _cell_by_cell(texts, col, e, units)


def test_widths_count_wide_characters_twice_and_stop_at_the_maximum() -> None:
    assert xlsx._width("ab") == 2 and xlsx._width("农业a") == 5
    assert xlsx._width(("农" * 100)[: xlsx.MAX_WIDTH]) >= xlsx.MAX_WIDTH - 2  # what the sheet's width needs


def _store(tmp_path: Path, rows: list[dict[str, Any]], cols: list[str]) -> tuple[list[tuple[Any, ...]], list[str]]:
    db = tmp_path / "kg.duckdb"
    store.write_duckdb(db, {"figures": (rows, cols)}, nx.MultiDiGraph())
    con = duckdb.connect(str(db), read_only=True)
    try:
        got = con.execute("SELECT * FROM figures").fetchall()
        q = "SELECT data_type FROM information_schema.columns WHERE table_name = 'figures' ORDER BY ordinal_position"
        types = [t for (t,) in con.execute(q).fetchall()]
    finally:
        con.close()
    return got, types


def test_the_store_takes_its_rows_a_chunk_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Chunks of 3 rows: a value beyond INTEGER in a later chunk makes the column BIGINT; an infinite value in a
    later chunk keeps its column as text, from the first row; dates, NaN, empty text and lone surrogates as the
    bulk-load file gave them."""
    monkeypatch.setattr(store, "_CHUNK", 3)
    cols = ["page", "start", "value", "date", "raw", "value_high"]
    rows = [{"page": 1, "start": 5, "value": 2.5, "date": "2019/6", "raw": "x", "value_high": 1.0},
            {"page": None, "start": "7", "value": math.nan, "date": "", "raw": "", "value_high": 2},
            {"page": 3, "start": None, "value": 4, "date": None, "raw": None, "value_high": None},
            {"page": 4, "start": 2**40, "value": -0.0, "date": 2014.0, "raw": "a\ud800b", "value_high": math.inf},
            {"page": 5, "start": 1, "value": "1e3", "date": "2020年3月", "raw": 12,
             "value_high": 0.1 + 0.2}]  # fmt: skip
    with caplog.at_level(logging.WARNING, logger="pipeline.io.store"):
        got, types = _store(tmp_path, rows, cols)
    assert types == ["INTEGER", "BIGINT", "DOUBLE", "VARCHAR", "VARCHAR", "VARCHAR"]
    assert "'value_high'" in caplog.text and "kept as text" in caplog.text
    assert got == [
        (1, 5, 2.5, "2019-06", "x", "1.0"),
        (None, 7, None, "", "", "2"),
        (3, None, 4.0, None, None, None),
        (4, 2**40, -0.0, "2014", "a\ufffdb", "inf"),
        (5, 1, 1000.0, "2020-03", "12", repr(0.1 + 0.2)),
    ]


def test_a_table_without_rows_is_created_with_its_types(tmp_path: Path) -> None:
    got, types = _store(tmp_path, [], ["page", "value", "raw"])
    assert got == [] and types == ["INTEGER", "DOUBLE", "VARCHAR"]
